"""The employee's pages in a real browser (conftest.py): the demo employee fills in
a review form rendered from its form template — errors from the API next to the
field, in the chosen language — and submits it, then reads the explanation of their
published result of the closed quarter in both languages.

The demo's current quarter is in execution (no review stage yet), so the test
reopens, as HR, the employee's self review of the last month of the closed
quarter (the monthly cycle of 2026-09 on 2026-12-05): the employee fills it in
again. No other browser test uses that month's reviews."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from support.browser import Console

EMPLOYEE = "employee@demo.perfloop.dev"
HR = "hr@demo.perfloop.dev"
CJK = re.compile(r"[\u4e00-\u9fff]")
MINE = """query($c: ID!) {
  reviewAssignments(cycle: $c, mine: true) { edges { node { id relation } } } }"""
REOPEN = """mutation($a: ID!) {
  reopenReview(assignment: $a, reason: "browser test") { errors { message } } }"""


def _post(url: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (our server)
        return json.load(answer)


def _gql(console: Console, email: str, query: str, **variables: Any) -> Any:
    token = _post(f"{console.url}/auth/demo-token", {"email": email})["token"]
    answer = _post(f"{console.url}/graphql", {"query": query, "variables": variables}, token)
    assert "errors" not in answer, answer
    return answer["data"]


def _reopened_self_review(console: Console) -> tuple[str, str]:
    """The cycle and id of the employee's self review of the newest closed month,
    reopened by HR."""
    cycles = _gql(
        console,
        EMPLOYEE,
        "{ cycles(first: 50) { edges { node { id period periodKind status } } } }",
    )
    months = [
        c["node"] for c in cycles["cycles"]["edges"]
        if c["node"]["periodKind"] == "month" and c["node"]["status"] == "closed"
    ]  # fmt: skip
    cycle = max(months, key=lambda c: c["period"])["id"]
    mine = _gql(console, EMPLOYEE, MINE, c=cycle)
    [own] = [
        e["node"]["id"]
        for e in mine["reviewAssignments"]["edges"]
        if e["node"]["relation"] == "self"
    ]
    reopened = _gql(console, HR, REOPEN, a=own)
    assert reopened["reopenReview"]["errors"] == []
    return cycle, own


def _field(console: Console, name: str) -> Any:
    return console.wait(f"[data-test=jsonform] [name='root[{name}]']")


def _error_at(console: Console, name: str) -> str:
    box = _field(console, name).find_element(By.XPATH, "ancestor::div[@data-schemapath][1]")
    return str(box.text)


def test_the_employee_submits_a_review_form_rendered_from_its_template(console: Console) -> None:
    cycle, assignment = _reopened_self_review(console)
    # given the employee on "My reviews", in the month of the reopened self review
    console.sign_in_as(EMPLOYEE)
    console.wait("nav a[data-nav='/reviews']").click()
    Select(console.wait("select[data-test=cycle-picker]")).select_by_value(cycle)
    console.wait(
        f"tr[data-assignment='{assignment}'][data-status=draft] a[data-test=open-review]"
    ).click()
    # the form is the template's: its fields titled by their x-title in English
    labels = console.wait("[data-test=jsonform]")
    console.wait_until(lambda _: "Overall self-rating" in labels.text)
    assert "Key achievements" in labels.text
    # when they clear a required answer and submit, the API's error shows at the field
    achievements = _field(console, "achievements")
    achievements.clear()
    console.wait("[data-test=submit-review]").click()
    console.wait_until(lambda _: "Required." in _error_at(console, "achievements"))
    assert "Required." not in _error_at(console, "challenges")
    console.driver.execute_script("window.scrollTo(0, 0)")
    console.screenshot("review-form-en")
    # in Chinese: the titles and the error are Chinese, what was typed is kept
    console.choose_language("zh-CN")
    console.wait_until(lambda _: "总体自评" in console.wait("[data-test=jsonform]").text)
    console.wait_until(lambda _: "必填" in _error_at(console, "achievements"))
    console.driver.execute_script("window.scrollTo(0, 0)")
    console.screenshot("review-form-zh")
    # when they answer it and submit, it is submitted
    _field(console, "achievements").send_keys("签下三家新客户，续约率回升。")
    console.wait("[data-test=submit-review]").click()
    console.wait_until(lambda _: console.wait("[data-test=review-status]").text == "已提交")
    rated = _gql(
        console,
        EMPLOYEE,
        "query($a: ID!) { reviewAssignment(id: $a) { status answers } }",
        a=assignment,
    )
    assert rated["reviewAssignment"]["status"] == "submitted"
    assert rated["reviewAssignment"]["answers"]["achievements"] == "签下三家新客户，续约率回升。"


def _item_titles(console: Console) -> list[str]:
    return [e.text for e in console.all("[data-test=result-items] .item-title")]


def test_the_employee_reads_the_explanation_of_their_result_in_both_languages(
    console: Console,
) -> None:
    # given the employee on "My result" (the closed quarter's, published)
    console.sign_in_as(EMPLOYEE)
    console.choose_language("zh-CN")
    console.wait("nav a[data-nav='/result']").click()
    console.wait("[data-test=result-items] tbody tr")
    # then the band, and each item with the template's rule that scored it, in Chinese
    assert re.match(r"^[SABCD]\b", console.wait("[data-test=result-band]").text)
    chinese = _item_titles(console)
    assert len(chinese) >= 5
    assert all(CJK.search(title) for title in chinese), chinese
    rules = console.wait("[data-test=result-items] ul.rules").text
    assert "params.threshold" in rules
    console.screenshot("result-zh")
    # and the language switch gives the English titles and explanation
    console.choose_language("en")
    console.wait_until(lambda _: "Sales revenue" in _item_titles(console))
    assert not any(CJK.search(title) for title in _item_titles(console))
    assert "holds" in console.wait("[data-test=result-items]").text
    console.screenshot("result-en")


def test_the_employee_checks_in_on_their_plan_and_reads_their_improvement_plan(
    console: Console,
) -> None:
    # given the employee's plan of the open quarter
    console.sign_in_as(EMPLOYEE)
    console.wait("nav a[data-nav='/scorecard']").click()
    form = console.wait("[data-test=checkin-form]")
    before = len(console.all("[data-test=checkins] li"))
    # when they check in off the scale and without a note, each field says why
    form.find_element(By.NAME, "progress").send_keys("1.5")
    form.find_element(By.TAG_NAME, "button").click()
    console.wait_until(lambda _: "progress is between 0 and 1" in form.text)
    assert "a note of 1 to" in form.text
    assert len(console.all("[data-test=checkins] li")) == before
    # in Chinese, the same errors read in Chinese (the API's messageZh)
    console.choose_language("zh-CN")
    console.wait_until(lambda _: "进度须在 0 到 1 之间" in form.text)
    assert "请填写 1 到 4000 个字符的说明" in form.text
    console.choose_language("en")
    # and with a note and a progress in range, the check-in is listed
    form.find_element(By.NAME, "progress").clear()
    form.find_element(By.NAME, "progress").send_keys("0.6")
    form.find_element(By.NAME, "note").send_keys("Two renewals signed this week.")
    form.find_element(By.TAG_NAME, "button").click()
    console.wait_until(
        lambda _: "Two renewals signed this week." in console.wait("[data-test=checkins]").text
    )
    # their improvement plan of the closed quarter shows its gaps, titled in English
    console.wait("nav a[data-nav='/improvement']").click()
    gaps = console.wait("[data-test=improvement-gaps]")
    assert "Renewal revenue" in gaps.text
    assert console.all("[data-test=improvement-checkins] li")
