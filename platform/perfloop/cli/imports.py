"""``perfloop import``: bring business data in from CSV or .xlsx files.

Both commands read files with :mod:`perfloop.tabular` and take the same
``--encoding`` and ``--sheet`` (:mod:`perfloop.cli.import_options`).
``perfloop import org`` lives in :mod:`perfloop.cli.org_import` and is
registered here, so the dependency goes one way (this module → that one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from perfloop.cli.common import console, err_console, with_session
from perfloop.cli.import_options import (
    EncodingOption,
    SheetOption,
    encoding_or_none,
    sheet_or_none,
)
from perfloop.cli.org_import import import_org

import_app = typer.Typer(help="Import data from CSV or .xlsx files.", no_args_is_help=True)
import_app.command("org")(import_org)


@import_app.command("dataset")
def import_dataset(
    dataset: Annotated[
        str, typer.Argument(metavar="KEY", help="Dataset template: key@version, or key (latest).")
    ],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CSV or .xlsx; the first non-blank row names the fields.",
            exists=True,
        ),
    ],
    tenant: Annotated[str, typer.Option(help="The tenant slug.")] = "demo",
    batch_size: Annotated[
        int, typer.Option(help="Rows per batch; each batch is stored all or nothing.")
    ] = 10_000,
    user: Annotated[
        str | None,
        typer.Option(help="Import as this user (needs dataset.ingest); default: the operator."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes validating rows (0: this one; default: by file size)."),
    ] = None,
    encoding: EncodingOption = "detect",
    sheet: SheetOption = None,
) -> None:
    """Import records into a dataset. Rows are validated against the dataset's
    schema; a batch with an invalid row is stored not at all and reported.
    Re-running the same file skips the batches already committed."""
    from perfloop.authz import EnforcerCache
    from perfloop.services import datasets
    from perfloop.services.core.errors import ErrorCode, ServiceError
    from perfloop.services.datasets import BatchOutcome, count_rows
    from perfloop.store.identity import Tenant

    total = count_rows(file)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )

    async def work(session: AsyncSession) -> datasets.ImportReport:
        from perfloop.services.core.caller import resolve_caller

        if user is not None:
            caller = await resolve_caller(session, EnforcerCache(), tenant, user)
            tenant_id = caller.tenant_id
        else:
            caller = None
            found = (await session.execute(select(Tenant.id).where(Tenant.slug == tenant))).scalar()
            if found is None:
                raise ServiceError.one(ErrorCode.NOT_FOUND, f"no tenant {tenant!r}")
            tenant_id = found
        task = progress.add_task(f"{dataset} ← {file.name}", total=total, note="")
        counts = {"stored": 0, "skipped": 0, "rejected": 0}

        def on_batch(outcome: BatchOutcome) -> None:
            counts["stored"] += outcome.inserted
            counts["skipped"] += outcome.received if outcome.status == "replayed" else 0
            counts["rejected"] += outcome.status == "rejected"
            note = f"stored {counts['stored']:,}"
            if counts["skipped"]:
                note += f", {counts['skipped']:,} already imported"
            if counts["rejected"]:
                note += f", [red]{counts['rejected']} batch(es) rejected[/]"
            progress.update(task, advance=outcome.received, note=note)

        with progress:
            return await datasets.import_file(
                session,
                caller,
                tenant_id,
                dataset,
                file,
                batch_size=batch_size,
                workers=workers,
                encoding=encoding_or_none(encoding),
                sheet=sheet_or_none(sheet),
                on_batch=on_batch,
            )

    try:
        report = with_session(work)
    except ServiceError as exc:
        for error in exc.errors:
            err_console.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(1) from None
    console.print(
        f"{report.dataset}: {report.batches} batch(es): {report.committed} committed, "
        f"{report.replayed} already imported, {report.rejected} rejected; "
        f"{report.inserted:,} record(s) stored, {report.skipped:,} already present"
    )
    if report.batches == 0:
        console.print(f"{file.name} has no rows below its header: nothing to store", markup=False)
    if report.errors:
        for e in report.errors:
            where = f"row {e.row}" + (f", {e.field}" if e.field else "")
            err_console.print(f"[red]{escape(where)}[/]: {escape(e.message)}")
        if report.invalid_rows > len(report.errors):
            err_console.print(f"… {report.invalid_rows} invalid row(s) in all")
        err_console.print("fix those rows and run the import again; stored batches stay stored")
    if not report.ok:
        raise typer.Exit(1)
