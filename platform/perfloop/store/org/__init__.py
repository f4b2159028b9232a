"""The org tables: org_units (a tree with a materialised path), employees and the position
catalogue.
"""

from __future__ import annotations

from perfloop.store.org.models import Employee, OrgUnit, Position

__all__ = ["Employee", "OrgUnit", "Position"]
