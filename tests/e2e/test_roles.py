"""Each demo role's side nav, exactly (a permission regression shows as a changed
list), and every entry opening without an error box or "not allowed". Read-only."""

from __future__ import annotations

import pytest

from support.browser import Console

OWN = ["/scorecard", "/reviews", "/result", "/appeals", "/improvement"]  # their own work
EVERYONE = ["/", "/dashboards", *OWN, "/templates"]
MANAGER = ["/goals", "/team", "/assign", "/reviews-to-write"]
#: HR's evaluation pages; those who decide appeals (a manager's manager) and read payouts
#: in their scope see the last two
EVALUATION = ["/evaluation/scoring", "/evaluation/calibration", "/evaluation/whatif"]
APPEALS, PAYOUTS = "/evaluation/appeals", "/evaluation/payouts"
HR = [*EVERYONE, "/apps", "/org", *MANAGER, "/cycles", *EVALUATION, APPEALS, PAYOUTS, "/imports"]

NAV = {
    "hr": HR,
    "ceo": [*EVERYONE, *MANAGER, APPEALS, PAYOUTS],
    "sales.head": [*EVERYONE, *MANAGER, APPEALS, PAYOUTS],
    "sales-north.lead": [*EVERYONE, *MANAGER, APPEALS],
    "employee": EVERYONE,
    "admin": HR,
}


def settled(console: Console) -> bool:
    """The page has rendered and nothing in it is loading any more."""
    return bool(console.all("main h1")) and not console.all("main [role=status]")


@pytest.mark.parametrize("who", list(NAV))
def test_a_role_gets_its_nav_entries_and_each_opens(console: Console, who: str) -> None:
    # given a demo person signed in
    console.sign_in_as(f"{who}@demo.perfloop.dev")
    # then the side nav lists exactly the pages their role may use, in order
    entries = [a.get_attribute("data-nav") for a in console.all("nav.sidenav a")]
    assert entries == NAV[who]
    # and each opens without an error or a refusal
    for route in entries:
        console.open(route)
        console.wait(f"nav.sidenav a.active[data-nav='{route}']")
        console.wait_until(lambda _: settled(console))
        errors = [e.text for e in console.all("main .error") if e.text.strip()]
        assert errors == [], f"{who} at {route}: {errors}"
        refused = ("Your roles do not give you this page", "Page not found")
        assert console.wait("main h1").text not in refused, f"{who} at {route}"
