"""``perfloop import org FILE``: load an org chart from CSV or .xlsx into a tenant.

Registered on the ``perfloop import`` group by the import at the end of ``cli/imports.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from perfloop.cli.common import console, err_console, with_session
from perfloop.cli.imports import import_app

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.org.importing import ImportReport


@import_app.command("org")
def import_org(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="A .csv (UTF-8) or .xlsx file, one row per employee."),
    ],
    tenant: Annotated[str, typer.Option(help="The tenant slug.")] = "demo",
) -> None:
    """Create or update org units, positions and employees from a file.

    Columns: employee_no, name, email, org_unit_code, org_unit_name,
    parent_unit_code, org_unit_kind, position, grade, hire_date, manager_email
    (or the Chinese headers 工号, 姓名, 邮箱, 部门编码, 部门名称, 上级部门编码,
    部门类型, 职位, 职级, 入职日期, 上级邮箱). Every row is checked first; on any
    problem all of them are listed and nothing is written.
    """
    from perfloop.services.core.errors import ServiceError
    from perfloop.services.org.importing import ImportFailed, import_org, read_table
    from perfloop.store.identity import Tenant

    if not file.is_file():
        err_console.print(f"[red]{file}[/]: no such file")
        raise typer.Exit(2)
    try:
        rows = read_table(file)
    except ServiceError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err_console.print(f"[red]{file}[/]: cannot read it: {exc}")
        raise typer.Exit(2) from None

    async def run(session: AsyncSession) -> ImportReport | None:
        found = await session.execute(select(Tenant.id).where(Tenant.slug == tenant))
        tenant_id = found.scalar_one_or_none()
        if tenant_id is None:
            return None
        return await import_org(session, tenant_id, rows, source=file.name)

    try:
        report = with_session(run)
    except ImportFailed as exc:
        table = Table(title=f"{file.name}: {len(exc.row_errors)} problem(s); nothing was imported")
        for column in ("row", "column", "problem"):
            table.add_column(column)
        for e in exc.row_errors:
            table.add_row(str(e.row), e.column, e.message)
        err_console.print(table)
        raise typer.Exit(1) from None
    if report is None:
        err_console.print(f"[red]no tenant {tenant!r}[/]")
        raise typer.Exit(2)
    console.print(
        f"[green]imported {report.rows} row(s)[/] into {tenant}: "
        f"{report.units_created} unit(s) created, {report.units_updated} updated; "
        f"{report.positions_created} position(s) created; "
        f"{report.employees_created} employee(s) created, {report.employees_updated} updated"
    )
