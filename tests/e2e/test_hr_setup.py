"""HR's setup pages in a real browser (conftest.py's shared server): HR makes an app
template of its own from the built-in app in the template editor (an error shown at its
JSON pointer on the way), assembles an app from it with live-checked parameters, opens a
cycle with it and moves it a stage on; the org chart lists units and their people and
shows an error next to its field.

Everything this writes is new and its own (the app key `e2e-performance`, its install,
its cycle), so the demo's quarter and the other browser tests are untouched."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from support.browser import Console

HR = "hr@demo.perfloop.dev"
APP_KEY = "e2e-performance"
CYCLE_KEY = "e2e-monthly"
#: January of next year: a month to come, so its planning deadline has not passed
NEXT_YEAR = dt.date.today().year + 1
MONTH = f"{NEXT_YEAR}-01"
#: a guard that holds only once the planning stage's deadline has passed (it has not:
#: the cycle opened is for a month to come)
GUARD = {
    "key": "planning-over",
    "check": "deadline-passed",
    "stage": "planning",
    "message": {
        "zh-CN": "计划阶段的截止日期尚未到。",
        "en": "The planning deadline has not passed yet.",
    },
    "override": {"roles": ["hr"], "reasonRequired": True},
}


def set_text(console: Console, css: str, text: str) -> None:
    """Replace a textarea's or input's value as typing would (an input event)."""
    console.driver.execute_script(
        "const box = document.querySelector(arguments[0]); box.value = arguments[1];"
        "box.dispatchEvent(new Event('input', {bubbles: true}));",
        css,
        text,
    )


def type_into(console: Console, css: str, text: str) -> None:
    box = console.wait(css)
    box.clear()
    box.send_keys(text)


def editor_document(console: Console) -> dict:
    return json.loads(console.wait("[data-test=editor]").get_attribute("value"))


def publish_copy(console: Console, source: str, change: Callable[[dict], None]) -> str:
    """Copy SOURCE (key/version) in the template editor, change its document, publish it;
    the published reference."""
    console.open(f"/templates/{source}/copy")
    document = editor_document(console)
    change(document)
    set_text(console, "[data-test=editor]", json.dumps(document, indent=2, ensure_ascii=False))
    console.wait("[data-test=publish]").click()
    return str(console.wait("[data-test=published]").text)


def with_guard(document: dict) -> None:
    document["key"] = CYCLE_KEY
    next(s for s in document["stages"] if s["key"] == "sign-off")["guards"] = [GUARD]


def own_app(document: dict) -> None:
    document["key"] = APP_KEY
    document["components"]["cycles"] = [f"{CYCLE_KEY}@1", "quarterly-review@1"]


def publish_own_app_template(console: Console) -> None:
    """HR copies the built-in app in the template editor, meets an error at its pointer,
    fixes it and publishes the copy as APP_KEY@1."""
    navs = [a.get_attribute("data-nav") for a in console.all("nav a")]
    assert {"/apps", "/org", "/cycles"} <= set(navs)
    # when HR starts a template of the company's own from the built-in app
    console.open("/templates/standard-performance/2")
    console.wait("[data-test=copy]").click()
    document = editor_document(console)
    assert document["key"] == "standard-performance-custom"
    # and gives it a key that breaks the rules, then validates
    document["key"] = "Bad Key"
    text = json.dumps(document, indent=2, ensure_ascii=False)
    set_text(console, "[data-test=editor]", text)
    console.wait("[data-test=validate]").click()
    problem = console.wait("[data-test=problems] li[data-pointer='/key']")
    # then the problem is listed with its pointer, at the line of the key, marked there
    key_line = text.split("\n").index('  "key": "Bad Key",') + 1
    assert problem.get_attribute("data-line") == str(key_line)
    assert "schema" in problem.text
    marked = console.all(".code-editor .gutter .bad")
    assert [m.text for m in marked] == [str(key_line)]
    console.screenshot("template-editor")
    # and a click on it selects that line in the editor
    problem.find_element(By.CSS_SELECTOR, "button").click()
    selected = console.driver.execute_script(
        "const box = document.querySelector('[data-test=editor]');"
        "return box.value.slice(box.selectionStart, box.selectionEnd);"
    )
    assert selected == '  "key": "Bad Key",'
    # when the key is fixed, the app bundles a cycle template of the company's own (a
    # copy of monthly-review with a guard), and the copy is published
    assert f"{CYCLE_KEY}@1" in publish_copy(console, "monthly-review/1", with_guard)
    published = publish_copy(console, "standard-performance/2", own_app)
    # then it is the company's version 1 of the new key
    assert f"{APP_KEY}@1" in published


def choose_option(console: Console, css: str, containing: str) -> None:
    select = Select(console.wait(css))
    console.wait_until(lambda _: any(containing in o.text for o in select.options))
    select.select_by_visible_text(next(o.text for o in select.options if containing in o.text))


def problem_pointers(console: Console) -> list[str]:
    return [
        li.get_attribute("data-pointer") for li in console.all("[data-test=parameter-problems] li")
    ]


def test_hr_edits_a_template_assembles_an_app_and_opens_a_cycle(console: Console) -> None:
    # given HR, whose nav has the setup pages
    console.sign_in_as(HR)
    # when HR makes an app template of the company's own (a template error on the way)
    publish_own_app_template(console)
    # and opens the app assembly
    console.open("/apps")
    console.wait("[data-test=installed-apps]")
    # when HR chooses it, the parameter form is rendered from its schema
    choose_option(console, "select[data-test=app-template]", f"({APP_KEY}@1)")
    kpi = console.wait("[data-form=parameters] input[name='root[section_weights][kpi]']")
    assert kpi.get_attribute("value") == "70"
    # and a weight changed so the section weights no longer add up is flagged as typed
    kpi.clear()
    kpi.send_keys("60")
    kpi.send_keys("\t")
    console.wait("[data-test=parameter-problems] li[data-pointer='/section_weights']")
    assert (
        "Section weights must add up to 100." in console.wait("[data-test=parameter-problems]").text
    )
    assert not console.wait("[data-test=install]").is_enabled()
    console.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    console.screenshot("app-assembly")
    # when the other weight makes up the difference
    review = console.wait("[data-form=parameters] input[name='root[section_weights][review]']")
    review.clear()
    review.send_keys("40")
    review.send_keys("\t")
    # then the browser's and the API's checks pass and it installs, with the changes
    console.wait("[data-test=parameters-valid]")
    assert problem_pointers(console) == []
    console.wait("[data-test=install]").click()
    installed = console.wait("[data-test=installed]").text
    assert f"{APP_KEY}@1" in installed
    row = console.wait_until(
        lambda _: next(
            (r for r in console.all("[data-test=installed-apps] tr") if APP_KEY in r.text), None
        )
    )
    assert '"kpi":60' in row.text
    assert '"review":40' in row.text

    # when HR opens a cycle of it for a quarter, which its monthly template refuses
    console.open("/cycles")
    choose_option(console, "select[data-test=open-app]", f"{APP_KEY}@1")
    choose_option(console, "select[data-test=open-template]", f"{CYCLE_KEY}@1")
    type_into(console, "input[data-test=open-period]", f"{NEXT_YEAR}-Q1")
    console.wait("[data-test=open]").click()
    # then the error is next to the period
    error = console.wait("[data-test=open-period] ~ .error, [data-test=open-cycle] .error")
    assert f"{NEXT_YEAR}-Q1 is a quarter" in error.text
    # and a month opens it, showing its stages with the first one current
    type_into(console, "input[data-test=open-period]", MONTH)
    console.wait("[data-test=open]").click()
    console.wait("[data-test=stages] tbody tr")
    stages = [r.get_attribute("data-stage") for r in console.all("[data-test=stages] tbody tr")]
    assert stages[:3] == ["planning", "sign-off", "execution"]
    assert console.wait("tr.current").get_attribute("data-stage") == "planning"
    # when HR moves it on, the guard that fails is shown next to the button, with why
    console.wait("[data-test=advance-button]").click()
    blocked = console.wait("[data-test=blocked-by] li[data-guard=planning-over]")
    assert "The planning deadline has not passed yet." in blocked.text
    assert "has not passed" in blocked.text
    console.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    console.screenshot("cycle")
    # in the chosen language
    console.choose_language("zh-CN")
    console.wait_until(
        lambda _: "计划阶段的截止日期尚未到。" in console.wait("[data-test=blocked-by]").text
    )
    # and HR may override it with a reason: the next stage is current
    type_into(console, "input[data-test=override-reason]", "E2E: plans are ready early")
    console.wait("[data-test=override]").click()
    console.wait_until(
        lambda _: console.wait("tr.current").get_attribute("data-stage") == "sign-off"
    )
    # and the cycle list shows it open
    console.open("/cycles")
    console.wait("[data-test=cycles] tbody tr")
    rows = [r.text for r in console.all("[data-test=cycles] tbody tr")]
    assert any(APP_KEY in row and MONTH in row for row in rows), rows


def test_the_org_chart_shows_units_and_their_people(console: Console) -> None:
    console.sign_in_as(HR)
    console.open("/org")
    console.wait("[data-test=org-tree] [data-unit=sales]").click()
    console.wait_until(lambda _: "sales" in console.wait("[data-test=unit-title]").text)
    console.wait("[data-test=members] tbody tr")
    assert console.wait("[data-test=org-import]")
    console.screenshot("org-chart")
    # a code another unit has is refused, next to the code field
    type_into(console, "[data-test=unit-edit-code]", "hr")
    console.wait("[data-test=unit-edit-submit]").click()
    error = console.wait("[data-test=unit-edit] label:has([data-field=code]) .error")
    assert "'hr' is taken" in error.text


def test_hr_adds_a_unit_and_a_person_in_it(console: Console) -> None:
    # given HR on the company's unit
    console.sign_in_as(HR)
    console.open("/org")
    console.wait("[data-test=org-tree] [data-unit=hq]").click()
    # when HR adds a department under it (a unit of this test's own)
    type_into(console, "[data-test=unit-new-code]", "e2e-dept")
    type_into(console, "[data-test=unit-new-name]", "端到端测试部")
    type_into(console, "[data-test=unit-new-nameEn]", "E2E Department")
    Select(console.wait("[data-test=unit-new-kind]")).select_by_value("department")
    console.wait("[data-test=unit-new-submit]").click()
    # then the tree has it, and it can be opened
    console.wait("[data-test=org-tree] [data-unit=e2e-dept]").click()
    console.wait_until(lambda _: "e2e-dept" in console.wait("[data-test=unit-title]").text)
    # and a position there (the demo's people hold positions outside the catalogue)
    type_into(console, "[data-test=position-new-code]", "e2e-tester")
    type_into(console, "[data-test=position-new-name]", "E2E Tester")
    console.wait("[data-test=position-new-submit]").click()
    choose_option(console, "select[data-test=person-new-position]", "E2E Tester")
    # when HR adds a person with an email that is no address
    type_into(console, "[data-test=person-new-employeeNo]", "E9901")
    type_into(console, "[data-test=person-new-name]", "测试员")
    type_into(console, "[data-test=person-new-email]", "not-an-email")
    type_into(console, "[data-test=person-new-grade]", "P3")
    set_text(console, "[data-test=person-new-hireDate]", "2026-01-15")
    console.wait("[data-test=person-new-submit]").click()
    # then the error is next to the email
    error = console.wait("[data-test=person-new] label:has([data-field=email]) .error")
    assert "not an email address" in error.text
    # and with an address the person is added to the unit
    type_into(console, "[data-test=person-new-email]", "e2e.person@demo.perfloop.dev")
    console.wait("[data-test=person-new-submit]").click()
    row = console.wait("[data-test=members] tr[data-employee=E9901]")
    assert "测试员" in row.text
    assert "E2E Tester" in row.text
    # and a change to them is saved
    row.find_element(By.CSS_SELECTOR, "button").click()
    type_into(console, "[data-test=person-edit-grade]", "P4")
    console.wait("[data-test=person-edit-submit]").click()
    console.wait_until(
        lambda _: "P4" in console.wait("[data-test=members] tr[data-employee=E9901]").text
    )
