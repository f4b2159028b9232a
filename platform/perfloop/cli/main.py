"""``perfloop`` commands: serve, db, demo, token, templates, users, export, export-schema."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.cli.common import (
    check_database,
    console,
    err_console,
    require_database_file,
    settings_or_exit,
    with_session,
)
from perfloop.cli.exports import export
from perfloop.cli.failures import FailSafeGroup, Problem
from perfloop.cli.imports import import_app
from perfloop.cli.plugins import plugins_app
from perfloop.cli.users import users_app

app = typer.Typer(
    cls=FailSafeGroup,  # a failure is one line and exit code 1, never a traceback
    help="perfloop: low-code performance management (绩效管理) served over GraphQL.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo tenant.", no_args_is_help=True)
templates_app = typer.Typer(
    help="Templates: list the built-ins, validate files.", no_args_is_help=True
)


def _version(value: bool) -> None:
    if value:
        from perfloop import __version__

        typer.echo(f"perfloop {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="PERFLOOP_DEBUG",
            help="Show the traceback of a failure instead of one line.",
        ),
    ] = False,
) -> None:
    """perfloop: low-code performance management (绩效管理) served over GraphQL."""


app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(templates_app, name="templates")
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")
app.add_typer(plugins_app, name="plugins")
app.command(name="export")(export)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default PERFLOOP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PERFLOOP_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the web console at /, GraphQL at /graphql (with GraphiQL) and /healthz."""
    import uvicorn

    settings = settings_or_exit()
    check_database(settings)
    host, port = host or settings.host, port or settings.port
    url = f"http://{host}:{port}/graphql"
    console.print(f"[bold green]perfloop[/] serving [link={url}]{url}[/link]")
    home = f"http://{host}:{port}/"
    sign_in = " (demo sign-in on)" if settings.demo_sign_in_enabled else ""
    console.print(f"the web console: [link={home}]{home}[/link]{sign_in}")
    if settings.graphiql:
        console.print("Open that address in a browser for GraphiQL. Get a token with:")
        console.print("  [cyan]perfloop demo users[/]            # who is in the demo company")
        console.print("  [cyan]perfloop token --user hr@demo.perfloop.dev[/]")
        console.print('and send it as the header  {"Authorization": "Bearer <token>"}')
    uvicorn.run("perfloop.api.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Job parts this process runs at once (a part: departments)."
        ),
    ] = 2,
) -> None:
    """Run queued jobs' parts (PostgreSQL only; on SQLite jobs run inside `serve`).
    Start as many as you like, on any machines reaching the database: the parts of
    one job run on all of them."""
    from perfloop.services import jobs
    from perfloop.store import make_engine

    settings = settings_or_exit()
    if not settings.database_url.startswith("postgresql"):
        raise Problem(
            "perfloop worker runs jobs queued on PostgreSQL; on SQLite, `perfloop serve` "
            "runs them itself: no worker is needed"
        )
    check_database(settings)

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await jobs.run_worker(engine, concurrency=concurrency)
        finally:
            await engine.dispose()

    console.print(
        f"[bold green]perfloop[/] worker: running the queue {jobs.QUEUE!r} (Ctrl+C stops)"
    )
    asyncio.run(run())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema and store the built-in templates."""
    from perfloop.services.templates import sync_builtin_templates
    from perfloop.store import make_engine, make_sessionmaker, upgrade

    settings = settings_or_exit()
    require_database_file(settings.database_url, create=True)

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            async with make_sessionmaker(engine)() as session:
                return await sync_builtin_templates(session)
        finally:
            await engine.dispose()

    added = asyncio.run(run())
    console.print(f"database is at the newest schema; {added} built-in template version(s) added")


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty/--always", help="Skip when any tenant exists.")
    ] = True,
) -> None:
    """Load the demo company (tenant `demo`)."""
    from perfloop.demo import load_demo
    from perfloop.demo.context import first_party_plugins
    from perfloop.demo.loader import DemoExists

    try:
        loaded = with_session(lambda s: load_demo(s, if_empty=if_empty))
    except DemoExists as exc:
        err_console.print(escape(str(exc)))
        raise typer.Exit(1) from None
    if loaded:
        console.print("demo tenant loaded; see `perfloop demo users`")
        missing = sorted(first_party_plugins()[1])
        if missing:
            console.print(
                f"metric plugins not installed: {', '.join(missing)}; their items are left off "
                "the current quarter's plans (`make install` installs plugins/*)"
            )
    else:
        console.print("the database has tenants already; demo not loaded")


@demo_app.command("users")
def demo_users() -> None:
    """The demo identities and their roles."""
    from perfloop.demo import demo_users as list_users

    users = with_session(list_users)
    if not users:
        err_console.print("no demo tenant: run `perfloop demo load`")
        raise typer.Exit(1)
    table = Table(title="demo tenant users (perfloop token --user EMAIL)")
    for column in ("email", "name", "roles", "org unit", "position"):
        table.add_column(column)
    for u in users:
        table.add_row(u.email, u.name, ", ".join(u.roles), u.org_unit, u.position)
    console.print(table)


@app.command()
def token(
    user: Annotated[str, typer.Option("--user", help="The user's email.")],
    tenant: Annotated[str, typer.Option(help="The tenant slug.")] = "demo",
    ttl: Annotated[int | None, typer.Option(help="Minutes until it expires.")] = None,
) -> None:
    """Print a development bearer token (HS256, signed with PERFLOOP_SECRET)."""
    from perfloop.api.core.auth import issue_token
    from perfloop.authz import EnforcerCache
    from perfloop.services.core.caller import resolve_caller
    from perfloop.services.core.errors import ServiceError

    settings = settings_or_exit()

    async def check(session: AsyncSession) -> None:
        await resolve_caller(session, EnforcerCache(), tenant, user)

    try:
        with_session(check)
    except ServiceError:
        err_console.print(
            f"no active user {user!r} in tenant {tenant!r} (see `perfloop demo users`)"
        )
        raise typer.Exit(1) from None
    typer.echo(issue_token(settings, tenant, user, ttl))


@templates_app.command("list")
def templates_list(
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
) -> None:
    """The built-in templates shipped with perfloop."""
    from perfloop.templates import load_builtin_templates

    table = Table(title="built-in templates")
    for column in ("kind", "ref", "title (zh-CN)", "title (en)"):
        table.add_column(column)
    for t in load_builtin_templates():
        if kind is None or t.kind == kind:
            table.add_row(t.kind, t.ref, t.title.get("zh-CN", ""), t.title.get("en", ""))
    console.print(table)


@templates_app.command("validate")
def templates_validate(
    files: Annotated[list[Path], typer.Argument(help="Template JSON files.")],
) -> None:
    """Check template files; references may point at built-ins or at each other. A
    KPI library's plugin sources are checked against the plugins installed here."""
    from perfloop.services.plugins import check_plugin_sources
    from perfloop.templates import document_warnings, load_builtin_templates, validate_document

    builtins = load_builtin_templates()
    documents: dict[Path, object] = {}
    failed = False
    for path in files:
        try:
            documents[path] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            err_console.print(f"[red]{escape(str(path))}[/]: cannot read JSON: {escape(str(exc))}")
            failed = True
    given = {
        (d["key"], d["version"]): d
        for d in documents.values()
        if isinstance(d, dict)
        and isinstance(d.get("key"), str)
        and isinstance(d.get("version"), int)
    }

    def resolve(key: str, version: int) -> object:
        hit = given.get((key, version))
        if hit is not None:
            return hit
        return builtins.resolve(key, version)

    for path, document in documents.items():
        errors = validate_document(document, resolver=resolve)  # type: ignore[arg-type]
        plugins = check_plugin_sources(document)
        errors = [*errors, *plugins.errors]
        if errors:
            failed = True
            for e in errors:
                err_console.print(
                    f"[red]{escape(str(path))}[/] "
                    + escape(f"{e.pointer or '/'} [{e.code}] {e.message}")
                )
        else:
            console.print(f"[green]{escape(str(path))}[/]: valid")
            assert isinstance(document, dict)  # a valid template is an object
            for w in [*document_warnings(document), *plugins.warnings]:
                err_console.print(
                    f"[yellow]{escape(str(path))}[/] "
                    + escape(f"{w.pointer or '/'} warning [{w.code}] {w.message}")
                )
    if failed:
        raise typer.Exit(1)


