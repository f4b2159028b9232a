"""A quarter of the demo company's business records, as plain data (no database).

Sales orders for the sales department, support tickets for customer service
and projects for R&D, from the quarter's first day up to ``today``; and, for the
first-party metric plugins' items when those are on the plans (``PLUGIN_ITEMS``),
the salespeople's customers (``customers@1``, from the sales plugin) and the
engineers' resolved issues (``issues@1``, from the R&D plugin). Each
person's records follow their targets and performance factor
(``demo.targets``), so the actuals aggregated from them are ahead of plan for
some people and behind for others. A random generator seeded with the quarter,
the dataset and the person makes the records the same on every load of the
same day. Even on a quarter's first day every salesperson has a paid order,
every agent has tickets and every engineer has a project in flight.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from perfloop.demo.targets import Person
from perfloop.engine import expected_progress

SALES: Final = "sales-orders@1"
TICKETS: Final = "support-tickets@1"
PROJECTS: Final = "projects@1"
CUSTOMERS: Final = "customers@1"
ISSUES: Final = "issues@1"
SEGMENTS: Final = (("smb", 0.5), ("mid-market", 0.35), ("enterprise", 1.0))
ISSUE_TYPES: Final = (("feature", 0.3), ("story", 0.2), ("bug", 0.35), ("task", 1.0))
REGIONS: Final = {"sales-north": "华北", "sales-south": "华南"}
PROJECT_NAMES: Final = (
    "客户门户改版",
    "结算服务重构",
    "移动端登录优化",
    "报表导出提速",
    "库存同步修复",
    "消息推送升级",
    "权限模型梳理",
    "搜索结果排序",
    "自动化回归测试",
    "支付对账修复",
)

CLIENTS: Final = ("华东制造", "新程物流", "瑞丰零售", "博远医疗", "远航教育", "云杉软件")

OPEN_RECENT: Final = (("open", 0.45), ("escalated", 0.05), ("resolved", 1.0))
OPEN_OLDER: Final = (("open", 0.02), ("escalated", 0.03), ("resolved", 0.45), ("closed", 1.0))

Record = dict[str, Any]
Generator = Callable[[Person, Mapping[str, float], "_Quarter", random.Random], list[Record]]


class _Quarter:
    def __init__(self, start: dt.date, end: dt.date, today: dt.date) -> None:
        self.start, self.end, self.today = start, end, min(today, end)
        self.elapsed = expected_progress(start, end, self.today)
        self.days = (self.today - start).days + 1
        self.length = (end - start).days + 1

    def day(self, rng: random.Random) -> dt.date:
        return self.start + dt.timedelta(days=rng.randrange(self.days))


def _count(expected: float, rng: random.Random) -> int:
    """A whole number whose average is ``expected``."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def _choose(rng: random.Random, shares: Sequence[tuple[str, float]]) -> str:
    """One of the names, each with its share of the chances (the last takes the rest)."""
    pick = rng.random()
    for name, share in shares:
        if pick < share:
            return name
        pick -= share
    return shares[-1][0]


def _sales_orders(
    person: Person, target: Mapping[str, float], q: _Quarter, rng: random.Random
) -> list[Record]:
    deal = target["average_deal_size"]
    revenue = target["revenue"]
    renewal = target["renewal_revenue"] / revenue
    new = min(0.6, target["new_customers"] * deal / revenue)
    region = REGIONS.get(person.team or "", "全国")
    goal, paid, out = revenue * q.elapsed * person.factor, 0.0, []
    while paid < goal:  # at least one paid order, even on the first day
        amount = round(deal * rng.uniform(0.45, 1.55), -2)
        deal_type = _choose(rng, (("renewal", renewal), ("new", new), ("expansion", 1)))
        status = _choose(
            rng, (("paid", 0.86), ("pending", 0.08), ("refunded", 0.03), ("cancelled", 1))
        )
        day = q.day(rng)
        if status == "pending":  # not paid yet: a recent order
            day = q.today - dt.timedelta(days=rng.randrange(min(q.days, 14)))
        paid += amount if status == "paid" else 0.0
        out.append(
            {
                "owner_email": person.email,
                "customer_id": f"CUS-{rng.randrange(10_000, 100_000)}",
                "order_date": day.isoformat(),
                "amount": amount,
                "status": status,
                "deal_type": deal_type,
                "region": region,
            }
        )
    return out


