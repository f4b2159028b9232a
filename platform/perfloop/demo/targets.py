"""What the demo company plans for a quarter, as plain data (no database).

Each department has a *playbook*: the KPI library its plans come from, the
items with their weights and a staff member's quarterly target. Quantities
(revenue, tickets, projects) differ by role and seniority — a newcomer's
target is half a colleague's, a team lead's is lower because they also lead —
while levels (rates, averages, response times) are the same for everyone.
How well each person is doing is a fixed *performance factor*, so the quarter
has people ahead of plan and people behind it, the same ones every time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

#: Hired less than this many days before the quarter started: a newcomer.
NEWCOMER_DAYS: Final = 183
#: Target multipliers for quantities, by role and seniority.
ROLE_SHARE: Final = {"head": 0.4, "lead": 0.7, "staff": 1.0}
NEWCOMER_SHARE: Final = 0.5
SENIOR_SHARE: Final = 1.2  # grade P6
#: How well people do against plan, by employee number (cycled): 1.0 is on plan.
FACTORS: Final = (1.12, 0.93, 1.26, 0.74, 1.04, 0.86, 1.18, 0.66, 1.0, 1.33, 0.8, 1.08, 0.97)


@dataclass(frozen=True)
class Person:
    """An employee of the demo company, as the quarter's plans see them."""

    id: int
    no: str  # E0001
    name: str
    email: str
    dept: str  # department code; "" for the CEO
    team: str | None  # team code; None for the CEO and department heads
    role: str  # ceo, head, lead or staff
    position: str
    grade: str
    hired: dt.date
    manager_id: int | None
    #: how they do, by employee number (cycled): the current quarter's, unless replaced
    factors: tuple[float, ...] = FACTORS

    def newcomer(self, quarter_start: dt.date) -> bool:
        return (quarter_start - self.hired).days < NEWCOMER_DAYS

    @property
    def factor(self) -> float:
        return self.factors[int(self.no.lstrip("E")) % len(self.factors)]


@dataclass(frozen=True)
class Item:
    """A plan item: a KPI-library indicator with a weight and a staff target."""

    indicator: str
    weight: float
    target: float
    scales: bool = False  # a quantity: the target follows role and seniority
    step: float = 1  # targets are rounded to this
    library: str | None = None  # another KPI library than the playbook's


@dataclass(frozen=True)
class Task:
    indicator: str
    title: str  # the Chinese title
    title_en: str
    due_days: int  # after the quarter starts

    @property
    def titles(self) -> dict[str, str]:
        return {"zh-CN": self.title, "en": self.title_en}


@dataclass(frozen=True)
class Playbook:
    library: str
    items: tuple[Item, ...]
    positions: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    goal: str | None = None  # the quantity the department's goals add up
    task: Task | None = None  # the action-plan task every plan gets


PLAYBOOKS: Final[Mapping[str, Playbook]] = {
    "sales": Playbook(
        "sales-kpis@1",
        (
            Item("revenue", 35, 1_200_000, scales=True, step=10_000),
            Item("new_customers", 20, 6, scales=True),
            Item("renewal_revenue", 15, 300_000, scales=True, step=10_000),
            Item("average_deal_size", 10, 60_000),
            Item("renewal_rate", 20, 85),
        ),
        positions={
            "Key Account Manager": {
                "revenue": 2_000_000,
                "new_customers": 3,
                "renewal_revenue": 600_000,
                "average_deal_size": 150_000,
            }
        },
        goal="revenue",
        task=Task(
            "revenue", "季度客户盘点与拜访计划", "Quarterly account review and visit plan", 14
        ),
    ),
    "rnd": Playbook(
        "rd-kpis@1",
        (
            Item("projects_delivered", 35, 6, scales=True),
            Item("on_time_delivery_rate", 30, 90),
            Item("problems_solved", 25, 3, scales=True),
            Item("tech_talks", 10, 1),
        ),
        positions={"QA Engineer": {"projects_delivered": 6, "problems_solved": 5}},
        goal="projects_delivered",
        task=Task("projects_delivered", "季度迭代排期", "Plan the quarter's iterations", 7),
    ),
    "cs": Playbook(
        "service-kpis@1",
        (
            Item("tickets_resolved", 25, 480, scales=True, step=10),
            Item("csat_stars", 25, 4.6),
            Item("first_response_minutes", 20, 15),
            Item("resolution_hours", 15, 8),
            Item("complaint_rate", 10, 1),
            Item("knowledge_articles", 5, 3),
        ),
        positions={"Customer Success Manager": {"tickets_resolved": 120, "resolution_hours": 24}},
        goal="tickets_resolved",
        task=Task("knowledge_articles", "更新常见问题知识库", "Refresh the FAQ articles", 30),
    ),
    "hr": Playbook(
        "hr-kpis@1",
        (
            Item("time_to_hire_days", 25, 30),
            Item("offer_acceptance_rate", 20, 85),
            Item("training_completion_rate", 25, 90),
            Item("training_hours_per_employee", 15, 12),
            Item("reviews_on_time_rate", 15, 95),
        ),
        task=Task(
            "training_completion_rate", "发布季度培训日历", "Publish the training calendar", 10
        ),
    ),
    "admin": Playbook(
        "admin-kpis@1",
        (
            Item("document_turnaround_hours", 30, 24),
            Item("internal_satisfaction", 25, 4.5),
            Item("asset_accuracy_rate", 20, 98),
            Item("office_cost", 15, 90_000),
            Item("safety_incidents", 10, 0),
        ),
        task=Task("asset_accuracy_rate", "季度资产盘点", "Quarterly asset count", 45),
    ),
    "ops": Playbook(
        "operations-kpis@1",
        (
            Item("on_time_fulfilment_rate", 25, 98),
            Item("major_incidents", 20, 1),
            Item("mean_time_to_recover_minutes", 20, 60),
            Item("process_improvements", 20, 3),
            Item("inventory_turnover", 15, 4),
        ),
        task=Task(
            "process_improvements", "流程改进提案评审", "Review the improvement proposals", 21
        ),
    ),
}


