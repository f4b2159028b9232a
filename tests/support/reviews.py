"""Helpers for review tests: a company with a team of peers, a quarter at its review stages,
and the review operations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import Role
from perfloop.services.identity import assign_roles
from perfloop.store.identity import UserAccount
from perfloop.store.org import Employee
from support import nodes
from support.company import Company

ASSIGNMENT = """
  id cycleId stage form relation required subjectId subjectName raterId raterName external
  status answers score revision submittedAt
"""
ERRORS = "errors { code message path detail }"
INSTALL = """
mutation { installApp(app: "standard-performance@1") { installedApp { id } errors { message } } }
"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { message }
  }
}"""
CREATE = f"""
mutation($cycle: ID!, $stage: String!) {{
  createReviewAssignments(cycle: $cycle, stage: $stage) {{ created total {ERRORS} }}
}}"""
ASSIGNMENTS = f"""
query($cycle: ID!, $stage: String, $subject: ID, $mine: Boolean, $unanswered: Boolean) {{
  reviewAssignments(cycle: $cycle, stage: $stage, subject: $subject, mine: $mine,
                    unanswered: $unanswered, first: 100) {{
    totalCount edges {{ node {{ {ASSIGNMENT} }} }}
  }}
}}"""
ONE = f"query($id: ID!) {{ reviewAssignment(id: $id) {{ {ASSIGNMENT} }} }}"
DRAFT = f"""
mutation($assignment: ID!, $answers: JSONObject!, $revision: Int) {{
  saveReviewDraft(assignment: $assignment, answers: $answers, expectedRevision: $revision) {{
    assignment {{ {ASSIGNMENT} }} formErrors {ERRORS}
  }}
}}"""
SUBMIT = f"""
mutation($assignment: ID!, $answers: JSONObject!, $revision: Int) {{
  submitReview(assignment: $assignment, answers: $answers, expectedRevision: $revision) {{
    assignment {{ {ASSIGNMENT} }} formErrors {ERRORS}
  }}
}}"""
REOPEN = f"""
mutation($assignment: ID!, $reason: String!) {{
  reopenReview(assignment: $assignment, reason: $reason) {{
    assignment {{ {ASSIGNMENT} }} {ERRORS}
  }}
}}"""
CHOOSE = f"""
mutation($cycle: ID!, $stage: String!, $subject: ID!, $peers: [ID!]!) {{
  choosePeers(cycle: $cycle, stage: $stage, subject: $subject, peers: $peers) {{
    assignments {{ {ASSIGNMENT} }} minimum {ERRORS}
  }}
}}"""
PROPOSE = f"""
mutation($cycle: ID!, $stage: String!, $peers: [ID!]!) {{
  proposePeers(cycle: $cycle, stage: $stage, peers: $peers) {{
    assignments {{ {ASSIGNMENT} }} minimum {ERRORS}
  }}
}}"""
DECIDE = f"""
mutation($assignment: ID!, $approve: Boolean!) {{
  decidePeerProposal(assignment: $assignment, approve: $approve) {{
    assignment {{ {ASSIGNMENT} }} {ERRORS}
  }}
}}"""
SUMMARY = """
query($cycle: ID!, $subject: ID!) {
  reviewSummary(cycle: $cycle, subject: $subject) {
    subjectId score hidden
    relations { relation weight score answered assigned minimum hidden averages }
  }
}"""
INVITE = f"""
mutation($cycle: ID!, $subject: ID!, $name: String!, $email: String!, $ttl: Int! = 14) {{
  inviteExternalReviewer(cycle: $cycle, stage: "review-360", subject: $subject, name: $name,
                         email: $email, ttlDays: $ttl) {{
    assignment {{ {ASSIGNMENT} }} token expiresAt {ERRORS}
  }}
}}"""
EXTERNAL_FORM = """
query($token: String!) {
  externalReviewForm(token: $token) { subjectName raterName form template answers expiresAt }
}"""
EXTERNAL_SUBMIT = f"""
mutation($token: String!, $answers: JSONObject!) {{
  submitExternalReview(token: $token, answers: $answers) {{ submitted formErrors {ERRORS} }}
}}"""

SELF_ANSWERS = {"overall_rating": 4, "achievements": "Shipped the CRM export."}
MANAGER_ANSWERS = {
    "overall_rating": 5,
    "competencies": {"ownership": 5, "collaboration": 4, "expertise": 5},
    "strengths": "Ownership",
    "improvements": "Delegation",
}
PEER_ANSWERS = {"overall_rating": 3, "collaboration": 4, "communication": 2}
#: team t1 gets three more people reporting to lead: emp's peers
PEERS = ("p1", "p2", "p3")


async def add_peers(sessions: async_sessionmaker[AsyncSession], company: Company) -> None:
    """Three more members of team t1 (reporting to lead), each with an account."""
    async with sessions() as session:
        tenant_id = (await session.get(Employee, company.people["emp"])).tenant_id  # type: ignore[union-attr]
        for i, handle in enumerate(PEERS):
            employee = Employee(
                tenant_id=tenant_id, org_unit_id=company.units["t1"],
                manager_id=company.people["lead"], employee_no=f"P{i:03d}",
                name=handle.upper(), email=company.email(handle), position="Staff",
                grade="P3", hire_date=dt.date(2021, 1, 1),
            )  # fmt: skip
            session.add(employee)
            await session.flush()
            company.people[handle] = employee.id
            user = UserAccount(tenant_id=tenant_id, employee_id=employee.id,
                               email=employee.email, display_name=employee.name)  # fmt: skip
            session.add(user)
            await session.flush()
            await assign_roles(session, tenant_id, user.id, [Role.EMPLOYEE])
        await session.commit()


async def open_quarter(company: Company, period: str = "2026-Q1") -> str:
    app = (await company.ok(INSTALL, as_user="hr"))["installApp"]["installedApp"]["id"]
    opened = await company.ok(OPEN, {"app": app, "period": period}, as_user="hr")
    return str(opened["openCycle"]["cycle"]["id"])


async def create(company: Company, cycle: str, stage: str, as_user: str = "hr") -> Any:
    data = await company.ok(CREATE, {"cycle": cycle, "stage": stage}, as_user=as_user)
    return data["createReviewAssignments"]


async def assignments(
    company: Company, cycle: str, as_user: str = "hr", **filters: Any
) -> list[Any]:
    data = await company.ok(ASSIGNMENTS, {"cycle": cycle, **filters}, as_user=as_user)
    return nodes(data["reviewAssignments"])


async def find(
    company: Company, cycle: str, relation: str, subject: str, rater: str | None = None
) -> dict[str, Any]:
    """The one assignment of ``relation`` about ``subject`` (by ``rater``), as HR reads it."""
    rows = [
        a
        for a in await assignments(company, cycle)
        if a["relation"] == relation
        and a["subjectId"] == str(company.people[subject])
        and (rater is None or a["raterId"] == str(company.people[rater]))
    ]
    assert len(rows) == 1, rows
    return rows[0]


async def submit(company: Company, assignment: str, answers: dict[str, Any], as_user: str) -> Any:
    data = await company.ok(SUBMIT, {"assignment": assignment, "answers": answers}, as_user=as_user)
    return data["submitReview"]
