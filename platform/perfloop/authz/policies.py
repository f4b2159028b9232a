"""Default roles and the policy every new tenant starts with.

A permission is ``"resource.action"`` (``template.publish``); each grant says at
which :class:`Scope` a role holds it. Scopes nest: a grant at ``tenant`` also
covers ``subtree``, ``team`` and ``self``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    EXECUTIVE = "executive"
    HEAD = "head"  # department head: the org unit subtree they run
    MANAGER = "manager"  # people manager: direct and indirect reports
    EMPLOYEE = "employee"


class Scope(StrEnum):
    """How far a grant reaches, widest first."""

    TENANT = "tenant"
    SUBTREE = "subtree"  # the user's org unit and everything below it
    TEAM = "team"  # the user's direct and indirect reports
    SELF = "self"

    @property
    def rank(self) -> int:
        return list(Scope).index(self)

    def covers(self, other: Scope) -> bool:
        return self.rank <= other.rank


class Permission(StrEnum):
    """Every operation perfloop authorizes, as ``resource.action``."""

    ME_READ = "me.read"
    TEMPLATE_READ = "template.read"
    TEMPLATE_VALIDATE = "template.validate"
    TEMPLATE_PUBLISH = "template.publish"
    FORMULA_EVALUATE = "formula.evaluate"
    ORG_READ = "org.read"
    ORG_MANAGE = "org.manage"
    AUDIT_READ = "audit.read"
    USER_MANAGE = "user.manage"
    APP_READ = "app.read"
    APP_INSTALL = "app.install"
    CYCLE_READ = "cycle.read"
    CYCLE_MANAGE = "cycle.manage"
    CYCLE_OVERRIDE = "cycle.override"
    DATASET_READ = "dataset.read"
    DATASET_INGEST = "dataset.ingest"
    GOAL_READ = "goal.read"
    GOAL_MANAGE = "goal.manage"
    GOAL_PROPOSE = "goal.propose"
    SCORECARD_READ = "scorecard.read"
    SCORECARD_MANAGE = "scorecard.manage"
    SCORECARD_SIGN = "scorecard.sign"
    CHECKIN_WRITE = "checkin.write"
    ACTUAL_ENTER = "actual.enter"
    REPORT_READ = "report.read"
    REVIEW_READ = "review.read"
    REVIEW_WRITE = "review.write"
    REVIEW_PROPOSE = "review.propose"
    REVIEW_ASSIGN = "review.assign"
    REVIEW_MANAGE = "review.manage"
    RESULT_READ = "result.read"
    RESULT_MANAGE = "result.manage"
    RESULT_CALIBRATE = "result.calibrate"
    APPEAL_FILE = "appeal.file"
    APPEAL_READ = "appeal.read"
    APPEAL_DECIDE = "appeal.decide"
    FEEDBACK_WRITE = "feedback.write"
    FEEDBACK_READ = "feedback.read"
    AWARD_READ = "award.read"
    AWARD_MANAGE = "award.manage"
    PAYOUT_READ = "payout.read"
    PAYOUT_MANAGE = "payout.manage"
    IMPROVEMENT_READ = "improvement.read"
    IMPROVEMENT_WRITE = "improvement.write"
    IMPROVEMENT_CHECKIN = "improvement.checkin"
    IMPROVEMENT_MANAGE = "improvement.manage"
    CANDIDATE_READ = "candidate.read"
    CANDIDATE_MANAGE = "candidate.manage"

    @property
    def resource(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.value.split(".", 1)[1]


_EVERYONE = tuple(Role)

# (role, resource, action, scope); "*" is a wildcard for resource or action.
DEFAULT_GRANTS: tuple[tuple[Role, str, str, Scope], ...] = (
    (Role.ADMIN, "*", "*", Scope.TENANT),
    *((role, "me", "read", Scope.SELF) for role in _EVERYONE),
    *((role, "template", "read", Scope.TENANT) for role in _EVERYONE),
    *((role, "formula", "evaluate", Scope.TENANT) for role in _EVERYONE),
    (Role.HR, "template", "validate", Scope.TENANT),
    (Role.HR, "template", "publish", Scope.TENANT),
    (Role.MANAGER, "template", "validate", Scope.TENANT),
    (Role.HR, "org", "read", Scope.TENANT),
    (Role.EXECUTIVE, "org", "read", Scope.TENANT),
    (Role.MANAGER, "org", "read", Scope.TEAM),
    (Role.EMPLOYEE, "org", "read", Scope.SELF),
    (Role.HEAD, "org", "read", Scope.SUBTREE),
    (Role.HR, "org", "manage", Scope.TENANT),
    (Role.HR, "audit", "read", Scope.TENANT),
    # user accounts: HR deactivates and reactivates them (offboarding)
    (Role.HR, "user", "manage", Scope.TENANT),
    # apps and cycles: HR runs them, everyone sees what is installed and open
    *((role, "app", "read", Scope.TENANT) for role in _EVERYONE),
    (Role.HR, "app", "install", Scope.TENANT),
    *((role, "cycle", "read", Scope.TENANT) for role in _EVERYONE),
    (Role.HR, "cycle", "manage", Scope.TENANT),
    (Role.HR, "cycle", "override", Scope.TENANT),
    # business records behind actuals
    (Role.HR, "dataset", "read", Scope.TENANT),
    (Role.EXECUTIVE, "dataset", "read", Scope.TENANT),
    (Role.HEAD, "dataset", "read", Scope.SUBTREE),
    (Role.MANAGER, "dataset", "read", Scope.TEAM),
    (Role.EMPLOYEE, "dataset", "read", Scope.SELF),
    (Role.HR, "dataset", "ingest", Scope.TENANT),
    # goals, scorecards, check-ins, actuals, reports: by scope
    *(
        (role, resource, "read", scope)
        for resource in ("goal", "scorecard", "report")
        for role, scope in (
            (Role.HR, Scope.TENANT),
            (Role.EXECUTIVE, Scope.TENANT),
            (Role.HEAD, Scope.SUBTREE),
            (Role.MANAGER, Scope.TEAM),
            (Role.EMPLOYEE, Scope.SELF),
        )
    ),
    *(
        (role, resource, "manage", scope)
        for resource in ("goal", "scorecard")
        for role, scope in (
            (Role.HR, Scope.TENANT),
            (Role.HEAD, Scope.SUBTREE),
            (Role.MANAGER, Scope.TEAM),
        )
    ),
    (Role.HEAD, "goal", "propose", Scope.SUBTREE),
    (Role.MANAGER, "goal", "propose", Scope.TEAM),
    (Role.EMPLOYEE, "goal", "propose", Scope.SELF),
    (Role.EMPLOYEE, "scorecard", "sign", Scope.SELF),
    (Role.MANAGER, "scorecard", "sign", Scope.TEAM),
    (Role.HEAD, "scorecard", "sign", Scope.SUBTREE),
    (Role.EMPLOYEE, "checkin", "write", Scope.SELF),
    (Role.MANAGER, "checkin", "write", Scope.TEAM),
    (Role.EMPLOYEE, "actual", "enter", Scope.SELF),
    (Role.MANAGER, "actual", "enter", Scope.TEAM),
    (Role.HR, "actual", "enter", Scope.TENANT),
    # reviews: everyone fills in the forms they are the rater of; employees propose their
    # peers, managers choose and approve them and invite external raters; HR creates the
    # assignments, follows who has not answered and reopens a submitted form
    *((role, "review", "write", Scope.SELF) for role in _EVERYONE),
    (Role.EMPLOYEE, "review", "propose", Scope.SELF),
    (Role.HR, "review", "read", Scope.TENANT),
    (Role.EXECUTIVE, "review", "read", Scope.TENANT),
    (Role.HEAD, "review", "read", Scope.SUBTREE),
    (Role.MANAGER, "review", "read", Scope.TEAM),
    (Role.EMPLOYEE, "review", "read", Scope.SELF),
    (Role.HR, "review", "assign", Scope.TENANT),
    (Role.HEAD, "review", "assign", Scope.SUBTREE),
    (Role.MANAGER, "review", "assign", Scope.TEAM),
    (Role.HR, "review", "manage", Scope.TENANT),
    # results: HR runs the scoring and publishes; a published result is read by the
    # person, their managers and heads, HR and executives (drafts by HR only)
    (Role.HR, "result", "read", Scope.TENANT),
    (Role.EXECUTIVE, "result", "read", Scope.TENANT),
    (Role.HEAD, "result", "read", Scope.SUBTREE),
    (Role.MANAGER, "result", "read", Scope.TEAM),
    (Role.EMPLOYEE, "result", "read", Scope.SELF),
    (Role.HR, "result", "manage", Scope.TENANT),
    # calibration: HR compares units' rating distributions and moves ratings
    (Role.HR, "result", "calibrate", Scope.TENANT),
    # appeals: everyone with an employee record appeals their own published result; the
    # person, their managers, heads and HR read the appeal and its trail; HR decides any
    # appeal, anyone else only those assigned to them (``self``: the caller is the
    # reviewer the cycle template's rule chose — the manager's manager, whatever their role)
    *((role, "appeal", "file", Scope.SELF) for role in _EVERYONE if role is not Role.ADMIN),
    (Role.HR, "appeal", "read", Scope.TENANT),
    (Role.HEAD, "appeal", "read", Scope.SUBTREE),
    (Role.MANAGER, "appeal", "read", Scope.TEAM),
    (Role.EXECUTIVE, "appeal", "read", Scope.SELF),
    (Role.EMPLOYEE, "appeal", "read", Scope.SELF),
    (Role.HR, "appeal", "decide", Scope.TENANT),
    *(
        (role, "appeal", "decide", Scope.SELF)
        for role in (Role.EXECUTIVE, Role.HEAD, Role.MANAGER, Role.EMPLOYEE)
    ),
    # feedback meetings (one-to-ones) about a result: managers, heads and HR record them,
    # the person reads their own
    (Role.HR, "feedback", "write", Scope.TENANT),
    (Role.HEAD, "feedback", "write", Scope.SUBTREE),
    (Role.MANAGER, "feedback", "write", Scope.TEAM),
    (Role.HR, "feedback", "read", Scope.TENANT),
    (Role.HEAD, "feedback", "read", Scope.SUBTREE),
    (Role.MANAGER, "feedback", "read", Scope.TEAM),
    (Role.EMPLOYEE, "feedback", "read", Scope.SELF),
    # awards: HR previews and announces them; an announced award is public recognition,
    # read by everyone in the company
    *((role, "award", "read", Scope.TENANT) for role in _EVERYONE if role is not Role.ADMIN),
    (Role.HR, "award", "manage", Scope.TENANT),
    # payouts: HR sets base amounts and budgets, generates and approves the payout
    # lists; executives read the company's, heads their subtree's (amounts are pay:
    # managers and employees read none here)
    (Role.HR, "payout", "read", Scope.TENANT),
    (Role.EXECUTIVE, "payout", "read", Scope.TENANT),
    (Role.HEAD, "payout", "read", Scope.SUBTREE),
    (Role.HR, "payout", "manage", Scope.TENANT),
    # results applied: improvement plans are read by scope, written by the person's
    # managers and HR (the person adds check-ins); HR applies a cycle's results (opens
    # plans, closes carried ones by the rule, draws the candidate lists) and decides
    # the candidate lists, which executives read
    *(
        (role, "improvement", "read", scope)
        for role, scope in (
            (Role.HR, Scope.TENANT),
            (Role.EXECUTIVE, Scope.TENANT),
            (Role.HEAD, Scope.SUBTREE),
            (Role.MANAGER, Scope.TEAM),
            (Role.EMPLOYEE, Scope.SELF),
        )
    ),
    (Role.HR, "improvement", "write", Scope.TENANT),
    (Role.HEAD, "improvement", "write", Scope.SUBTREE),
    (Role.MANAGER, "improvement", "write", Scope.TEAM),
    (Role.HR, "improvement", "checkin", Scope.TENANT),
    (Role.HEAD, "improvement", "checkin", Scope.SUBTREE),
    (Role.MANAGER, "improvement", "checkin", Scope.TEAM),
    (Role.EMPLOYEE, "improvement", "checkin", Scope.SELF),
    (Role.HR, "improvement", "manage", Scope.TENANT),
    (Role.HR, "candidate", "read", Scope.TENANT),
    (Role.EXECUTIVE, "candidate", "read", Scope.TENANT),
    (Role.HR, "candidate", "manage", Scope.TENANT),
)


def default_policy_lines(tenant: str) -> list[list[str]]:
    """The ``p`` lines a new tenant gets, with the tenant as Casbin domain."""
    return [[role.value, tenant, res, act, scope.value] for role, res, act, scope in DEFAULT_GRANTS]
