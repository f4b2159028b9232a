"""The demo quarter's plain data: targets by role and seniority, playbooks the
scoring scheme accepts, and business records that repeat for a given day and
stay inside the quarter, even on its first day."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from perfloop.demo.records import CUSTOMERS, ISSUES, PROJECTS, SALES, TICKETS, business_records
from perfloop.demo.targets import PLAYBOOKS, PLUGIN_ITEMS, Person, playbooks, targets
from perfloop.engine.scoring.scheme import ScoringScheme
from perfloop.plugins import Dataset, MetricContext, Period, get_registry, run_metric
from perfloop.services.cycles import parse_period
from perfloop.templates import load_builtin_templates

QUARTER = parse_period("2026-Q4")
assert QUARTER is not None
START = QUARTER.starts_on


def person(no: int, dept: str, team: str | None, role: str, position: str, **kw: Any) -> Person:
    hired = START - dt.timedelta(days=2000)
    made = Person(no, f"E{no:04d}", f"P{no}", f"p{no}@demo.test", dept, team, role, position,
                  "P4", hired, None)  # fmt: skip
    return replace(made, **kw)


REP = person(5, "sales", "sales-north", "staff", "Sales Representative")
NEWCOMER = person(4, "sales", "sales-north", "staff", "Sales Representative",
                  hired=START - dt.timedelta(days=40))  # fmt: skip
SENIOR = person(7, "sales", "sales-north", "staff", "Sales Representative", grade="P6")
LEAD = person(3, "sales", "sales-north", "lead", "North Sales Lead")
KAM = person(14, "sales", "sales-key", "staff", "Key Account Manager")
AGENT = person(40, "cs", "cs-support", "staff", "Support Agent")
ENGINEER = person(20, "rnd", "rnd-platform", "staff", "Software Engineer")
PEOPLE = (REP, NEWCOMER, SENIOR, LEAD, KAM, AGENT, ENGINEER)


def test_targets_follow_role_and_seniority() -> None:
    rep, newcomer, senior, lead = (targets(p, START) for p in (REP, NEWCOMER, SENIOR, LEAD))
    assert rep["revenue"] == 1_200_000
    assert newcomer["revenue"] == rep["revenue"] / 2
    assert senior["revenue"] == rep["revenue"] * 1.2
    assert lead["revenue"] == rep["revenue"] * 0.7
    assert targets(KAM, START)["revenue"] == 2_000_000  # the position's own base
    # levels (rates, averages) are the same for everyone
    assert {t["renewal_rate"] for t in (rep, newcomer, senior, lead)} == {85}
    assert {t["average_deal_size"] for t in (rep, newcomer, senior, lead)} == {60_000}


def test_every_playbook_is_a_valid_plan() -> None:
    builtins = load_builtin_templates()
    scoring = builtins.resolve("standard-scoring", 1)
    assert scoring is not None
    scheme = ScoringScheme(scoring)
    for code, book in PLAYBOOKS.items():
        weights = [{"key": i.indicator, "weight": i.weight} for i in book.items]
        assert scheme.check_weights(weights) == [], code
        key, version = book.library.split("@")
        library = builtins.resolve(key, int(version))
        assert library is not None
        known = {i["key"] for i in library["indicators"]}
        assert {i.indicator for i in book.items} <= known, code


@pytest.mark.parametrize("day", [START, START + dt.timedelta(days=1), dt.date(2026, 11, 21),
                                 QUARTER.ends_on])  # fmt: skip
def test_records_repeat_for_a_day_and_stay_inside_the_quarter(day: dt.date) -> None:
    chosen = [(p, targets(p, START)) for p in PEOPLE]
    records = business_records(chosen, START, QUARTER.ends_on, day)
    assert records == business_records(chosen, START, QUARTER.ends_on, day)
    dated = {SALES: "order_date", TICKETS: "opened_at", PROJECTS: "due_on"}
    keyed = {SALES: "order_id", TICKETS: "ticket_id", PROJECTS: "project_id"}
    owner = {SALES: "owner_email", TICKETS: "agent_email", PROJECTS: "owner_email"}
    for dataset, rows in records.items():
        dates = [str(r[dated[dataset]])[:10] for r in rows]
        assert dates == sorted(dates)
        assert START.isoformat() <= dates[0] <= dates[-1] <= day.isoformat()
        assert len({r[keyed[dataset]] for r in rows}) == len(rows)
    # every salesperson has a paid order, every agent tickets, every engineer a project
    subjects = {d: {r[owner[d]] for r in rows} for d, rows in records.items()}
    assert subjects[SALES] == {p.email for p in PEOPLE if p.dept == "sales"}
    assert subjects[TICKETS] == {AGENT.email}
    assert subjects[PROJECTS] == {ENGINEER.email}
    paid = {r["owner_email"] for r in records[SALES] if r["status"] == "paid"}
    assert paid == subjects[SALES]


def test_more_of_the_quarter_means_more_records() -> None:
    chosen = [(p, targets(p, START)) for p in PEOPLE]
    early = business_records(chosen, START, QUARTER.ends_on, START + dt.timedelta(days=10))
    late = business_records(chosen, START, QUARTER.ends_on, QUARTER.ends_on)
    for dataset in (SALES, TICKETS, PROJECTS):
        assert len(late[dataset]) > len(early[dataset])


def test_the_playbooks_with_the_plugins_items_are_valid_plans() -> None:
    builtins = load_builtin_templates()
    scoring = builtins.resolve("standard-scoring", 1)
    assert scoring is not None
    scheme = ScoringScheme(scoring)
    books = playbooks({"sales", "rd", "service"})
    assert books != PLAYBOOKS
    for code, book in books.items():
        weights = [{"key": i.indicator, "weight": i.weight} for i in book.items]
        assert scheme.check_weights(weights) == [], code
        for item in book.items:
            key, version = (item.library or book.library).split("@")
            library = builtins.resolve(key, int(version))
            assert library is not None
            assert item.indicator in {i["key"] for i in library["indicators"]}, item


@pytest.mark.parametrize("day", [START, dt.date(2026, 11, 21), QUARTER.ends_on])
async def test_the_plugins_compute_a_value_from_the_demo_records(day: dt.date) -> None:
    """Customers for salespeople and issues for engineers (only with the plugins'
    items), from which every plugin item has a value, even on the quarter's first day."""
    books = playbooks({"sales", "rd", "service"})
    chosen = [(p, targets(p, START, books=books)) for p in PEOPLE]
    assert CUSTOMERS not in business_records([(REP, targets(REP, START))], START, day, day)
    records = business_records(chosen, START, QUARTER.ends_on, day)
    assert records == business_records(chosen, START, QUARTER.ends_on, day)
    assert {r["owner_email"] for r in records[CUSTOMERS]} == {
        p.email for p in PEOPLE if p.dept == "sales"
    }
    assert {r["assignee_email"] for r in records[ISSUES]} == {ENGINEER.email}
    for dataset, field, key in (
        (CUSTOMERS, "since", "customer_id"),
        (ISSUES, "resolved_on", "issue_id"),
    ):
        assert max(r[field] for r in records[dataset]) <= day.isoformat()
        assert len({r[key] for r in records[dataset]}) == len(records[dataset])
    fields = {
        CUSTOMERS: ("owner_email", "since"),
        ISSUES: ("assignee_email", "resolved_on"),
        TICKETS: ("agent_email", "opened_at"),
    }
    datasets = {
        ref.split("@")[0]: Dataset(ref.split("@")[0], *fields[ref], records[ref], True)
        for ref in fields
    }
    period = Period(START, QUARTER.ends_on)
    for plugin, _, items in PLUGIN_ITEMS.values():
        people = [p.email for p, t in chosen if items[0].indicator in t]
        for item in items:
            provider = get_registry().provider(plugin, item.indicator)
            assert provider is not None
            context = MetricContext(tuple(people), period, {}, datasets, provider.metric.reads)
            for who, outcome in (await run_metric(provider.metric, context)).items():
                assert outcome.error is None, (item.indicator, who, outcome.error)
                assert outcome.value is not None, (item.indicator, who)