#: The first-party metric plugins' items (``plugins/``), put on the current quarter's plans
#: when the plugin is installed: department -> (plugin, the playbook item they replace,
#: the items, whose weights add up to the replaced one's).
PLUGIN_ITEMS: Final[Mapping[str, tuple[str, str, tuple[Item, ...]]]] = {
    "sales": (
        "sales",
        "renewal_rate",
        (
            Item("churn_rate", 10, 5, library="sales-metrics@1"),
            Item("renewal_rate", 10, 85, library="sales-metrics@1"),
        ),
    ),
    "rnd": (
        "rd",
        "on_time_delivery_rate",
        (
            Item("on_time_delivery_rate", 20, 90, library="rd-metrics@1"),
            Item("defect_escape_rate", 10, 10, library="rd-metrics@1"),
        ),
    ),
    "cs": ("service", "csat_stars", (Item("satisfaction", 25, 4.6, library="service-metrics@1"),)),
}


def playbooks(plugins: Collection[str] = ()) -> dict[str, Playbook]:
    """The playbooks, with the items of the first-party plugins named in ``plugins``
    in place of the items they replace (the same place on the plan)."""
    out = dict(PLAYBOOKS)
    for dept, (plugin, replaced, items) in PLUGIN_ITEMS.items():
        if plugin not in plugins:
            continue
        book = out[dept]
        at = next(n for n, i in enumerate(book.items) if i.indicator == replaced)
        out[dept] = replace(book, items=(*book.items[:at], *items, *book.items[at + 1 :]))
    return out


def _rounded(value: float, step: float) -> float:
    return float(max(step, round(value / step) * step))


def targets(
    person: Person,
    quarter_start: dt.date,
    share_of_quarter: float = 1.0,
    books: Mapping[str, Playbook] = PLAYBOOKS,
) -> dict[str, float]:
    """A person's target per indicator of their department's playbook (in ``books``):
    the quarter's, or a period's that is ``share_of_quarter`` of a quarter (a month: a
    third of each quantity; levels stay as they are)."""
    book = books[person.dept]
    base = book.positions.get(person.position, {})
    share = ROLE_SHARE.get(person.role, 1.0) * share_of_quarter
    if person.newcomer(quarter_start):
        share *= NEWCOMER_SHARE
    elif person.role == "staff" and person.grade == "P6":
        share *= SENIOR_SHARE
    out: dict[str, float] = {}
    for item in book.items:
        target = base.get(item.indicator, item.target)
        out[item.indicator] = _rounded(target * share, item.step) if item.scales else target
    return out


def manual_actual(
    target: float, direction: str, cumulative: bool, factor: float, elapsed: float, jitter: float
) -> float:
    """What a person reports by hand, given how they are doing (``factor``), the
    share of the quarter elapsed and a small deterministic ``jitter`` around 1."""
    if cumulative:  # a quantity so far: more of a good one, less of a bad one
        good = factor if direction == "higher" else 2 - factor
        value = target * elapsed * good
        return float(round(value)) if target == int(target) else round(value, 1)
    if direction == "higher":
        value = target * (0.9 + 0.1 * factor) * jitter
        return round(min(value, 100.0) if target <= 100 else value, 1)
    if direction == "lower":
        return round(max(0.0, target * (2 - factor) * jitter), 1)
    return round(target * jitter, 1)  # closest to target


__all__ = [
    "FACTORS",
    "PLAYBOOKS",
    "PLUGIN_ITEMS",
    "Item",
    "Person",
    "Playbook",
    "Task",
    "manual_actual",
    "playbooks",
    "targets",
]
