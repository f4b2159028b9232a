"""What every part of the reviews domain shares: the stage's forms as the cycle
template lists them, form templates, the anonymity minimum, row lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.services.apps import load_template
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.plans import get_cycle, template_bodies
from perfloop.store.apps import InstalledApp
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle

#: Relations a review form is filled in by, relative to its subject.
RELATIONS = ("self", "manager", "peer", "subordinate", "customer")
#: Relations whose answers the subject sees only in aggregate.
ANONYMOUS = ("peer", "subordinate", "customer")
#: The anonymity minimum when neither the stage's form (``minResponses``) nor the
#: app (``min_peer_reviewers``) names one.
DEFAULT_MINIMUM = 3
#: Statuses of an assignment; the open ones still wait for answers.
STATUSES = ("proposed", "rejected", "pending", "draft", "submitted")
OPEN = ("pending", "draft")


@dataclass(frozen=True)
class FormSpec:
    """A form of a cycle stage, as the cycle template lists it."""

    stage: str
    form: str  # key@version
    relation: str
    required: bool
    min_responses: int | None


def not_found(what: str, path: tuple[str, ...] = (), *, zh: str | None = None) -> ServiceError:
    """A missing and a forbidden object answer alike."""
    return ServiceError.one(ErrorCode.NOT_FOUND, f"{what} not found", path, zh=zh)


def invalid(
    message: str, path: tuple[str, ...] = (), detail: str | None = None, *, zh: str | None = None
) -> ServiceError:
    return ServiceError.one(ErrorCode.INVALID, message, path, detail, zh=zh)


async def cycle_template(session: AsyncSession, cycle: Cycle) -> Mapping[str, Any]:
    record = await load_template(
        session, cycle.tenant_id, "cycle", cycle.template_key, cycle.template_version
    )
    return record.body if record is not None else {}


def forms_of(template: Mapping[str, Any], stage: str | None = None) -> list[FormSpec]:
    """The review forms of a cycle template's stages (of ``stage`` only, when given)."""
    found = []
    for spec in template.get("stages") or []:
        if stage is not None and spec.get("key") != stage:
            continue
        for form in spec.get("forms") or []:
            relation = form.get("filledBy")
            if relation not in RELATIONS or form.get("cadence", "once") != "once":
                continue
            found.append(
                FormSpec(
                    stage=str(spec["key"]),
                    form=str(form["form"]),
                    relation=str(relation),
                    required=bool(form.get("required", True)),
                    min_responses=form.get("minResponses"),
                )
            )
    return found


async def review_forms(
    session: AsyncSession, cycle: Cycle, stage: str
) -> tuple[list[FormSpec], dict[str, Mapping[str, Any]]]:
    """The review forms of ``stage`` of the cycle (INVALID naming ``stage`` when it has
    none) and the form templates they use, by ref."""
    template = await cycle_template(session, cycle)
    stages = [s.get("key") for s in template.get("stages") or []]
    if stage not in stages:
        raise invalid(
            f"the cycle has no stage {stage!r}; it has {', '.join(stages)}",
            ("stage",),
            zh=f"周期中没有阶段 {stage!r}；现有阶段：{', '.join(stages)}",
        )
    specs = forms_of(template, stage)
    forms = await template_bodies(session, cycle.tenant_id, [s.form for s in specs], "form")
    specs = [s for s in specs if (forms.get(s.form) or {}).get("purpose") in ("review", "feedback")]
    if not specs:
        raise invalid(
            f"stage {stage!r} has no review forms", ("stage",), zh=f"阶段 {stage!r} 没有评估表单"
        )
    return specs, forms


def spec_for(specs: Sequence[FormSpec], relation: str, what: str) -> FormSpec:
    for spec in specs:
        if spec.relation == relation:
            return spec
    raise invalid(f"the stage has no form filled in by {what}", ("stage",))


async def app_parameters(session: AsyncSession, cycle: Cycle) -> Mapping[str, Any]:
    install = await session.get(InstalledApp, cycle.installed_app_id)
    return dict(install.parameters or {}) if install is not None else {}


def minimum(spec: FormSpec | None, parameters: Mapping[str, Any]) -> int:
    """How many raters of a relation must answer before its subject sees the aggregate
    (and how many peers the stage asks for): the stage form's ``minResponses``, else the
    app's ``min_peer_reviewers``, else DEFAULT_MINIMUM."""
    if spec is not None and isinstance(spec.min_responses, int):
        return spec.min_responses
    value = parameters.get("min_peer_reviewers")
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_MINIMUM


async def assignment_for_rater(
    session: AsyncSession, caller: Caller, assignment_id: int
) -> ReviewAssignment:
    """The caller's own assignment (they are its rater), or NOT_FOUND."""
    caller.require(Permission.REVIEW_WRITE)
    row = (
        await session.execute(
            select(ReviewAssignment).where(
                ReviewAssignment.id == assignment_id,
                ReviewAssignment.tenant_id == caller.tenant_id,
                ReviewAssignment.rater_id == (caller.employee_id or 0),
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise not_found("review", ("assignment",), zh="未找到该评估，或无权查看")
    return row


async def assignment_in_scope(
    session: AsyncSession, caller: Caller, permission: Permission, assignment_id: int
) -> ReviewAssignment:
    """An assignment whose subject is in the caller's scope for ``permission``."""
    scope = caller.require(permission)
    row = (
        await session.execute(
            select(ReviewAssignment).where(
                ReviewAssignment.id == assignment_id,
                ReviewAssignment.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, ReviewAssignment.subject_id),
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise not_found("review", ("assignment",), zh="未找到该评估，或无权查看")
    return row


__all__ = [
    "ANONYMOUS",
    "DEFAULT_MINIMUM",
    "OPEN",
    "RELATIONS",
    "STATUSES",
    "FormSpec",
    "app_parameters",
    "assignment_for_rater",
    "assignment_in_scope",
    "cycle_template",
    "forms_of",
    "get_cycle",
    "invalid",
    "minimum",
    "not_found",
    "review_forms",
    "spec_for",
]
