"""``perfloop import org FILE``: load an org chart from CSV or .xlsx into a tenant.

Registered on the ``perfloop import`` group by ``cli/imports.py``; this module
imports nothing of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from sqlalchemy import select

from perfloop.cli.common import console, err_console, with_session
from perfloop.cli.import_options import (
    EncodingOption,
    SheetOption,
    encoding_or_none,
    sheet_or_none,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.org import ImportFailed, ImportReport

__all__ = ["import_org"]


def import_org(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="A .csv or .xlsx file, one row per employee."),
    ],
    tenant: Annotated[str, typer.Option(help="The tenant slug.")] = "demo",
    encoding: EncodingOption = "detect",
    sheet: SheetOption = None,
) -> None:
    """Create or update org units, positions and employees from a file.

    Columns: employee_no, name, email, org_unit_code, org_unit_name,
    parent_unit_code, org_unit_kind, position, grade, hire_date, manager_email
    (or the Chinese headers 工号, 姓名, 邮箱, 部门编码, 部门名称, 上级部门编码,
    部门类型, 职位, 职级, 入职日期, 上级邮箱). Every row is checked first; on any
    problem all of them are listed and nothing is written.
    """
    from perfloop.services.org import ImportFailed, import_org, read_table
    from perfloop.store.identity import Tenant
    from perfloop.tabular import FileError

    try:
        rows = read_table(file, encoding=encoding_or_none(encoding), sheet=sheet_or_none(sheet))
    except FileError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except ImportFailed as exc:
        _problems(file, exc)
        raise typer.Exit(1) from None

    async def run(session: AsyncSession) -> ImportReport | None:
        found = await session.execute(select(Tenant.id).where(Tenant.slug == tenant))
        tenant_id = found.scalar_one_or_none()
        if tenant_id is None:
            return None
        return await import_org(session, tenant_id, rows, source=file.name)

    try:
        report = with_session(run)
    except ImportFailed as exc:
        _problems(file, exc)
        raise typer.Exit(1) from None
    if report is None:
        err_console.print(f"[red]no tenant {escape(repr(tenant))}[/]")
        raise typer.Exit(2)
    where = f" (sheet {rows.sheet!r})" if rows.sheet is not None else ""
    console.print(
        f"[green]imported {report.rows} row(s)[/] from {escape(file.name + where)} into {tenant}: "
        f"{report.units_created} unit(s) created, {report.units_updated} updated; "
        f"{report.positions_created} position(s) created; "
        f"{report.employees_created} employee(s) created, {report.employees_updated} updated"
    )


def _problems(file: Path, failed: ImportFailed) -> None:
    """Every problem on a line of its own, in English and Chinese (lines never
    wrap, so they can be searched and compared)."""
    count = len(failed.row_errors)
    err_console.print(
        f"[red]{escape(file.name)}: {count} problem(s); nothing was imported[/] / "
        f"共 {count} 个问题，未导入任何数据"
    )
    for error in failed.row_errors:
        err_console.print(escape(str(error)))
