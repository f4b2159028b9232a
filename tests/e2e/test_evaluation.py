"""HR's evaluation pages in a real browser (pages/eval-*.js): a scoring run
followed live to 100 %, the calibration chart and the what-if with the demo's
numbers, an appeal with its trail and feedback meeting, the payout list, and
lib/jobs.js following a job over the socket and by polling.

Everything runs on the closed quarter (cycle 1 of the demo), where it changes
nothing the other browser tests read: a scoring run there leaves every published
result standing (the same inputs give the same results: all "unchanged"), the
calibration view, a refused move (blank reason) and the what-if write nothing.
"""

from __future__ import annotations

from typing import Any

from selenium.webdriver.support.ui import Select

from support.browser import Console

HR = "hr@demo.perfloop.dev"
CLOSED_QUARTER = "1"


def chart_data(console: Console, name: str) -> Any:
    return console.wait_until(
        lambda d: d.execute_script(
            "const c = document.querySelector(`canvas[data-chart='${arguments[0]}']`);"
            "const chart = c && window.Chart && Chart.getChart(c);"
            "return chart ? chart.data : null;",
            name,
        )
    )


def test_hr_runs_scoring_and_follows_it_to_100_percent(console: Console) -> None:
    # given HR, whose nav holds the evaluation pages
    console.sign_in_as(HR)
    nav = [a.get_attribute("data-nav") for a in console.all("nav a")]
    assert {
        "/evaluation/scoring",
        "/evaluation/calibration",
        "/evaluation/whatif",
        "/evaluation/appeals",
        "/evaluation/payouts",
    } <= set(nav)
    # when HR runs the scoring of the closed quarter
    console.open(f"/evaluation/scoring/{CLOSED_QUARTER}")
    console.wait("[data-test=results] tbody tr")
    console.wait("[data-test=start-scoring]").click()
    # then the progress reaches 100 %, followed over the jobProgress subscription
    progress = console.wait_until(
        lambda _: next(
            (
                e
                for e in console.all("[data-test=job-progress]")
                if e.get_attribute("data-status") in ("SUCCEEDED", "FAILED")
            ),
            None,
        ),
        timeout=60,
    )
    assert progress.get_attribute("data-status") == "SUCCEEDED"
    assert progress.get_attribute("data-via") == "socket"
    assert console.wait("[data-test=job-share]").text == "100%"
    done, total = console.wait("[data-test=job-parts]").text.split(" parts")[0].split(" of ")
    assert done == total != "0"
    # and nothing changed: every published result stands
    counts = {
        e.get_attribute("data-count"): e.text.split(": ")[1] for e in console.all("[data-count]")
    }
    assert counts["scored"] == "0"
    assert counts["failed"] == "0"
    people = console.wait("[data-test=results-count]").text
    assert people == f"{counts['unchanged']} people"
    assert int(counts["unchanged"]) > 40
    console.screenshot("evaluation-scoring")


def test_hr_sees_the_calibration_chart_and_a_move_needs_a_reason(console: Console) -> None:
    console.sign_in_as(HR)
    console.open(f"/evaluation/calibration/{CLOSED_QUARTER}")
    # the distribution of the company's bands, in per cent of the rated people
    data = chart_data(console, "calibration")
    assert data["labels"] == ["S", "A", "B", "C", "D"]
    shares = data["datasets"][0]["data"]
    assert abs(sum(shares) - 100) < 0.5
    # and per department: one bar per department, a dataset per band
    units = chart_data(console, "calibration-units")
    assert len(units["labels"]) == 6
    assert [d["label"] for d in units["datasets"]] == ["S", "A", "B", "C", "D"]
    console.screenshot("evaluation-calibration")
    # when HR moves someone without a reason, the refusal is next to the reason
    console.wait("[data-band=B] [data-test=move]").click()
    form = console.wait("[data-test=move-form]")
    Select(form.find_element("css selector", "[data-field=rating]")).select_by_value("C")
    form.find_element("css selector", "button.primary").click()
    error = console.wait(
        "[data-test=move-form] [data-field=reason] ~ .error, [data-test=move-form] .error"
    )
    assert "reason" in error.text.lower()


