"""Payout lists through the API: the template's tiers exactly at their boundaries, the
base amount by person, position or grade, the totals per unit and the budget check,
versions that go stale when results are published again, approval, and who reads what."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from perfloop.store.core import AuditEvent
from perfloop.store.identity import Tenant
from perfloop.templates import load_builtin_templates
from support.payouts import (
    APPROVE,
    generate,
    lines,
    published_cycle,
    read,
    set_base,
    set_budget,
    tiered_scoring,
)
from support.results import enter, publish, run
from support.scoring import PUBLISH_TEMPLATE, cycle_with_scoring

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from support.company import Company

# completion 1.2 (exactly the "extra" boundary), 0.8 (exactly "standard"), 0.79 (below)
ACTUALS = {"emp": 120, "lead": 80, "other": 79}


async def test_tiers_apply_exactly_at_their_boundaries_with_bases_totals_and_budgets(
    company: Company,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given results read two at a time (the batches of a large company)
    from perfloop.services.payouts import lists as payout_lists

    monkeypatch.setattr(payout_lists, "STREAM_BATCH", 2)
    # and published results, a grade base, emp's own base, and budgets
    cycle = await published_cycle(company, engine, sessions, ACTUALS)
    assert (await set_base(company, "GRADE", "P3", "10000"))["errors"] == []
    assert (await set_base(company, "EMPLOYEE", "N004", "12000.50"))["errors"] == []  # emp
    assert (await set_budget(company, cycle, "d1", "20000"))["errors"] == []
    assert (await set_budget(company, cycle, "co", "50000"))["errors"] == []
    # when HR generates the payout list
    done = await generate(company, cycle)
    # then each line has the tier its completion falls in, boundaries as written
    assert done["errors"] == []
    got = lines(done["payoutList"])
    numbers = [e["node"]["employeeNo"] for e in done["payoutList"]["lines"]["edges"]]
    assert numbers == sorted(numbers)  # by employee number
    emp, lead, other = got["Emp"], got["Lead"], got["Other"]
    assert (emp["tier"], emp["basisValue"], emp["multiplier"]) == ("extra", 1.2, "1.50")
    assert (lead["tier"], lead["basisValue"], lead["multiplier"]) == ("standard", 0.8, "1.00")
    assert (other["tier"], other["multiplier"]) == ("reduced", "0.50")
    assert emp["tierTitle"] == {"zhCN": "超额", "en": "Extra"}
    # and base × multiplier in decimal, the person's own base over the grade's
    assert (emp["base"], emp["baseSource"], emp["amount"]) == ("12000.50", "employee", "18000.75")
    assert (lead["base"], lead["baseSource"], lead["amount"]) == ("10000.00", "grade", "10000.00")
    assert other["amount"] == "5000.00"
    assert all(line["flags"] == [] for line in got.values())
    # and totals per unit over its subtree, the company's at the top
    payout_list = done["payoutList"]
    units = {u["code"]: u for u in payout_list["units"]}
    assert units["t1"]["amount"] == units["d1"]["amount"] == "28000.75"
    assert units["d2"]["amount"] == "5000.00"
    assert units["co"]["amount"] == payout_list["amount"] == "33000.75"
    assert payout_list["people"] == 3
    # and the budget check flags d1, over by 8000.75, without cutting anything
    assert units["d1"]["over"]
    assert units["d1"]["remaining"] == "-8000.75"
    assert not units["co"]["over"]
    assert [u["code"] for u in payout_list["overBudget"]] == ["d1"]
    assert len(done["warnings"]) == 1
    assert "d1" in done["warnings"][0]


async def test_without_a_base_a_line_is_flagged_and_unpaid(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given published results and a base for the position only of... nobody
    cycle = await published_cycle(company, engine, sessions, {"emp": 100, "other": 100})
    assert (await set_base(company, "POSITION", "Staff", "8000"))["errors"] == []
    assert (await set_base(company, "POSITION", "Staff", None))["baseAmount"] is None
    # when the list is generated
    payout_list = (await generate(company, cycle))["payoutList"]
    # then nobody is paid 0 silently: both lines say NO_BASE, and the totals count them
    for line in lines(payout_list).values():
        assert (line["amount"], line["flags"]) == (None, ["NO_BASE"])
    assert (payout_list["amount"], payout_list["unpaid"]) == ("0.00", 2)


async def test_a_template_without_tiers_pays_the_results_multiplier(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given the standard scoring (bands and bonus multipliers, no tiers)
    builtin = load_builtin_templates().get("standard-scoring", 1)
    assert builtin is not None
    scoring = {**dict(builtin.document), "key": "plain-scoring-payouts"}
    scoring = {k: v for k, v in scoring.items() if k != "weights"}
    cycle = await published_cycle(company, engine, sessions, {"emp": 100}, scoring=scoring)
    await set_base(company, "GRADE", "P3", "10000")
    # when the list is generated
    line = lines((await generate(company, cycle))["payoutList"])["Emp"]
    # then the tier is the rating band, and the multiplier the result's
    assert line["basis"] == "rating"
    assert line["tier"] == line["rating"]
    expected = (Decimal("10000") * Decimal(line["multiplier"])).quantize(Decimal("0.01"))
    assert Decimal(line["amount"]) == expected


async def test_a_later_publication_makes_the_list_stale_and_a_new_version_is_generated(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given version 1 of the list
    cycle = await published_cycle(company, engine, sessions, {"emp": 100, "other": 100})
    await set_base(company, "GRADE", "P3", "10000")
    first = (await generate(company, cycle))["payoutList"]
    assert (first["version"], first["status"], first["stale"]) == (1, "DRAFT", False)
    # when a late actual is scored and published (result version 2)
    await enter(company, cycle, "emp", "sales", 125)
    await run(company, engine, cycle)
    assert await publish(company, cycle) == 1
    # then version 1 is stale, and approving it is refused
    assert (await read(company, cycle))["stale"] is True
    refused = await company.ok(APPROVE, {"cycle": cycle, "version": 1}, as_user="hr")
    assert refused["approvePayoutList"]["errors"][0]["code"] == "INVALID"
    assert refused["approvePayoutList"]["errors"][0]["path"] == ["version"]
    # when HR generates again
    second = (await generate(company, cycle))["payoutList"]
    # then version 2 uses the new result, and version 1 stays readable as it was
    assert (second["version"], second["stale"]) == (2, False)
    assert lines(second)["Emp"]["resultVersion"] == 2
    assert lines(second)["Emp"]["tier"] == "extra"
    old = await read(company, cycle, version=1)
    assert lines(old)["Emp"]["resultVersion"] == 1
    assert lines(old)["Emp"]["tier"] == "standard"
    # and version 2 is approved once
    ok = await company.ok(APPROVE, {"cycle": cycle, "version": 2}, as_user="hr")
    assert ok["approvePayoutList"]["payoutList"]["status"] == "APPROVED"
    again = await company.ok(APPROVE, {"cycle": cycle, "version": 2}, as_user="hr")
    assert again["approvePayoutList"]["errors"][0]["code"] == "INVALID"
    assert [v["status"] for v in (await read(company, cycle))["versions"]] == ["DRAFT", "APPROVED"]
    # and every change was audited
    async with sessions() as session:
        actions = (
            await session.execute(
                select(AuditEvent.action)
                .join(Tenant, Tenant.id == AuditEvent.tenant_id)
                .where(Tenant.slug == company.slug, AuditEvent.action.startswith("payout."))
                .order_by(AuditEvent.id)
            )
        ).scalars()
        assert list(actions) == [
            "payout.base", "payout.generate", "payout.generate", "payout.approve",
        ]  # fmt: skip


async def test_hr_and_executives_read_all_a_head_their_subtree_and_nobody_else(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a generated list
    cycle = await published_cycle(company, engine, sessions, ACTUALS)
    await set_base(company, "GRADE", "P3", "10000")
    await generate(company, cycle)
    # then HR and the executive read everyone
    for who in ("hr", "exec"):
        assert set(lines(await read(company, cycle, as_user=who))) == {"Emp", "Lead", "Other"}
    # and the head of d1 reads d1's lines and units only, d1's total at the top
    head = await read(company, cycle, as_user="head")
    assert set(lines(head)) == {"Emp", "Lead"}
    assert {u["code"] for u in head["units"]} == {"d1", "t1"}
    assert head["amount"] == "25000.00"
    # and a manager or an employee reads nothing (a missing list answers alike)
    for who in ("lead", "emp", "other"):
        assert await read(company, cycle, as_user=who) is None, who
        body = await company.ok("{ payoutBaseAmounts { key } }", as_user=who)
        assert body["payoutBaseAmounts"] == [], who
    assert (await company.ok("{ payoutBaseAmounts { key } }", as_user="head")) == {
        "payoutBaseAmounts": []
    }
    # and only HR generates or sets amounts
    body = await company.raw(
        "mutation($c: ID!) { generatePayoutList(cycle: $c) { errors { code } } }",
        {"c": cycle},
        as_user="exec",
    )
    assert "FORBIDDEN" in str(body)
    assert await read(company, cycle, version=2) is None  # nothing was generated


async def test_bad_amounts_keys_and_cycles_are_payload_errors(
    company: Company, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # when HR sends bad input
    bad = [
        (await set_base(company, "GRADE", "P3", "lots"))["errors"],
        (await set_base(company, "GRADE", "P3", "-1"))["errors"],
        (await set_base(company, "GRADE", "P3", "1.00001"))["errors"],
        (await set_base(company, "GRADE", "P3", "NaN"))["errors"],
        (await set_base(company, "GRADE", " ", "1"))["errors"],
    ]
    # then each names the field, and nothing was stored
    assert [e[0]["path"] for e in bad] == [["amount"]] * 4 + [["key"]]
    missing = (await set_base(company, "EMPLOYEE", "nobody", "1"))["errors"]
    assert missing[0]["code"] == "NOT_FOUND"
    body = await company.ok("{ payoutBaseAmounts { key } }", as_user="hr")
    assert body["payoutBaseAmounts"] == []
    # and a cycle without published results cannot have a list
    cycle = await cycle_with_scoring(company, tiered_scoring())
    refused = await company.ok(
        "mutation($c: ID!) { generatePayoutList(cycle: $c) { errors { code path } } }",
        {"c": cycle},
        as_user="hr",
    )
    assert refused["generatePayoutList"]["errors"] == [{"code": "INVALID", "path": ["cycle"]}]


async def test_a_tier_written_wrongly_is_refused_when_the_template_is_published(
    company: Company,
) -> None:
    # given tiers with a comparison that is not one of >=, >, <, <=
    scoring = tiered_scoring()
    scoring["incentive"]["tiers"]["bands"][0]["when"] = {"=>": 1.2}
    # when HR publishes the template
    body = await company.ok(PUBLISH_TEMPLATE, {"document": scoring}, as_user="hr")
    # then it is refused at the tier's place
    errors = body["publishTemplate"]["errors"]
    assert errors
    assert any("incentive" in "/".join(map(str, e["path"] or [])) for e in errors), errors