def _support_tickets(
    person: Person, target: Mapping[str, float], q: _Quarter, rng: random.Random
) -> list[Record]:
    quality = min(max(person.factor, 0.6), 1.4)  # better people answer faster
    per_day = target["tickets_resolved"] / q.length / 0.95 * person.factor
    complaint = target["complaint_rate"] / 100 * (2 - quality)
    five_stars = min(max(0.7 + 0.3 * (person.factor - 1), 0.35), 0.9)
    out = []
    for n in range(q.days):
        day = q.start + dt.timedelta(days=n)
        busy = 0.6 if day.weekday() >= 5 else 1.1
        for _ in range(max(_count(per_day * busy, rng), 1 if day == q.today else 0)):
            at = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=rng.randrange(720))
            category = _choose(
                rng,
                (("complaint", complaint), ("question", 0.5), ("request", 0.25), ("incident", 1)),
            )
            recent = (q.today - day).days <= 1  # the last two days' tickets are still open
            status = _choose(rng, OPEN_RECENT if recent else OPEN_OLDER)
            ticket: Record = {
                "agent_email": person.email,
                "opened_at": at.isoformat() + "+08:00",
                "category": category,
                "status": status,
                "first_response_minutes": round(
                    target["first_response_minutes"] * (2 - quality) * rng.uniform(0.3, 1.7), 1
                ),
            }
            if status in ("resolved", "closed"):
                ticket["resolution_hours"] = round(
                    target["resolution_hours"] * (2 - quality) * rng.uniform(0.2, 1.8), 1
                )
                if rng.random() < 0.45:
                    stars = 5 if rng.random() < five_stars else rng.choice((4, 4, 4, 3, 3, 2))
                    ticket["csat_stars"] = stars
            out.append(ticket)
    return out


def _projects(
    person: Person, target: Mapping[str, float], q: _Quarter, rng: random.Random
) -> list[Record]:
    so_far = q.elapsed * person.factor
    delivered = _count(target["projects_delivered"] * so_far, rng)
    bugfixes = min(delivered, _count(target["problems_solved"] * so_far, rng))
    on_time = min(max(target["on_time_delivery_rate"] / 100 * (0.8 + 0.2 * person.factor), 0.3), 1)
    out = []

    def project(kind: str, due: dt.date, status: str, **extra: Any) -> None:
        name = f"{rng.choice(PROJECT_NAMES)} #{rng.randrange(100, 1000)}"
        out.append(
            {
                "owner_email": person.email,
                "name": name,
                "type": kind,
                "due_on": due.isoformat(),
                "status": status,
                **extra,
            }
        )

    for n in range(delivered):
        kind = "bugfix" if n < bugfixes else rng.choice(("feature", "improvement"))
        due = q.day(rng)
        late = rng.random() >= on_time and due < q.today
        if late:
            done = min(q.today, due + dt.timedelta(days=rng.randrange(1, 9)))
        else:
            done = max(q.start, due - dt.timedelta(days=rng.randrange(4)))
        project(kind, due, "delivered", delivered_on=done.isoformat(), on_time=not late)
    # in flight: one due today, and for people behind a late one
    project(rng.choice(("feature", "improvement")), q.today, "active")
    if person.factor < 0.85:
        project("feature", q.day(rng), "active")
    if rng.random() < 0.3:
        project("improvement", q.day(rng), "cancelled")
    return out


def _customers(
    person: Person, target: Mapping[str, float], q: _Quarter, rng: random.Random
) -> list[Record]:
    """The customers a salesperson holds: most since before the quarter, a few won in
    it; some churn in it (more for people behind plan), and some renewals fall due by
    today, most renewed. Everyone holds customers at the start and has a renewal due."""
    churn = min(max(target["churn_rate"] / 100 * (2 - person.factor), 0.02), 0.4)
    renews = min(max(target["renewal_rate"] / 100 * (0.7 + 0.3 * person.factor), 0.4), 1.0)
    out = []
    for n in range(12 + rng.randrange(6)):
        held = n < 3 or rng.random() < 0.85  # the first three were held at the start
        since = q.start - dt.timedelta(days=rng.randrange(30, 720)) if held else q.day(rng)
        record: Record = {
            "owner_email": person.email,
            "name": f"{rng.choice(CLIENTS)}{rng.randrange(1, 100)}",
            "segment": _choose(rng, SEGMENTS),
            "since": since.isoformat(),
            "annual_value": round(rng.uniform(20_000, 400_000), -3),
        }
        if held and n > 0 and rng.random() < churn:
            record["churned_on"] = q.day(rng).isoformat()
        elif held and (n == 0 or rng.random() < 0.35):  # a renewal falls due by today
            due = q.day(rng)
            record["renewal_due"] = due.isoformat()
            if rng.random() < renews:
                renewed = max(q.start, due - dt.timedelta(days=rng.randrange(0, 21)))
                record["renewed_on"] = renewed.isoformat()
        out.append(record)
    return out