def test_hr_tries_a_what_if_without_saving(console: Console) -> None:
    console.sign_in_as(HR)
    console.open(f"/evaluation/whatif/{CLOSED_QUARTER}")
    area = console.wait("textarea[data-field=parameters]")
    assert "rating_bands" in area.get_attribute("value")
    # a lower bar for an A: more people are A, the totals stay
    area.clear()
    area.send_keys(
        '{"rating_bands": [{"band": "S", "min_score": 95}, {"band": "A", "min_score": 75},'
        ' {"band": "B", "min_score": 70}, {"band": "C", "min_score": 60},'
        ' {"band": "D", "min_score": 0}]}'
    )
    console.wait("[data-test=run-whatif]").click()
    data = chart_data(console, "whatif")
    before, after = (d["data"] for d in data["datasets"])
    assert sum(before) == sum(after) > 40
    a = data["labels"].index("A")
    assert after[a] > before[a]
    assert console.all("[data-test=movers] tbody tr")
    console.screenshot("evaluation-whatif")


def test_hr_reads_a_decided_appeal_with_its_trail(console: Console) -> None:
    console.sign_in_as(HR)
    console.open("/evaluation/appeals")
    Select(console.wait("select[data-test=appeal-status]")).select_by_value("DECIDED")
    console.wait("[data-test=appeals] tbody tr")
    adjusted = [
        row for row in console.all("[data-test=appeals] tbody tr") if "Adjusted" in row.text
    ]
    assert adjusted
    adjusted[0].find_element("css selector", "a").click()
    console.wait("[data-test=appeal-result] tbody tr")
    trail = [e.text for e in console.all("[data-test=appeal-trail] li")]
    assert [line.split(" · ")[0] for line in trail] == ["Filed", "Assigned", "Decided"]
    assert console.wait("[data-test=appeal-answers]").text
    change = console.wait("[data-test=appeal-change]").text
    assert "Total" in change
    console.screenshot("evaluation-appeal")
    # and the upheld one (employee@'s) with the feedback meeting their lead recorded
    console.open("/evaluation/appeals")
    Select(console.wait("select[data-test=appeal-status]")).select_by_value("DECIDED")
    console.wait("[data-test=appeals] tbody tr")
    upheld = [row for row in console.all("[data-test=appeals] tbody tr") if "Upheld" in row.text]
    upheld[0].find_element("css selector", "a").click()
    meeting = console.wait("[data-test=feedback-meetings] [data-meeting]")
    assert not console.all("[data-test=appeal-change]")
    assert len(meeting.find_elements("css selector", "ul li")) == 2
    assert console.all("[data-test=feedback-form]")


def test_hr_reads_the_payout_list_with_unit_totals(console: Console) -> None:
    console.sign_in_as(HR)
    console.open(f"/evaluation/payouts/{CLOSED_QUARTER}")
    console.wait("[data-test=payout-units] tbody tr")
    assert console.wait("[data-test=payout-status]").text == "Approved"
    assert len(console.all("[data-test=payout-units] tbody tr")) > 6
    assert len(console.all("[data-test=payout-lines] tbody tr")) > 40
    assert console.all("[data-test=export-xlsx]")
    console.screenshot("evaluation-payouts")


def follow_job(console: Console, job: str, *, socket: bool) -> Any:
    """followJob (lib/jobs.js) in the page: each state it delivers, and how."""
    return console.driver.execute_async_script(
        "const [job, socket, done] = arguments;"
        "import(new URL('console/lib/jobs.js', location.href).href).then((jobs) => {"
        "  const seen = [];"
        "  jobs.followJob(job, (state, via) => {"
        "    seen.push({status: state && state.status, done: state && state.done, via});"
        "    if (jobs.jobEnded(state)) done(seen);"
        "  }, {socket, onError: (e) => done([{error: String(e)}])});"
        "});",
        job,
        socket,
    )


def test_following_a_job_over_the_socket_or_by_polling(console: Console) -> None:
    # the demo's first job (a scoring run of the closed quarter) has ended
    console.sign_in_as(HR)
    console.driver.set_script_timeout(20)
    by_socket = follow_job(console, "1", socket=True)
    by_polling = follow_job(console, "1", socket=False)
    assert by_socket == [{"status": "SUCCEEDED", "done": by_socket[0]["done"], "via": "socket"}]
    assert by_polling == [{"status": "SUCCEEDED", "done": by_socket[0]["done"], "via": "poll"}]
    # a job the caller may not read (or none) ends the following at once, with null
    assert follow_job(console, "999999", socket=True) == [
        {"status": None, "done": None, "via": "socket"}
    ]
