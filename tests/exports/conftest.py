"""Fixtures of the payout tests (a scoring run's parts are its departments)."""

from __future__ import annotations

from support.jobs import a_department_a_part

__all__ = ["a_department_a_part"]
