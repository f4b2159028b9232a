"""The manager's pages in a real browser (conftest.py's demo server): the goal tree
with its allocation and a decomposition refused field by field, the gap view, the
team's plans with their behind-plan flags, and signing a plan the employee has
signed. The plan signed is in the Customer Success team, which no other browser
test uses: the test first re-plans it through the API (a target changed, which
clears both signatures), the employee signs it on their scorecard page, then the
lead signs it on the team page."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from selenium.webdriver.support.ui import Select

from support.browser import Console

SALES_LEAD = "sales-north.lead@demo.perfloop.dev"
CS_LEAD = "cs-success.lead@demo.perfloop.dev"
CS_EMPLOYEE = "tao.zhao52@demo.perfloop.dev"
CS_EMPLOYEE_NO = "E0052"


def api(url: str, email: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Run a GraphQL document as a demo person (the demo sign-in's token)."""

    def post(path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(  # noqa: S310 (our test server)
            f"{url}{path}", data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.load(answer)

    token = post("/auth/demo-token", {"email": email})["token"]
    reply = post("/graphql", {"query": query, "variables": variables or {}}, token)
    assert not reply.get("errors"), reply
    return reply["data"]


def quarter(url: str) -> str:
    cycles = api(url, CS_LEAD, '{ cycles(status: "open") { edges { node { id periodKind } } } }')
    return next(
        e["node"]["id"] for e in cycles["cycles"]["edges"] if e["node"]["periodKind"] == "quarter"
    )


def replan(url: str, cycle: str) -> str:
    """Change one target of the employee's plan as their lead: the plan loses both
    signatures. Its id."""
    cards = api(
        url,
        CS_LEAD,
        """query($cycle: ID!) { teamScorecards(cycle: $cycle) { edges { node {
        id employeeNo items { key libraryRef indicatorKey weight target } } } } }""",
        {"cycle": cycle},
    )
    card = next(
        e["node"]
        for e in cards["teamScorecards"]["edges"]
        if e["node"]["employeeNo"] == CS_EMPLOYEE_NO
    )
    items = [
        {
            "key": i["key"],
            "library": i["libraryRef"],
            "indicator": i["indicatorKey"],
            "weight": i["weight"],
            "target": i["target"] + (1 if n == 0 else 0),
        }
        for n, i in enumerate(card["items"])
    ]
    done = api(
        url,
        CS_LEAD,
        """mutation($cycle: ID!, $employee: ID!, $items: [ScorecardItemInput!]!) {
        setScorecardItems(cycle: $cycle, employee: $employee, items: $items,
          reason: "browser test: re-planned") { errors { message path } } }""",
        {"cycle": cycle, "employee": employee_id(url), "items": items},
    )
    assert done["setScorecardItems"]["errors"] == []
    return str(card["id"])


def employee_id(url: str) -> str:
    me = api(url, CS_EMPLOYEE, "{ me { employee { id } } }")
    return str(me["me"]["employee"]["id"])


def status_of(console: Console, card: str) -> str | None:
    badges = console.all(f"tr[data-scorecard='{card}'] [data-status]")
    return badges[0].get_attribute("data-status") if badges else None


def test_a_manager_signs_a_plan_their_employee_signed(console: Console) -> None:
    # given a plan re-opened by its lead, which the employee signs on their page
    card = replan(console.url, quarter(console.url))
    console.sign_in_as(CS_EMPLOYEE)
    console.open("/scorecard")
    console.wait("button[data-test=sign]").click()
    console.wait("[data-test=signed]")
    # when the lead opens their team's plans
    console.reset()
    console.sign_in_as(CS_LEAD)
    assert {"/goals", "/team", "/assign", "/reviews-to-write"} <= {
        a.get_attribute("data-nav") for a in console.all("nav a")
    }
    console.wait("nav a[data-nav='/team']").click()
    console.wait(f"tr[data-scorecard='{card}']")
    # then the plan waits for their signature, and people behind plan are flagged
    assert status_of(console, card) == "signing"
    assert console.all("[data-test=team-plans] [data-test=behind]")
    Select(console.wait("select[data-test=status-filter]")).select_by_value("signing")
    console.wait_until(lambda _: len(console.all("[data-test=team-plans] tbody tr")) == 1)
    Select(console.wait("select[data-test=status-filter]")).select_by_value("")
    console.screenshot("team-plans")
    # and signing it there shows it signed
    console.wait(f"tr[data-scorecard='{card}'] button[data-test=sign]").click()
    console.wait_until(lambda _: status_of(console, card) == "signed")
    assert not console.all(f"tr[data-scorecard='{card}'] button[data-test=sign]")
    # and the lead's own plan is never offered for signing
    own = console.all("tr[data-employee='E0051'] button[data-test=sign]")
    assert not own


def test_a_manager_reads_the_goal_tree_its_allocation_and_gaps(console: Console) -> None:
    console.sign_in_as(SALES_LEAD)
    console.wait("nav a[data-nav='/goals']").click()
    console.wait("[data-test=goal-tree] tbody tr")
    # the company's revenue keeps an unallocated part; South Sales is over-allocated
    coverages = {
        e.get_attribute("data-coverage")
        for e in console.all("[data-test=goal-tree] [data-coverage]")
    }
    assert {"under", "over", "exact"} <= coverages
    console.screenshot("goal-tree")
    # the team goal's page: its people's targets against the team's
    team_goal = console.all("[data-test=goal-tree] tr[data-goal] a")
    next(a for a in team_goal if "North Sales" in a.text).click()
    console.wait("[data-test=allocation] tbody tr")
    assert len(console.all("[data-test=allocation] tbody tr")) == 5
    assert console.wait("[data-test=unallocated]").text == "0"
    # each target can be changed in place, but the lead's own (set by the level up)
    assert len(console.all("[data-test=allocation] input[data-test=child-target]")) == 4
    # a child goal without a title or owner is refused next to those fields
    Select(console.wait("select[data-test=level]")).select_by_value("employee")
    console.wait("button[data-test=create-goal]").click()
    title_error = console.wait("[data-test=decompose] label:has(input[data-test=title]) .error")
    assert "title" in title_error.text
    assert console.all("[data-test=decompose] label:has(select[data-test=owner-employee]) .error")
    console.screenshot("goal-allocation")
    # the gap view: the team's people have proposed nothing, so the gap is flagged
    console.wait("a[data-test=gap-link]").click()
    console.wait("[data-test=gap-lines] tbody tr")
    assert len(console.all("[data-test=gap-lines] tbody tr")) == 5
    console.wait("[data-test=gap-flagged]")
    # beside each person, how far behind plan they are; the team's row is behind too
    assert console.all("[data-test=gap-lines] [data-test=owner-behind]")
    console.wait("[data-test=units-behind] tr[data-unit] [data-test=owner-behind]")
    console.driver.execute_script("window.scrollTo(0, 0)")
    console.screenshot("goal-gap")
    # and in Chinese
    console.choose_language("zh-CN")
    console.wait_until(lambda _: console.wait("h1").text.startswith("差距视图"))
    assert console.wait("[data-test=units-behind] th").text == "组织单元"


def test_a_bulk_assignment_is_refused_next_to_the_indicator(console: Console) -> None:
    # an assignment that breaks the scoring scheme's weight rules changes nothing
    console.sign_in_as(CS_LEAD)
    console.open("/assign")
    Select(console.wait("select[data-test=library]")).select_by_value("service-kpis@1")
    row = console.wait("tr[data-indicator=tickets_resolved]")
    row.find_element("css selector", "input[data-test=pick]").click()
    weight = row.find_element("css selector", "input[data-test=weight]")
    weight.send_keys("150")
    row.find_element("css selector", "input[data-test=target]").send_keys("100")
    assert console.wait("[data-test=total-weight]").text == "150"
    console.wait("button[data-test=assign-submit]").click()
    error = console.wait("tr[data-indicator=tickets_resolved] .error")
    assert "100" in error.text
    assert not console.all("[data-test=assigned]")
    console.screenshot("assign-items")
    # the reviews the lead writes about their people (none open in the demo's quarter)
    console.wait("nav a[data-nav='/reviews-to-write']").click()
    console.wait("[data-test=no-reviews], [data-test=reviews-to-write]")
