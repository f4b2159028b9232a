"""App use-cases: install an `app` template into a tenant, list installs, upgrade explicitly.

An install pins the app's ``key@version`` and stores the installer's parameter
overrides together with the merged, validated parameter values. Everything is
checked before anything is written: the app template (structure, semantics,
referenced templates), the org unit, and the merged parameters against the
app's parameter schema and constraints. Problems come back as ``UserError``s
whose ``path`` starts with the argument (``parameters``) followed by the JSON
pointer's parts, so a client can point at the offending value.

An install with an org unit applies to that unit's subtree (department-specific
weights or bands); ``effective_install`` picks the nearest one up the tree,
then the tenant-wide one. A newer template version is never applied silently:
``upgrade_app`` moves one install to a version the caller names, re-checking
its overrides against the new parameter schema. Open cycles keep the cycle
template version they were opened with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.engine import check_scoring_template
from perfloop.services.core import audit
from perfloop.services.core.documents import DEFAULT_MAX_DOCUMENT_BYTES, check_document_size
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.scopes import readable
from perfloop.services.plugins import SourceFindings, check_plugin_sources
from perfloop.services.templates import referenced_templates
from perfloop.store.apps import InstalledApp
from perfloop.store.core import chunked, utcnow
from perfloop.store.org import OrgUnit
from perfloop.store.templates import TemplateRecord
from perfloop.templates import (
    TemplateError,
    TemplateWarning,
    merge_parameters,
    parse_ref,
    validate_document,
)
from perfloop.templates.errors import pointer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

__all__ = [
    "effective_install",
    "get_installed_app",
    "install_app",
    "install_warnings",
    "installs_for_units",
    "list_installed_apps",
    "load_template",
    "upgrade_app",
]


def _template_errors(
    errors: Iterable[TemplateError | tuple[str, str, str]], *at: str
) -> list[UserError]:
    """Problems (template errors or the scoring engine's ``(pointer, code, message)``)
    as UserErrors whose path is ``at`` followed by the pointer's parts."""
    triples = [(e.pointer, str(e.code), e.message) if isinstance(e, TemplateError) else e
               for e in errors]  # fmt: skip
    return [
        UserError(
            ErrorCode.INVALID if at and at[0] == "parameters" else ErrorCode.TEMPLATE_INVALID,
            f"{pointer or '/'}: {message}",
            (*at, *(p for p in pointer.split("/")[1:])),
            detail=code,
        )
        for pointer, code, message in triples
    ]


async def load_template(
    session: AsyncSession, tenant_id: int, kind: str, key: str, version: int | None
) -> TemplateRecord | None:
    """A template of ``kind`` visible to the tenant (its own or a built-in); the latest
    version when ``version`` is None."""
    query = select(TemplateRecord).where(
        (TemplateRecord.tenant_id.is_(None)) | (TemplateRecord.tenant_id == tenant_id),
        TemplateRecord.kind == kind,
        TemplateRecord.key == key,
    )
    if version is not None:
        query = query.where(TemplateRecord.version == version)
    # a tenant's own version wins over a built-in with the same key and version
    query = query.order_by(
        TemplateRecord.version.desc(), TemplateRecord.tenant_id.is_(None).asc()
    ).limit(1)
    return (await session.execute(query)).scalars().first()


async def _checked_app(
    session: AsyncSession, tenant_id: int, key: str, version: int | None, overrides: object
) -> tuple[TemplateRecord, dict[str, Any]]:
    """The app template and its merged parameters, or ServiceError listing every problem."""
    record = await load_template(session, tenant_id, "app", key, version)
    if record is None:
        what = key if version is None else f"{key}@{version}"
        raise ServiceError.one(ErrorCode.NOT_FOUND, f"no app template {what}", ("app",))
    if not isinstance(overrides, Mapping):
        raise ServiceError.one(
            ErrorCode.INVALID, "parameters must be a JSON object", ("parameters",)
        )
    known = await referenced_templates(session, tenant_id, record.body)
    problems = validate_document(record.body, resolver=lambda k, v: known.get((k, v)))
    if problems:  # e.g. a component template this tenant cannot see
        raise ServiceError(_template_errors(problems, "app"))
    unfit_sources = [
        UserError(
            ErrorCode.TEMPLATE_INVALID,
            f"{ref} {e.pointer}: {e.message}",
            ("app", "components", "kpiLibraries", str(index)),
            detail=str(e.code),
        )
        for index, ref, found in _plugin_sources(record.body, known)
        for e in found.errors
    ]
    if unfit_sources:  # a library published before its plugin was installed here
        raise ServiceError(unfit_sources)
    values, errors = merge_parameters(record.body, overrides)
    if errors:
        raise ServiceError(_template_errors(errors, "parameters"))
    scoring = _scoring_body(record.body, known)
    if scoring is not None:  # the scoring formulas read the values as params.<name>
        unfit = check_scoring_template(scoring, values)
        if unfit:
            raise ServiceError(_template_errors(unfit, "parameters"))
    return record, values


def _plugin_sources(
    app: Mapping[str, Any], known: Mapping[tuple[str, int], Mapping[str, Any]]
) -> list[tuple[int, str, SourceFindings]]:
    """The plugin sources of each KPI library the app bundles, checked against the
    plugins installed here (services/plugins): (index, key@version, findings)."""
    refs = (app.get("components") or {}).get("kpiLibraries") or []
    out = []
    for index, text in enumerate(refs):
        ref = parse_ref(str(text))
        body = known.get(ref) if ref is not None else None
        if body is not None:
            out.append((index, str(text), check_plugin_sources(body)))
    return out


async def install_warnings(
    session: AsyncSession, caller: Caller, row: InstalledApp
) -> list[TemplateWarning]:
    """What an install (or upgrade) of ``row`` accepted with a warning: the plugin
    sources of its libraries whose plugin is not installed here, at the library's
    place in the app (``/components/kpiLibraries/0``), the library and its pointer
    in the message."""
    caller.require(Permission.APP_INSTALL)
    record = await load_template(session, row.tenant_id, "app", row.app_key, row.app_version)
    if record is None:
        return []
    known = await referenced_templates(session, row.tenant_id, record.body)
    return [
        TemplateWarning(
            pointer("components", "kpiLibraries", index), w.code, f"{ref} {w.pointer}: {w.message}"
        )
        for index, ref, found in _plugin_sources(record.body, known)
        for w in found.warnings
    ]


def _scoring_body(
    app: Mapping[str, Any], known: Mapping[tuple[str, int], Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    ref = parse_ref(str((app.get("components") or {}).get("scoring") or ""))
    return known.get(ref) if ref is not None else None


async def _org_unit(session: AsyncSession, tenant_id: int, org_unit_id: int) -> OrgUnit:
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None or unit.tenant_id != tenant_id:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "no such org unit", ("orgUnit",))
    return unit


def _snapshot(row: InstalledApp) -> dict[str, Any]:
    return {
        "app": f"{row.app_key}@{row.app_version}",
        "org_unit_id": row.org_unit_id,
        "overrides": row.overrides,
        "status": row.status,
    }


async def install_app(
    session: AsyncSession,
    caller: Caller,
    app: str,
    parameters: object = None,
    org_unit_id: int | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> InstalledApp:
    """Install ``app`` (``key@version``, or ``key`` for the latest version) into the
    tenant; ``parameters`` over ``max_bytes`` of JSON are TOO_LARGE."""
    caller.require(Permission.APP_INSTALL)
    check_document_size(parameters, ("parameters",), max_bytes)
    ref = parse_ref(app)
    key, version = ref if ref is not None else (app, None)
    if ref is None and "@" in app:
        raise ServiceError.one(
            ErrorCode.INVALID, f"{app!r} is not key@version (e.g. standard-performance@1)", ("app",)
        )
    overrides = {} if parameters is None else parameters
    if org_unit_id is not None:
        await _org_unit(session, caller.tenant_id, org_unit_id)
    record, values = await _checked_app(session, caller.tenant_id, key, version, overrides)
    clash = (
        await session.execute(
            select(InstalledApp.id).where(
                InstalledApp.tenant_id == caller.tenant_id,
                InstalledApp.app_key == record.key,
                InstalledApp.status == "active",
                InstalledApp.org_unit_id.is_(None)
                if org_unit_id is None
                else InstalledApp.org_unit_id == org_unit_id,
            )
        )
    ).first()
    if clash is not None:
        where = "this org unit" if org_unit_id is not None else "the tenant"
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"{record.key} is installed for {where} already (id {clash[0]}); "
            "use upgradeApp to move it to another version",
            ("app",),
        )
    assert isinstance(overrides, Mapping)
    row = InstalledApp(
        tenant_id=caller.tenant_id,
        app_key=record.key,
        app_version=record.version,
        org_unit_id=org_unit_id,
        overrides=dict(overrides),
        parameters=values,
        status="active",
        installed_by_id=caller.user_id,
    )
    session.add(row)
    await session.flush()
    audit.record(session, caller, "app.install", "installed_app", row.id, after=_snapshot(row))
    await session.commit()
    return row


async def get_installed_app(
    session: AsyncSession, caller: Caller, installed_app_id: int
) -> InstalledApp | None:
    caller.require(Permission.APP_READ)
    query = select(InstalledApp).where(
        InstalledApp.id == installed_app_id, readable(caller, InstalledApp)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def list_installed_apps(
    session: AsyncSession, caller: Caller, *, status: str | None = None
) -> Sequence[InstalledApp]:
    caller.require(Permission.APP_READ)
    query = select(InstalledApp).where(readable(caller, InstalledApp))
    if status is not None:
        query = query.where(InstalledApp.status == status)
    query = query.order_by(InstalledApp.app_key, InstalledApp.org_unit_id, InstalledApp.id)
    return (await session.execute(query)).scalars().all()


async def upgrade_app(
    session: AsyncSession, caller: Caller, installed_app_id: int, to_version: int
) -> InstalledApp:
    """Move an install to ``to_version`` of its app, keeping (and re-checking) its overrides."""
    caller.require(Permission.APP_INSTALL)
    row = await session.get(InstalledApp, installed_app_id)
    if row is None or row.tenant_id != caller.tenant_id:
        raise ServiceError.one(ErrorCode.NOT_FOUND, "no such installed app", ("id",))
    if to_version <= row.app_version:
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{row.app_key} is at version {row.app_version}; name a newer version to upgrade to",
            ("toVersion",),
        )
    record, values = await _checked_app(
        session, caller.tenant_id, row.app_key, to_version, row.overrides
    )
    before = _snapshot(row)
    row.app_version = record.version
    row.parameters = values
    row.updated_at = utcnow()
    audit.record(
        session, caller, "app.upgrade", "installed_app", row.id, before=before, after=_snapshot(row)
    )
    await session.commit()
    return row


def _nearest(path: str, by_unit: Mapping[int | None, InstalledApp]) -> InstalledApp | None:
    """The install of the unit at the end of ``path`` (``/1/4/9/``) or of its nearest ancestor."""
    for part in reversed(path.strip("/").split("/")):
        if part.isdigit() and int(part) in by_unit:
            return by_unit[int(part)]
    return None


async def _unit_installs(
    session: AsyncSession, tenant_id: int, app_key: str
) -> dict[int | None, InstalledApp]:
    rows = await session.execute(
        select(InstalledApp)
        .where(
            InstalledApp.tenant_id == tenant_id,
            InstalledApp.app_key == app_key,
            InstalledApp.status == "active",
        )
        .order_by(InstalledApp.id)
    )
    return {r.org_unit_id: r for r in rows.scalars()}


async def effective_install(
    session: AsyncSession, tenant_id: int, app_key: str, org_unit_id: int | None
) -> InstalledApp | None:
    """The active install of ``app_key`` that applies to ``org_unit_id``: the one of the
    nearest unit up the tree, else the tenant-wide one."""
    by_unit = await _unit_installs(session, tenant_id, app_key)
    if org_unit_id is not None and len(by_unit) > 1:
        unit = await session.get(OrgUnit, org_unit_id)
        if unit is not None and unit.tenant_id == tenant_id:
            found = _nearest(unit.path, by_unit)
            if found is not None:
                return found
    return by_unit.get(None)


async def installs_for_units(
    session: AsyncSession, base: InstalledApp, unit_ids: Iterable[int]
) -> dict[int, InstalledApp]:
    """For each org unit, the install of ``base``'s app that applies there: an active
    install for the unit or its nearest ancestor, else ``base`` (the install a cycle
    was opened from) when it is tenant-wide, else the tenant-wide install (``base``
    if there is none). Two queries, whatever the number of units."""
    wanted = set(unit_ids)
    by_unit = await _unit_installs(session, base.tenant_id, base.app_key)
    wide = by_unit.pop(None, None)
    if base.org_unit_id is not None and wide is not None:
        base = wide
    if not by_unit or not wanted:
        return dict.fromkeys(wanted, base)
    found: dict[int, InstalledApp | None] = {}
    for chunk in chunked(sorted(wanted)):
        paths = await session.execute(
            select(OrgUnit.id, OrgUnit.path).where(
                OrgUnit.tenant_id == base.tenant_id, OrgUnit.id.in_(chunk)
            )
        )
        found.update((unit_id, _nearest(path, by_unit)) for unit_id, path in paths)
    return {u: found.get(u) or base for u in wanted}
