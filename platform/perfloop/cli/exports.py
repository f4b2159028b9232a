"""``perfloop export LIST --cycle N --format xlsx|csv --output FILE --as EMAIL``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.cli.common import console, with_session
from perfloop.cli.failures import Problem


def export(
    list_key: Annotated[
        str,
        typer.Argument(
            metavar="LIST",
            help="results, plans, payouts, candidates, training-needs, improvement-plans, awards, "
            "annual-results, appeals (docs/exports.md).",
        ),
    ],
    cycle: Annotated[int, typer.Option("--cycle", help="The cycle's id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    as_user: Annotated[
        str,
        typer.Option("--as", help="Export as this user (their scope applies), by email."),
    ],
    fmt: Annotated[str, typer.Option("--format", help="xlsx or csv.")] = "xlsx",
    tenant: Annotated[str, typer.Option(help="The tenant slug.")] = "demo",
    org_unit: Annotated[
        int | None, typer.Option("--org-unit", help="Only this org unit's subtree.")
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="A version of a list that keeps versions (payouts).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Header language: zh-CN or en.")] = "zh-CN",
    arg: Annotated[
        list[str] | None,
        typer.Option(
            "--arg",
            help="An argument of the list's own, NAME=VALUE (candidates: --arg list=promotion).",
        ),
    ] = None,
) -> None:
    """Export a list (a cycle's results, plans, payouts, candidates, awards, …) to .xlsx
    or CSV, read as a user under their scope. CSV is UTF-8 with a BOM, so Excel shows
    Chinese correctly."""
    from perfloop.authz import EnforcerCache
    from perfloop.services import exports
    from perfloop.services.core.caller import resolve_caller
    from perfloop.services.core.errors import ErrorCode, ServiceError

    if output.is_dir():
        raise Problem(f"{output} is a folder: give a file name")
    options: dict[str, str] = {}
    for given in arg or []:
        name, sep, value = given.partition("=")
        if not sep or not name:
            raise Problem(f"--arg: {given!r} is not NAME=VALUE")
        options[name] = value
    partial = output.with_name(f".{output.name}.part")

    async def work(session: AsyncSession) -> exports.Exported:
        caller = await resolve_caller(session, EnforcerCache(), tenant, as_user)
        query = exports.ExportQuery(cycle, org_unit, version, options)
        await exports.prepare(session, caller, list_key, query, fmt, lang)
        with partial.open("wb") as out:
            return await exports.export(session, caller, list_key, query, fmt, out, lang=lang)

    known = {e.key for e in exports.export_lists()}
    try:
        done = with_session(work)
    except ServiceError as exc:
        partial.unlink(missing_ok=True)
        where = {"list": "LIST", "format": "--format", "cycle": "--cycle", "lang": "--lang"}
        first = exc.errors[0]
        if first.code is ErrorCode.UNAUTHENTICATED:
            raise Problem(
                f"--as: no active user {as_user!r} in tenant {tenant!r} (see `perfloop demo users`)"
            ) from None
        name = first.path[0] if first.path else ""
        exported = exports.get_export_list(list_key) if list_key in known else None
        if name in options or (exported and name in {a.name for a in exported.arguments}):
            place = f"--arg {name}"  # the list's own argument (candidates' ``list``)
        else:
            place = where.get(name, "")
        raise Problem(f"{place + ': ' if place else ''}{first.message}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)
    console.print(f"{done.rows} row(s) written to {output}")
