"""Template use-cases: list, read, validate and publish, per tenant.

Built-in templates live in the database with ``tenant_id`` NULL and are
visible to every tenant; a tenant's own templates are visible only to it.
Published versions are immutable: publishing a key again creates the next
version (or returns the latest one unchanged when the content is identical).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.documents import DEFAULT_MAX_DOCUMENT_BYTES, check_document_size
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.core.pagination import Page, keyset_page
from perfloop.services.plugins import check_plugin_sources
from perfloop.store.templates import TemplateRecord
from perfloop.templates import (
    KINDS,
    TemplateError,
    TemplateWarning,
    checksum,
    document_warnings,
    load_builtin_templates,
    parse_ref,
    validate_document,
)
from perfloop.templates.errors import sort_errors
from perfloop.templates.registry import report_plugin_template_failure, template_plugin

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.elements import ColumnElement

    from perfloop.services.core.caller import Caller


log = logging.getLogger(__name__)


def _visible_to(tenant_id: int) -> ColumnElement[bool]:
    return or_(TemplateRecord.tenant_id.is_(None), TemplateRecord.tenant_id == tenant_id)


def _iter_refs(value: Any) -> Iterator[tuple[str, int]]:
    """Every ``key@version`` string anywhere in a document."""
    if isinstance(value, str):
        ref = parse_ref(value)
        if ref is not None:
            yield ref
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _iter_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _iter_refs(item)


async def referenced_templates(
    session: AsyncSession, tenant_id: int, document: Any
) -> dict[tuple[str, int], Mapping[str, Any]]:
    """The bodies of the templates `document` references (key@version), as the
    tenant sees them: its own and the built-ins."""
    refs = set(_iter_refs(document))
    if not refs:
        return {}
    rows = await session.execute(
        select(TemplateRecord.key, TemplateRecord.version, TemplateRecord.body).where(
            _visible_to(tenant_id),
            or_(*(and_(TemplateRecord.key == k, TemplateRecord.version == v) for k, v in refs)),
        )
    )
    return {(k, v): body for k, v, body in rows}


def _as_user_errors(errors: list[TemplateError]) -> list[UserError]:
    return [
        UserError(
            ErrorCode.TEMPLATE_INVALID,
            f"{e.pointer or '/'}: {e.message}",
            tuple(p for p in e.pointer.split("/")[1:]),
            detail=str(e.code),
        )
        for e in errors
    ]


#: Rows without their body; reading ``body`` raises instead of loading it lazily.
_NO_BODY = defer(TemplateRecord.body, raiseload=True)


async def template_bodies(
    session: AsyncSession, tenant_id: int, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """The bodies of the templates ``ids`` that ``tenant_id`` sees, by id."""
    rows = await session.execute(
        select(TemplateRecord.id, TemplateRecord.body).where(
            TemplateRecord.id.in_(ids), _visible_to(tenant_id)
        )
    )
    return {row.id: row.body for row in rows}


async def list_templates(
    session: AsyncSession,
    caller: Caller,
    *,
    kind: str | None,
    first: int | None,
    after: str | None,
    page_cap: int,
) -> Page[TemplateRecord]:
    caller.require(Permission.TEMPLATE_READ)
    if kind is not None and kind not in KINDS:
        raise ServiceError.one(
            ErrorCode.INVALID, f"unknown kind {kind!r}; one of {', '.join(KINDS)}", ("kind",)
        )
    where = [_visible_to(caller.tenant_id)]
    if kind is not None:
        where.append(TemplateRecord.kind == kind)
    return await keyset_page(
        session,
        # A body (up to 1 MB) is read only when a client asks for the document.
        select(TemplateRecord).options(_NO_BODY).where(*where),
        (TemplateRecord.key, TemplateRecord.version),
        first=first,
        after=after,
        cap=page_cap,
        what="template",
    )


async def get_template(
    session: AsyncSession,
    caller: Caller,
    key: str,
    version: int | None,
    *,
    with_body: bool = True,
) -> TemplateRecord | None:
    """One visible template version (the latest when ``version`` is None), else
    None; without its body (reading it raises) unless ``with_body``."""
    caller.require(Permission.TEMPLATE_READ)
    query = select(TemplateRecord).where(_visible_to(caller.tenant_id), TemplateRecord.key == key)
    if not with_body:
        query = query.options(_NO_BODY)
    if version is not None:
        query = query.where(TemplateRecord.version == version)
    query = query.order_by(TemplateRecord.version.desc()).limit(1)
    return (await session.execute(query)).scalars().first()


async def _validate(session: AsyncSession, caller: Caller, document: Any) -> list[TemplateError]:
    """The document's errors, its plugin sources' parameters included."""
    known = await referenced_templates(session, caller.tenant_id, document)
    errors = validate_document(document, resolver=lambda key, version: known.get((key, version)))
    plugin = check_plugin_sources(document).errors
    return sort_errors([*errors, *plugin]) if plugin else errors


async def validate_template(
    session: AsyncSession,
    caller: Caller,
    document: Any,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> list[TemplateError]:
    """Template errors of ``document``; TOO_LARGE past the size a template may have."""
    caller.require(Permission.TEMPLATE_VALIDATE)
    check_document_size(document, ("document",), max_bytes)
    return await _validate(session, caller, document)


def template_warnings(document: Any) -> list[TemplateWarning]:
    """What a valid template's formulas mean differently from Excel, and the plugin
    sources whose plugin is not installed here (docs/templates.md); they do not stop
    validation or publishing."""
    if not isinstance(document, Mapping):
        return []
    return [*document_warnings(document), *check_plugin_sources(document).warnings]


@dataclass(frozen=True)
class PublishResult:
    template: TemplateRecord
    created: bool


async def publish_template(
    session: AsyncSession,
    caller: Caller,
    document: Any,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> PublishResult:
    """Publish ``document`` as the next version of its key in the caller's tenant;
    a document over ``max_bytes`` of JSON is TOO_LARGE, before anything is read."""
    caller.require(Permission.TEMPLATE_PUBLISH)
    check_document_size(document, ("document",), max_bytes)
    if not isinstance(document, Mapping) or not isinstance(document.get("key"), str):
        errors = await _validate(session, caller, document)
        raise ServiceError(
            _as_user_errors(errors)
            or [UserError(ErrorCode.INVALID, "a template is a JSON object with a key")]
        )
    key = document["key"]
    latest = await get_template(session, caller, key, None)
    body = copy.deepcopy(dict(document))
    body["version"] = 1 if latest is None else latest.version + 1
    if latest is not None:
        if latest.kind != body.get("kind"):
            raise ServiceError.one(
                ErrorCode.CONFLICT,
                f"{key} is a {latest.kind} template; a new version cannot change its kind",
                ("kind",),
            )
        same = dict(latest.body) | {"version": body["version"]}
        if checksum(same) == checksum(body):
            return PublishResult(latest, created=False)
    errors = await _validate(session, caller, body)
    if errors:
        raise ServiceError(_as_user_errors(errors))
    record = TemplateRecord(
        tenant_id=caller.tenant_id,
        kind=body["kind"],
        key=key,
        version=body["version"],
        status="published",
        title=body["title"],
        body=body,
        checksum=checksum(body),
        created_by_id=caller.user_id,
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"{key} was published by someone else just now; try again"
        ) from None
    audit.record(
        session,
        caller,
        "template.publish",
        "template",
        f"{key}@{record.version}",
        before=None if latest is None else {"version": latest.version, "checksum": latest.checksum},
        after={"version": record.version, "checksum": record.checksum, "kind": record.kind},
    )
    await session.commit()
    return PublishResult(record, created=True)


async def sync_builtin_templates(session: AsyncSession) -> int:
    """Store every built-in template version that the database lacks.

    A stored built-in whose content differs from the shipped file is an error:
    published versions are immutable, so a changed built-in needs a new version. For
    perfloop's own it raises RuntimeError; one a metric plugin ships is left out (the
    stored version stays), logged and reported with the plugin's template failures
    (``plugin_template_failures``, the ``metricPlugins`` query), so a plugin released
    without a new template version does not stop perfloop from starting.
    Returns how many versions were added.
    """
    registry = load_builtin_templates()
    stored = {
        (k, v): c
        for k, v, c in await session.execute(
            select(TemplateRecord.key, TemplateRecord.version, TemplateRecord.checksum).where(
                TemplateRecord.tenant_id.is_(None)
            )
        )
    }
    added = 0
    for template in registry:
        known = stored.get((template.key, template.version))
        if known is None:
            session.add(
                TemplateRecord(
                    tenant_id=None,
                    kind=template.kind,
                    key=template.key,
                    version=template.version,
                    status="published",
                    title=dict(template.title),
                    body=dict(template.document),
                    checksum=template.checksum,
                )
            )
            added += 1
        elif known != template.checksum:
            message = (
                f"built-in template {template.ref} changed after it was published; "
                "give the changed file a new version instead"
            )
            plugin = template_plugin(template.ref)
            if plugin is None:
                raise RuntimeError(message)
            # a plugin's mistake does not stop perfloop: the stored version stays
            log.error("metric plugin %s: %s (left out)", plugin, message)
            report_plugin_template_failure(plugin, message)
    if added:
        audit.record(
            session, None, "template.sync-builtins", "template", "*", after={"added": added}
        )
    await session.commit()
    return added
