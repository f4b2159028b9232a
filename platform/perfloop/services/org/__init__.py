"""The org chart: units, positions and employees, and its import from CSV or .xlsx.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.org.common import EMPLOYEE_STATUSES, PATH_LIMIT, UNIT_KINDS
from perfloop.services.org.employees import (
    create_employee,
    get_employee,
    list_employees,
    manager_loop,
    update_employee,
)
from perfloop.services.org.import_rows import (
    COLUMNS,
    REQUIRED,
    ImportFailed,
    OrgRows,
    RowError,
    read_table,
)
from perfloop.services.org.importing import ImportReport, import_org, import_org_file
from perfloop.services.org.positions import create_position, list_positions, update_position
from perfloop.services.org.units import (
    create_org_unit,
    get_org_unit,
    list_org_units,
    move_org_unit,
    update_org_unit,
)

__all__ = [
    "COLUMNS",
    "EMPLOYEE_STATUSES",
    "PATH_LIMIT",
    "REQUIRED",
    "UNIT_KINDS",
    "ImportFailed",
    "ImportReport",
    "OrgRows",
    "RowError",
    "create_employee",
    "create_org_unit",
    "create_position",
    "get_employee",
    "get_org_unit",
    "import_org",
    "import_org_file",
    "list_employees",
    "list_org_units",
    "list_positions",
    "manager_loop",
    "move_org_unit",
    "read_table",
    "update_employee",
    "update_org_unit",
    "update_position",
]
