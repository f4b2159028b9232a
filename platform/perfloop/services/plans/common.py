"""Helpers shared by the goal, scorecard, actual and report services: the
cycle of a request, employees in scope, KPI-library indicators and the
scoring scheme that constrains a cycle's weights."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from perfloop.authz import Permission
from perfloop.engine import SchemeError, ScoringScheme
from perfloop.services.apps import installs_for_units
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.store.apps import InstalledApp
from perfloop.store.cycles import Cycle
from perfloop.store.org import Employee, Position
from perfloop.store.plans import Actual, Scorecard
from perfloop.store.templates import TemplateRecord
from perfloop.templates import canonical_json, parse_ref

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

DEFAULT_SCORING = "standard-scoring@1"


def not_found(what: str, path: tuple[str, ...] = (), *, zh: str | None = None) -> ServiceError:
    """Missing and forbidden objects answer alike."""
    return ServiceError.one(ErrorCode.NOT_FOUND, f"{what} not found", path, zh=zh)


def invalid(
    message: str, path: tuple[str, ...] = (), detail: str | None = None, *, zh: str | None = None
) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, path, detail, zh=zh)


async def get_cycle(session: AsyncSession, caller: Caller, cycle_id: int) -> Cycle:
    cycle = (
        await session.execute(
            select(Cycle).where(Cycle.id == cycle_id, Cycle.tenant_id == caller.tenant_id)
        )
    ).scalar_one_or_none()
    if cycle is None:
        raise not_found("cycle", ("cycle",))
    return cycle


async def employee_in_scope(
    session: AsyncSession, caller: Caller, permission: Permission, employee_id: int
) -> Employee:
    scope = caller.require(permission)
    row = (
        await session.execute(
            select(Employee).where(
                Employee.id == employee_id,
                Employee.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Employee.id),
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise not_found("employee", ("employee",))
    return row


async def scorecard_in_scope(
    session: AsyncSession, caller: Caller, permission: Permission, scorecard_id: int
) -> Scorecard:
    """The caller's tenant's scorecard if its employee is in the caller's scope for
    ``permission``; NOT_FOUND otherwise (a forbidden plan answers like a missing one)."""
    scope = caller.require(permission)
    card = (
        await session.execute(
            select(Scorecard).where(
                Scorecard.id == scorecard_id,
                Scorecard.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Scorecard.employee_id),
            )
        )
    ).scalar_one_or_none()
    if card is None:
        raise not_found("scorecard", ("scorecard",))
    return card


async def template_bodies(
    session: AsyncSession, tenant_id: int, refs: Iterable[str], kind: str
) -> dict[str, Mapping[str, Any]]:
    """Bodies of the ``key@version`` refs visible to a tenant, by ref (missing ones left out)."""
    parsed = {ref: parse_ref(ref) for ref in set(refs)}
    keys = {p[0] for p in parsed.values() if p is not None}
    if not keys:
        return {}
    rows = await session.execute(
        select(TemplateRecord.key, TemplateRecord.version, TemplateRecord.body).where(
            or_(TemplateRecord.tenant_id.is_(None), TemplateRecord.tenant_id == tenant_id),
            TemplateRecord.kind == kind,
            TemplateRecord.key.in_(keys),
        )
    )
    found = {f"{k}@{v}": body for k, v, body in rows}
    return {ref: found[ref] for ref in parsed if ref in found}


async def position_name(session: AsyncSession, tenant_id: int, text: str) -> str | None:
    """The name employees hold for a position given by catalogue code or name; a name
    outside the catalogue that an employee of the tenant holds (positions imported or
    seeded before the catalogue knew them) is itself. None for an unknown position."""
    text = text.strip()
    names = set(
        (
            await session.execute(
                select(Position.name).where(
                    Position.tenant_id == tenant_id,
                    or_(Position.code == text, Position.name == text),
                )
            )
        ).scalars()
    )
    if names:  # a position's name wins over another position's code
        return text if text in names else names.pop()
    held = await session.execute(
        select(Employee.id)
        .where(Employee.tenant_id == tenant_id, Employee.position == text)
        .limit(1)
    )
    return text if held.first() is not None else None


def in_cycle_period(cycle: Cycle) -> ColumnElement[bool]:
    """An actual for the cycle's own period (not a month inside it, not another cycle's)."""
    return and_(Actual.period_start == cycle.starts_on, Actual.period_end == cycle.ends_on)


def indicators_of(library: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(i["key"]): i for i in library.get("indicators") or [] if "key" in i}


@lru_cache(maxsize=64)
def _scheme(document_json: bytes, parameters_json: bytes) -> ScoringScheme:
    import json

    return ScoringScheme(json.loads(document_json), json.loads(parameters_json))


@dataclass(frozen=True)
class PlanRules:
    """The scoring scheme that applies to some employees of a cycle, built with the
    parameters of the app install that applies to their org unit."""

    ref: str
    scheme: ScoringScheme
    install_id: int | None = None
    #: the org unit whose own install applies (None: a tenant-wide install)
    org_unit_id: int | None = None


async def _rules_of(
    session: AsyncSession, tenant_id: int, install: InstalledApp | None, unit_id: int | None
) -> PlanRules:
    ref, parameters = DEFAULT_SCORING, {}
    if install is not None:
        app_ref = f"{install.app_key}@{install.app_version}"
        body = (await template_bodies(session, tenant_id, [app_ref], "app")).get(app_ref)
        components = (body or {}).get("components") or {}
        if isinstance(components.get("scoring"), str):
            ref = components["scoring"]
        parameters = dict(install.parameters or {})
    bodies = await template_bodies(session, tenant_id, [ref], "scoring")
    if ref not in bodies:
        raise invalid(f"the cycle's scoring template {ref} is not available", ("cycle",))
    try:
        scheme = _scheme(canonical_json(bodies[ref]), canonical_json(parameters))
    except SchemeError as exc:  # an install checked before scoring checked its parameters
        raise invalid(f"the app's parameters do not fit {ref}: {exc}", ("cycle",)) from exc
    return PlanRules(ref, scheme, install.id if install else None, unit_id)


def _merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` on top, objects merged deeply, anything else replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(out.get(key), Mapping) and isinstance(value, Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _what_if_problems(exc: SchemeError, where: str) -> ServiceError:
    """A what-if template or parameters that cannot be scored with, each problem named
    by its JSON pointer below ``where`` (``scoring`` or ``parameters``)."""
    return ServiceError(
        [
            UserError(
                ErrorCode.TEMPLATE_INVALID,
                f"{where}{pointer}: {message}",
                (where, *pointer.split("/")[1:]),
                detail=str(code),
            )
            for pointer, code, message in exc.problems
        ]
    )


async def plan_schemes(
    session: AsyncSession,
    cycle: Cycle,
    plans: Iterable[tuple[int, int, str]],
    *,
    scoring: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[int, ScoringScheme]:
    """The scoring scheme of each plan, by plan id, from ``(plan id, employee's org
    unit id, scoring_ref)``: the plan's scoring template (the ref it was last set
    under) with the parameters of the install that applies to the unit (as
    :func:`rules_for_employees`). Compiled once per template body and parameters
    (``_scheme``'s cache), not per request; a fixed number of statements (the
    cycle's install, the unit installs, the templates), whatever the plans.

    A what-if passes ``scoring`` (a template document used for every plan instead of
    its own) or ``overrides`` (merged into each install's parameters, objects deeply);
    then a scheme that cannot be built is TEMPLATE_INVALID naming each problem's JSON
    pointer under ``scoring`` or ``parameters``."""
    wanted = list(plans)
    if not wanted:
        return {}
    base = await session.get(InstalledApp, cycle.installed_app_id)
    by_unit = (
        await installs_for_units(session, base, {unit for _, unit, _ in wanted})
        if base is not None
        else {}
    )
    refs = {r for _, _, r in wanted}
    bodies = (
        dict.fromkeys(refs, scoring)
        if scoring is not None
        else await template_bodies(session, cycle.tenant_id, refs, "scoring")
    )
    texts: dict[str, bytes] = {}
    params: dict[int | None, bytes] = {}
    out: dict[int, ScoringScheme] = {}
    for plan_id, unit, ref in wanted:
        if ref not in bodies:
            raise invalid(f"the plan's scoring template {ref} is not available", ("cycle",))
        install = by_unit.get(unit)
        key = install.id if install is not None else None
        if key not in params:
            installed = dict(install.parameters or {}) if install else {}
            params[key] = canonical_json(_merged(installed, overrides or {}))
        if ref not in texts:
            texts[ref] = canonical_json(bodies[ref])
        try:
            out[plan_id] = _scheme(texts[ref], params[key])
        except SchemeError as exc:
            if scoring is not None or overrides:
                where = "scoring" if scoring is not None else "parameters"
                raise _what_if_problems(exc, where) from exc
            raise invalid(f"the app's parameters do not fit {ref}: {exc}", ("cycle",)) from exc
    return out


async def rules_for_units(
    session: AsyncSession, cycle: Cycle, unit_ids: Iterable[int]
) -> dict[int, PlanRules]:
    """The plan rules per org unit id: the cycle's app, with the parameters of the install
    for the unit or its nearest ancestor (department-specific weights, thresholds or
    bands), else of the tenant-wide install (the one the cycle was opened from when it is
    tenant-wide)."""
    units = set(unit_ids)
    base = await session.get(InstalledApp, cycle.installed_app_id)
    if base is None:
        rules = await _rules_of(session, cycle.tenant_id, None, None)
        return dict.fromkeys(units, rules)
    by_unit = await installs_for_units(session, base, units)
    built: dict[int, PlanRules] = {}
    out: dict[int, PlanRules] = {}
    for unit in sorted(units):
        install = by_unit[unit]
        if install.id not in built:
            built[install.id] = await _rules_of(
                session, cycle.tenant_id, install, install.org_unit_id
            )
        out[unit] = built[install.id]
    return out


async def rules_for_employees(
    session: AsyncSession, cycle: Cycle, employees: Iterable[Employee]
) -> dict[int, PlanRules]:
    """The plan rules per employee id: those of the employee's org unit
    (:func:`rules_for_units`)."""
    people = list(employees)
    by_unit = await rules_for_units(session, cycle, {e.org_unit_id for e in people})
    return {e.id: by_unit[e.org_unit_id] for e in people}


__all__ = [
    "DEFAULT_SCORING",
    "PlanRules",
    "employee_in_scope",
    "get_cycle",
    "in_cycle_period",
    "indicators_of",
    "invalid",
    "not_found",
    "plan_schemes",
    "position_name",
    "rules_for_employees",
    "rules_for_units",
    "scorecard_in_scope",
    "template_bodies",
]
