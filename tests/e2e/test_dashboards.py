"""The dashboards page draws its charts from the API in each reader's scope (HR the
company, a team lead their team), and HR checks an org chart file on the imports
page (a dry run: nothing is stored, so the shared server is unchanged)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from selenium.webdriver.support.ui import Select

from support.browser import Console

HR = "hr@demo.perfloop.dev"
LEAD = "sales-north.lead@demo.perfloop.dev"
CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = ["工号", "姓名", "邮箱", "部门编码", "部门名称", "部门类型", "上级部门编码",
          "职位", "职级", "入职日期"]  # fmt: skip
GOOD = ["E2E-001", "测试员工", "e2e.one@demo.perfloop.dev", "e2e-team", "测试组", "team", "hq",
        "Analyst", "P3", "2026-03-01"]  # fmt: skip
BAD = ["E2E-002", "测试员工二", "e2e.two@demo.perfloop.dev", "e2e-team", "测试组", "team", "hq",
       "Analyst", "P3", "10/15/2026"]  # fmt: skip


def chart_data(console: Console, name: str) -> Any:
    """The data of the chart drawn on canvas[data-chart=name], once drawn."""
    return console.wait_until(
        lambda d: d.execute_script(
            f"const c = document.querySelector('canvas[data-chart={name}]');"
            "const chart = c && window.Chart && Chart.getChart(c);"
            "return chart ? chart.data : null;"
        )
    )


def numbers(dataset: dict[str, Any]) -> list[float]:
    return [v for v in dataset["data"] if isinstance(v, (int, float))]


def indicator_labels(console: Console) -> list[str]:
    """The labels of the chart by indicator, which has a completion to show."""
    indicators = chart_data(console, "indicators")
    assert numbers(indicators["datasets"][0])
    labels: list[str] = indicators["labels"]
    return labels


def choose_cycle(console: Console, period: str) -> None:
    picker = Select(console.wait("select[data-test=cycle-picker]"))
    picker.select_by_visible_text(next(o.text for o in picker.options if o.text.startswith(period)))


def org_chart(path: Path, *rows: list[str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    for row in (HEADER, *rows):
        sheet.append(row)
    book.save(path)
    return path


def test_hr_sees_every_chart_with_the_companys_data_in_both_languages(console: Console) -> None:
    # when HR opens the dashboards (the open quarter: no results yet) and goes to the
    # closed quarter's (published results) from the distribution's button
    console.sign_in_as(HR)
    console.wait("nav a[data-nav='/dashboards']").click()
    console.wait("[data-test=closed-cycle]").click()
    console.wait("canvas[data-chart=distribution]")
    picker = Select(console.wait("select[data-test=cycle-picker]"))
    assert picker.first_selected_option.text.startswith("2026-Q3")
    # then the distribution stacks a dataset per band over the company's departments
    distribution = chart_data(console, "distribution")
    assert len(distribution["labels"]) >= 3
    assert {d["label"] for d in distribution["datasets"]} >= {"A", "B"}
    assert sum(sum(numbers(d)) for d in distribution["datasets"]) > 0
    # completion by indicator is labelled with the indicators' titles, not their keys
    labels = indicator_labels(console)
    assert "Sales revenue" in labels
    assert "revenue" not in labels
    # progress against plan per unit, next to the time elapsed
    progress = chart_data(console, "progress")
    assert progress["labels"]
    assert numbers(progress["datasets"][1])
    assert console.wait("[data-test=behind]").text.strip() != ""
    # the trend of the company has a point per cycle with a mean total
    trend = chart_data(console, "trend")
    assert len(trend["labels"]) >= 1
    assert numbers(trend["datasets"][1])
    console.screenshot("dashboards-en")
    # and in Chinese the charts say the titles in Chinese
    console.choose_language("zh-CN")
    console.wait_until(lambda _: "销售收入" in chart_data(console, "indicators")["labels"])
    assert all(CJK.search(label) for label in chart_data(console, "distribution")["labels"])
    console.screenshot("dashboards-zh")
    # one department: its own teams only
    Select(console.wait("select[data-test=unit-picker]")).select_by_visible_text("销售部")
    console.wait_until(lambda _: "研发部" not in chart_data(console, "progress")["labels"])
    assert "华北销售组" in chart_data(console, "progress")["labels"]
    assert "华北销售组" in chart_data(console, "distribution")["labels"]


def test_a_team_lead_sees_their_teams_charts(console: Console) -> None:
    # when the north sales lead opens the dashboards of the closed quarter
    console.sign_in_as(LEAD)
    console.open("/dashboards")
    choose_cycle(console, "2026-Q3")
    # then the charts hold their team's numbers only: the sales indicators
    labels = indicator_labels(console)
    assert "Sales revenue" in labels
    assert "Time to hire" not in labels
    distribution = chart_data(console, "distribution")
    assert distribution["datasets"]
    assert 0 < sum(sum(numbers(d)) for d in distribution["datasets"]) <= 10
    # and no imports page in their nav
    assert not console.all("nav a[data-nav='/imports']")


def test_hr_checks_an_org_chart_before_importing_it(console: Console, tmp_path: Path) -> None:
    console.sign_in_as(HR)
    console.wait("nav a[data-nav='/imports']").click()
    upload = console.wait("[data-import=org] input[type=file]")
    # a good file: the check counts what the import would do, and stores nothing
    upload.send_keys(str(org_chart(tmp_path / "good.xlsx", GOOD)))
    console.wait("button[data-test=check]").click()
    console.wait("[data-test=outcome][data-dry-run=true]")
    counts = {e.get_attribute("data-count"): e.text for e in console.all("[data-count]")}
    assert counts["rows"].startswith("1")
    assert counts["employeesCreated"].startswith("1")
    assert counts["unitsCreated"].startswith("1")
    assert console.wait("button[data-test=import]").is_enabled()
    # a file with a bad date: the row error names the row and the column
    upload.send_keys(str(org_chart(tmp_path / "bad.xlsx", GOOD, BAD)))
    assert not console.wait("button[data-test=import]").is_enabled()
    console.wait("button[data-test=check]").click()
    row = console.wait("[data-test=row-errors] tr[data-row='3']")
    assert console.wait("[data-test=outcome][data-dry-run=true] [data-test=verdict]").text == (
        "The file has problems: nothing was stored"
    )
    assert "hire_date" in row.text
    assert "10/15/2026" in row.text
    assert not console.wait("button[data-test=import]").is_enabled()
    console.screenshot("imports")
    # the message in Chinese after the switch
    console.choose_language("zh-CN")
    console.wait_until(
        lambda _: CJK.search(console.wait("[data-test=row-errors] tr[data-row='3']").text)
    )


def test_hr_checks_a_dataset_file(console: Console, tmp_path: Path) -> None:
    # given a CSV of two sales orders, the second with a negative amount
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,owner_email,customer_id,order_date,amount,status,deal_type,region\n"
        "E2E-1,employee@demo.perfloop.dev,C1,2026-10-02,100,paid,new,north\n"
        "E2E-2,employee@demo.perfloop.dev,C2,2026-10-03,-5,paid,new,north\n",
        encoding="utf-8",
    )
    console.sign_in_as(HR)
    console.open("/imports")
    # when HR checks it as sales orders (a dry run: nothing is stored)
    console.wait("button[data-tab=dataset]").click()
    option = "select[data-test=dataset] option[value='sales-orders@1']"
    console.wait_until(lambda _: console.all(option))
    Select(console.wait("select[data-test=dataset]")).select_by_value("sales-orders@1")
    console.wait("[data-import=dataset] input[type=file]").send_keys(str(orders))
    console.wait("button[data-test=check]").click()
    # then the counts and the row the import would refuse
    console.wait("[data-test=outcome][data-dry-run=true]")
    counts = {e.get_attribute("data-count"): e.text for e in console.all("[data-count]")}
    assert counts["received"].startswith("2")
    assert counts["invalidRows"].startswith("1")
    row = console.wait("[data-test=row-errors] tr[data-row='3']")
    assert "amount" in row.text
    assert not console.wait("button[data-test=import]").is_enabled()
