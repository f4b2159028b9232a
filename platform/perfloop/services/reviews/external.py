"""External raters: customers and others outside the company, reached by a link.

Rules:

- ``invite_external`` (``review.assign`` reaching the subject: HR, the subject's
  manager or head) names the rater (name, e-mail) for a stage form filled in by
  ``customer`` and returns a link token: 32 random bytes, URL-safe. Only its
  SHA-256 is stored, with its expiry (``ttl_days``, 14 by default), so a
  database dump holds no usable link. Inviting the same e-mail again for the
  same subject and form issues a new token and the old one stops working.
- The token is the rater's only credential and reaches exactly one form:
  ``external_form(token)`` shows it (the form, whom it is about) and
  ``submit_external(token, answers)`` submits it, validated like any
  submission. A link is spent by its submission (single use) and dies at
  its expiry; an unknown, expired or spent token gets one answer, NOT_FOUND,
  so a guess learns nothing. A reopened external form needs a new invitation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from perfloop.authz import Permission
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.services.core.scopes import employees_in_scope
from perfloop.services.reviews.answers import apply_answers, form_of
from perfloop.services.reviews.assignments import KEY
from perfloop.services.reviews.common import (
    OPEN,
    get_cycle,
    invalid,
    not_found,
    review_forms,
    spec_for,
)
from perfloop.store.core import insert_or_ignore, lock_rows, utcnow
from perfloop.store.org import Employee
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

DEFAULT_TTL_DAYS = 14
MAX_TTL_DAYS = 90
_NO_LINK = "this review link is not valid: it is unknown, has expired or was used"


@dataclass(frozen=True)
class Invitation:
    assignment: ReviewAssignment
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class ExternalForm:
    assignment: ReviewAssignment
    subject_name: str
    form: Mapping[str, Any]
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


async def invite_external(
    session: AsyncSession,
    caller: Caller,
    cycle_id: int,
    stage: str,
    subject_id: int,
    name: str,
    email: str,
    ttl_days: int = DEFAULT_TTL_DAYS,
) -> Invitation:
    """Invite an external rater to review ``subject_id``; returns the link's token."""
    scope = caller.require(Permission.REVIEW_ASSIGN)
    cycle = await get_cycle(session, caller, cycle_id)
    subject = (
        await session.execute(
            select(Employee.id).where(
                Employee.id == subject_id,
                Employee.tenant_id == caller.tenant_id,
                employees_in_scope(caller, scope, Employee.id),
            )
        )
    ).scalar_one_or_none()
    if subject is None or subject_id == caller.employee_id:
        raise not_found("employee", ("subject",))
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise invalid("the rater needs a name", ("name",))
    if "@" not in email or len(email) > 200:
        raise invalid("the rater needs an e-mail address", ("email",))
    if not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise invalid(f"a link lives 1 to {MAX_TTL_DAYS} days", ("ttlDays",))
    specs, _ = await review_forms(session, cycle, stage)
    spec = spec_for(specs, "customer", "customers or other external raters")
    key = f"external:{email}"
    await insert_or_ignore(
        session,
        ReviewAssignment,
        [{
            "tenant_id": cycle.tenant_id, "cycle_id": cycle.id, "stage_key": spec.stage,
            "form_ref": spec.form, "relation": spec.relation, "required": spec.required,
            "subject_id": subject_id, "rater_id": None, "rater_key": key,
            "external_name": name, "external_email": email, "status": "pending",
            "revision": 1, "created_by_id": caller.user_id,
        }],
        KEY,
    )  # fmt: skip
    [row] = await lock_rows(
        session,
        ReviewAssignment,
        *(getattr(ReviewAssignment, c) == v for c, v in zip(KEY, (
            cycle.id, spec.stage, spec.form, spec.relation, subject_id, key
        ), strict=True)),
    )  # fmt: skip
    if row.status not in OPEN:
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"this rater's review is {row.status} already", ("email",),
            detail="review.submitted",
        )  # fmt: skip
    token = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=ttl_days)
    row.external_name = name
    row.token_hash = token_hash(token)
    row.token_expires_at = expires
    row.revision += 1
    audit.record(
        session, caller, "review.external.invite", "review", row.id,
        after={"subject": subject_id, "email": email, "expires_at": expires.isoformat()},
    )  # fmt: skip
    await session.commit()
    return Invitation(row, token, expires)


async def _by_token(session: AsyncSession, token: str, *, lock: bool) -> ReviewAssignment:
    if not token or len(token) > 200:
        raise ServiceError.one(ErrorCode.NOT_FOUND, _NO_LINK, ("token",))
    criteria = (ReviewAssignment.token_hash == token_hash(token),)
    if lock:
        rows = await lock_rows(session, ReviewAssignment, *criteria)
    else:
        rows = list((await session.execute(select(ReviewAssignment).where(*criteria))).scalars())
    row = rows[0] if rows else None
    if (
        row is None
        or row.status not in OPEN
        or row.token_expires_at is None
        or _aware(row.token_expires_at) <= utcnow()
    ):
        raise ServiceError.one(ErrorCode.NOT_FOUND, _NO_LINK, ("token",))
    return row


async def external_form(session: AsyncSession, token: str) -> ExternalForm:
    """The one form a link reaches, with whom it is about."""
    row = await _by_token(session, token, lock=False)
    subject = await session.get(Employee, row.subject_id)
    assert row.token_expires_at is not None  # checked by _by_token
    return ExternalForm(
        row, subject.name if subject else "", await form_of(session, row), row.token_expires_at
    )


async def submit_external(
    session: AsyncSession, token: str, answers: Mapping[str, Any]
) -> ReviewAssignment:
    """Submit the link's form (validated, rated); the link is spent."""
    row = await _by_token(session, token, lock=True)
    await apply_answers(session, row, answers, submit=True)
    row.token_expires_at = utcnow()  # spent: a reopened form needs a new invitation
    audit.record(
        session, None, "review.external.submit", "review", row.id,
        after={"status": row.status, "rater": row.external_email}, tenant_id=row.tenant_id,
    )  # fmt: skip
    await session.commit()
    return row