formula_app = typer.Typer(help="Formulas: try one out.", no_args_is_help=True)
app.add_typer(formula_app, name="formula")


@formula_app.command("eval")
def formula_eval(
    formula: Annotated[
        str, typer.Argument(help='The formula, e.g. "ROUND(actual / target * 100, 1)".')
    ],
    data: Annotated[str, typer.Option(help="The data as a JSON object.")] = "{}",
    explain: Annotated[bool, typer.Option(help="Print how the value was reached.")] = False,
    variables: Annotated[
        str | None,
        typer.Option(
            help="A JSON Schema of the data: a misspelt name is then an error, not null, "
            "and the data must match it."
        ),
    ] = None,
) -> None:
    """Evaluate a formula over JSON data and print the result as JSON.

    Warnings (where Excel would read the formula differently) go to standard
    error; the exit code is 1 for a formula that does not compile, 2 for bad
    --data or --variables.
    """
    from perfloop.services.core.errors import ServiceError
    from perfloop.services.formulas import run_formula

    parsed = _json_option("--data", data)
    schema = _json_option("--variables", variables) if variables is not None else None
    try:
        outcome = run_formula(formula, parsed, explain=explain, variables=schema)
    except ServiceError as exc:
        for error in exc.errors:
            option = "--variables" if error.path[:1] == ("variables",) else "--data"
            err_console.print(f"{option}: {error.message}", markup=False)
        raise typer.Exit(2) from None
    except RecursionError:
        raise Problem(_TOO_DEEP) from None
    if outcome.error is not None:
        e = outcome.error
        err_console.print(f"line {e.line}, column {e.column}: {e.message}", markup=False)
        err_console.print(e.excerpt, markup=False, highlight=False)
        if e.suggestion:
            err_console.print(f"did you mean {e.suggestion}?", markup=False)
        raise typer.Exit(1)
    for w in outcome.warnings:
        err_console.print(
            f"warning [{w.code}] line {w.line}, column {w.column}: {w.message}", markup=False
        )
        err_console.print(w.excerpt, markup=False, highlight=False)
    result = outcome.explanation if explain else outcome.value
    try:
        text = json.dumps(result, ensure_ascii=False, indent=2 if explain else None)
    except RecursionError:
        raise Problem(_TOO_DEEP) from None
    typer.echo(text)


_TOO_DEEP = "--data is nested too deeply to evaluate: use fewer levels of lists and objects"


def _json_option(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        err_console.print(f"{option} is not JSON: {exc}", markup=False)
        raise typer.Exit(2) from None
    except ValueError:  # a number of more digits than Python reads
        limit = sys.get_int_max_str_digits()
        err_console.print(f"{option} has a number of more than {limit:,} digits", markup=False)
        raise typer.Exit(2) from None
    except RecursionError:
        raise Problem(
            f"{option} is nested too deeply: use fewer levels of lists and objects"
        ) from None


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option(help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Print the GraphQL SDL (committed as schema.graphql)."""
    from perfloop.api.schema import print_schema

    sdl = print_schema()
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")


def main() -> None:
    app()
