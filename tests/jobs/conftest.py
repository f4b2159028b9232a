"""A job's parts are its departments here (see ``support.jobs``)."""

from __future__ import annotations

from support.jobs import a_department_a_part

__all__ = ["a_department_a_part"]
