"""Answers: drafts, one submission, HR's reopening.

Rules:

- Only the rater fills in an assignment (``review.write``, for their own
  assignments); anyone else gets NOT_FOUND, as for a missing one.
- Answers are validated against the form template's ``answers`` JSON Schema
  (jsonschema, the validator built once per schema). Each problem is an
  INVALID error whose ``path`` is ``["answers", <field>, ...]`` and whose
  message starts with the JSON pointer of the field (``/overall_rating: 7 is not
  one of [1, 2, 3, 4, 5]``); the payload also carries them in the
  ``extraErrors`` shape of react-jsonschema-form (``{"overall_rating":
  {"__errors": ["…"]}}``), so a form renderer shows each next to its field.
- A draft may be incomplete: ``required`` is not checked, everything else is.
  A submission must be complete. Saving needs the revision the client read
  when it sends ``expected_revision`` (CONFLICT otherwise); every save raises it.
- A form is submitted once. Its rating is computed then, by the form
  template's ``score`` rule (``perfloop.engine.form_score``). A second
  submission is CONFLICT (``detail: review.submitted``).
- Only HR (``review.manage``) reopens a submitted form, with a reason (up to
  500 characters), audited: it becomes a draft with its answers, without its
  rating, until the rater submits again. Submit and reopen lock the row, so
  two of them on one form run one after the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from perfloop.authz import Permission
from perfloop.engine import form_score
from perfloop.services.core import audit
from perfloop.services.core.documents import DEFAULT_MAX_DOCUMENT_BYTES, check_document_size
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.plans import template_bodies
from perfloop.services.reviews.common import (
    OPEN,
    assignment_for_rater,
    assignment_in_scope,
    invalid,
)
from perfloop.store.core import lock_rows, utcnow
from perfloop.store.reviews import ReviewAssignment

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.services.core.caller import Caller

MAX_REASON = 500
_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")
_UNEXPECTED = re.compile(r"\('(?P<name>[^']+)' (?:was|were) unexpected\)")


class AnswersInvalid(ServiceError):
    """Answers that do not fit the form; ``extra_errors`` in react-jsonschema-form's shape."""

    def __init__(self, errors: list[UserError], extra_errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.extra_errors = extra_errors


@lru_cache(maxsize=128)
def _validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def answer_errors(
    form: Mapping[str, Any], answers: Mapping[str, Any], *, draft: bool
) -> AnswersInvalid | None:
    """What is wrong with ``answers`` for ``form`` (None: nothing); a draft may leave
    required fields out."""
    schema = form.get("answers") or {}
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors: list[UserError] = []
    extra: dict[str, Any] = {}
    for error in sorted(validator.iter_errors(dict(answers)), key=lambda e: list(e.absolute_path)):
        parts = [str(p) for p in error.absolute_path]
        message = error.message
        if error.validator == "required":
            if draft:
                continue
            match = _REQUIRED.match(message)
            if match:
                parts.append(match["name"])
                message = "is required"
        elif error.validator == "additionalProperties":
            match = _UNEXPECTED.search(message)
            if match:
                parts.append(match["name"])
                message = "is not a field of this form"
        pointer = "".join(f"/{_escape(p)}" for p in parts)
        errors.append(
            UserError(
                ErrorCode.INVALID, f"{pointer or '/'}: {message}", ("answers", *parts),
                detail=f"schema.{error.validator}",
            )
        )  # fmt: skip
        node = extra
        for part in parts:
            node = node.setdefault(part, {})
        node.setdefault("__errors", []).append(message)
    return AnswersInvalid(errors, extra) if errors else None


async def form_of(session: AsyncSession, row: ReviewAssignment) -> Mapping[str, Any]:
    forms = await template_bodies(session, row.tenant_id, [row.form_ref], "form")
    form = forms.get(row.form_ref)
    if form is None:
        raise invalid(
            f"the form template {row.form_ref} is not available",
            ("assignment",),
            zh=f"表单模板 {row.form_ref} 不可用",
        )
    return form


def check_revision(row: ReviewAssignment, expected: int | None) -> None:
    if expected is not None and expected != row.revision:
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            f"the review changed since you read it (revision {row.revision}, not {expected})",
            ("expectedRevision",),
            zh=f"评估在你读取后已被修改（当前版本 {row.revision}，"
            f"而不是 {expected}），请重新加载后重试",
        )


