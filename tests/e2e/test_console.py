"""The web console in a real browser against a running perfloop (conftest.py):
an employee's scorecard in both languages, HR's dashboard chart with data, the
template gallery."""

from __future__ import annotations

import re

from perfloop.api.core.auth import issue_token
from perfloop.settings import load_settings
from support.browser import Console

EMPLOYEE = "employee@demo.perfloop.dev"
HR = "hr@demo.perfloop.dev"
CJK = re.compile(r"[\u4e00-\u9fff]")


def item_titles(console: Console) -> list[str]:
    return [e.text for e in console.all("[data-test=scorecard-items] .item-title")]


def form_labels(console: Console, form: str) -> list[str]:
    return [e.text.strip() for e in console.all(f"[data-form={form}] label")]


def test_an_employee_reads_their_scorecard_in_both_languages(console: Console) -> None:
    # given the sign-in page
    console.open("/")
    console.wait("button.identity")
    console.screenshot("sign-in")
    # when the demo employee signs in and opens their scorecard
    console.sign_in_as(EMPLOYEE)
    assert [a.get_attribute("data-nav") for a in console.all("nav a")] == [
        "/",
        "/dashboards",
        "/scorecard",
        "/reviews",
        "/result",
        "/appeals",
        "/improvement",
        "/templates",
    ]
    console.wait("nav a[data-nav='/scorecard']").click()
    console.wait("[data-test=scorecard-items] tbody tr")
    # then it shows their plan's items, titled in English
    english = item_titles(console)
    assert len(english) >= 5
    assert "Average deal size" in english
    console.screenshot("scorecard-en")
    # and the language switch shows the titles in Chinese
    console.choose_language("zh-CN")
    console.wait_until(lambda _: item_titles(console) != english)
    chinese = item_titles(console)
    assert len(chinese) == len(english)
    assert all(CJK.search(title) for title in chinese), chinese
    assert console.wait("nav a[data-nav='/scorecard']").text == "我的绩效计划"
    console.screenshot("scorecard-zh")


def test_hr_sees_the_dashboard_chart_with_data(console: Console) -> None:
    # when HR signs in (home is the dashboard of the open quarter)
    console.sign_in_as(HR)
    console.wait("canvas[data-chart=indicators]")
    # then the chart by indicator holds the company's numbers
    data = console.wait_until(
        lambda d: d.execute_script(
            "const c = document.querySelector('canvas[data-chart=indicators]');"
            "const chart = c && window.Chart && Chart.getChart(c);"
            "return chart ? chart.data : null;"
        )
    )
    assert "Sales revenue" in data["labels"]  # the indicator's title, not its key
    values = data["datasets"][0]["data"]
    assert len(values) == len(data["labels"])
    assert any(isinstance(v, (int, float)) and v > 0 for v in values)
    # and the trend over the last cycles has a point per cycle, the closed quarter's
    # with a mean total
    trend = console.wait_until(
        lambda d: d.execute_script(
            "const c = document.querySelector('canvas[data-chart=trend]');"
            "const chart = c && window.Chart && Chart.getChart(c);"
            "return chart ? chart.data : null;"
        )
    )
    assert len(trend["labels"]) >= 2
    assert any(v is not None for v in trend["datasets"][1]["data"])
    console.screenshot("home-dashboard")


def test_the_template_gallery_lists_and_opens_templates(console: Console) -> None:
    console.sign_in_as(HR)
    console.open("/templates")
    console.wait("[data-test=templates] tbody tr")
    refs = [row.get_attribute("data-ref") for row in console.all("[data-test=templates] tbody tr")]
    assert {"standard-scoring@2", "quarterly-review@1", "self-review@1"} <= set(refs)
    console.screenshot("templates")
    # when HR opens one
    console.wait("tr[data-ref='standard-scoring@2'] a").click()
    document = console.wait("[data-test=document]")
    # then its document is shown
    assert '"kind": "scoring"' in document.text
    assert console.wait("h1").text == "Standard scoring scheme"


def test_a_form_template_shows_its_form_from_its_schema(console: Console) -> None:
    # given an employee reading the self-review form template
    console.sign_in_as(EMPLOYEE)
    console.open("/templates/self-review/1")
    console.wait("[data-form=self-review] input[type=radio]")
    # then its form is rendered from the template's answers schema and UI hints,
    # labelled in English: the rating as radio buttons (ui:widget), in ui:order
    labels = form_labels(console, "self-review")
    assert "Meets expectations" in labels
    assert labels.index("Overall self-rating") < labels.index("Key achievements")
    assert console.all("[data-form=self-review] textarea")
    console.screenshot("form-preview")
    # and in Chinese after the switch
    console.choose_language("zh-CN")
    console.wait_until(lambda _: "总体自评" in form_labels(console, "self-review"))


def test_a_pasted_token_signs_in_and_a_bad_one_is_refused(console: Console) -> None:
    # given the sign-in page, when a bad token is pasted
    console.open("/")
    console.wait("[data-test=token-input]").send_keys("not-a-token")
    console.wait("[data-test=token-submit]").click()
    # then the page stays and says why
    assert "the token is not valid" in console.wait(".signin .error").text
    # when a token from the identity provider (here: perfloop's own) is pasted
    token = issue_token(load_settings(), "demo", EMPLOYEE)
    console.wait("[data-test=token-input]").send_keys(token)
    console.wait("[data-test=token-submit]").click()
    # then the employee is signed in
    assert "Employee" in console.wait("[data-test=who]").text