def _issues(
    person: Person, target: Mapping[str, float], q: _Quarter, rng: random.Random
) -> list[Record]:
    """The issues an engineer resolved so far (at least two, one a defect, one due):
    features and stories mostly by their due date (less so for people behind plan),
    defects found in production now and then."""
    on_time = min(max(target["on_time_delivery_rate"] / 100 * (0.8 + 0.2 * person.factor), 0.3), 1)
    escape = min(max(target["defect_escape_rate"] / 100 * (2 - person.factor), 0.02), 0.5)
    out = []
    for n in range(max(_count(14 * q.elapsed * person.factor, rng), 2)):
        kind = ("feature", "bug")[n] if n < 2 else _choose(rng, ISSUE_TYPES)
        resolved = q.day(rng)
        created = resolved - dt.timedelta(days=rng.randrange(2, 45), minutes=rng.randrange(600))
        record: Record = {
            "assignee_email": person.email,
            "title": f"{rng.choice(PROJECT_NAMES)} #{rng.randrange(1000, 10000)}",
            "type": kind,
            "status": "done" if n < 2 or rng.random() < 0.9 else "wont-do",
            "created_at": dt.datetime.combine(created, dt.time(9)).isoformat() + "+08:00",
            "resolved_on": resolved.isoformat(),
        }
        if kind == "bug":
            stage = "production" if rng.random() < escape else "testing"
            record["found_in"] = stage if stage == "production" or n % 3 else "development"
        else:
            late = rng.random() >= on_time
            slack = rng.randrange(1, 6)
            record["due_on"] = (resolved + dt.timedelta(days=-slack if late else slack)).isoformat()
        out.append(record)
    return out


# dataset -> (the indicator a person's plan must have, the generator, key field, date field, prefix)
_DATASETS: Final[Mapping[str, tuple[str, Generator, str, str, str]]] = {
    SALES: ("revenue", _sales_orders, "order_id", "order_date", "SO"),
    TICKETS: ("tickets_resolved", _support_tickets, "ticket_id", "opened_at", "TK"),
    PROJECTS: ("projects_delivered", _projects, "project_id", "due_on", "PRJ"),
    CUSTOMERS: ("churn_rate", _customers, "customer_id", "since", "CUS"),
    ISSUES: ("defect_escape_rate", _issues, "issue_id", "resolved_on", "ISS"),
}


def business_records(
    people: Iterable[tuple[Person, Mapping[str, float]]],
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> dict[str, list[Record]]:
    """Records per dataset (``key@version``) for the people whose plans aggregate
    them, dated ``start`` to ``today`` (customers: since up to two years before), oldest
    first, with keys unique per quarter."""
    q = _Quarter(start, end, today)
    quarter = f"{start.year}Q{(start.month - 1) // 3 + 1}"
    out: dict[str, list[Record]] = {}
    chosen = list(people)
    for dataset, (indicator, generate, key_field, date_field, prefix) in _DATASETS.items():
        records = []
        for person, target in chosen:
            if indicator in target:
                seed = f"{start.isoformat()}|{dataset}|{person.email}"
                rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
                records += generate(person, target, q, rng)
        records.sort(key=lambda r: str(r[date_field]))  # stable: same order every time
        for n, record in enumerate(records, 1):
            record[key_field] = f"{prefix}-{quarter}-{n:05d}"
        if records:  # customers and issues only for plans with the plugins' items
            out[dataset] = records
    return out


__all__ = ["CUSTOMERS", "ISSUES", "PROJECTS", "SALES", "TICKETS", "business_records"]