def check_open(row: ReviewAssignment) -> None:
    if row.status == "submitted":
        raise ServiceError.one(
            ErrorCode.CONFLICT, "this review was submitted already", ("assignment",),
            detail="review.submitted", zh="此评估已提交")  # fmt: skip
    if row.status not in OPEN:
        raise invalid(
            f"this review is {row.status}: it cannot be filled in",
            ("assignment",),
            zh=f"此评估的状态为 {row.status}，不能填写",
        )


async def apply_answers(
    session: AsyncSession, row: ReviewAssignment, answers: Mapping[str, Any], *, submit: bool
) -> None:
    """Validate and store ``answers`` on a locked, open ``row`` (and its rating on submit)."""
    check_document_size(answers, ("answers",), DEFAULT_MAX_DOCUMENT_BYTES)
    form = await form_of(session, row)
    problem = answer_errors(form, answers, draft=not submit)
    if problem is not None:
        raise problem
    row.answers = dict(answers)
    row.revision += 1
    if submit:
        row.status = "submitted"
        row.score = form_score(form, answers)
        row.submitted_at = utcnow()
    else:
        row.status = "draft"


async def save_answers(
    session: AsyncSession,
    caller: Caller,
    assignment_id: int,
    answers: Mapping[str, Any],
    *,
    submit: bool,
    expected_revision: int | None = None,
) -> ReviewAssignment:
    """Save the rater's draft, or submit it (validated in full, rated, final)."""
    found = await assignment_for_rater(session, caller, assignment_id)
    [row] = await lock_rows(session, ReviewAssignment, ReviewAssignment.id == found.id)
    check_open(row)
    check_revision(row, expected_revision)
    await apply_answers(session, row, answers, submit=submit)
    audit.record(
        session, caller, "review.submit" if submit else "review.draft", "review", row.id,
        after={"status": row.status, "revision": row.revision},
    )  # fmt: skip
    await session.commit()
    return row


async def reopen(
    session: AsyncSession, caller: Caller, assignment_id: int, reason: str
) -> ReviewAssignment:
    """HR reopens a submitted form with a reason: a draft again, without its rating."""
    found = await assignment_in_scope(session, caller, Permission.REVIEW_MANAGE, assignment_id)
    reason = (reason or "").strip()
    if not reason:
        raise invalid(
            "a reason is required to reopen a submitted review",
            ("reason",),
            zh="重新打开已提交的评估须填写原因",
        )
    if len(reason) > MAX_REASON:
        raise invalid(
            f"reason is longer than {MAX_REASON} characters",
            ("reason",),
            zh=f"原因不能超过 {MAX_REASON} 个字符",
        )
    [row] = await lock_rows(session, ReviewAssignment, ReviewAssignment.id == found.id)
    if row.status != "submitted":
        raise ServiceError.one(
            ErrorCode.CONFLICT, f"only a submitted review is reopened; this one is {row.status}",
            ("assignment",), detail="review.not-submitted",
            zh=f"只有已提交的评估才能重新打开；此评估的状态为 {row.status}",
        )  # fmt: skip
    before = {"status": row.status, "score": row.score, "revision": row.revision}
    row.status = "draft"
    row.score = None
    row.submitted_at = None
    row.revision += 1
    audit.record(
        session, caller, "review.reopen", "review", row.id,
        before=before, after={"status": row.status, "revision": row.revision}, note=reason,
    )  # fmt: skip
    await session.commit()
    return row
