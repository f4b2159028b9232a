"""Dates: every accepted form, and the message that lists them."""

from __future__ import annotations

import datetime as dt

import pytest

from perfloop.tabular import DATE_FORMS, DATE_FORMS_ZH, ValueProblem, parse_date

OCT_15 = dt.date(2026, 10, 15)
JAN_5 = dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-15", OCT_15),
        ("2026/10/15", OCT_15),
        ("2026.10.15", OCT_15),
        ("2026-1-5", JAN_5),
        ("2026/1/5", JAN_5),
        ("2026.1.05", JAN_5),
        ("2026年10月15日", OCT_15),
        ("2026年1月5日", JAN_5),
        ("2026 年 1 月 5 日", JAN_5),
        ("20261015", OCT_15),
        (" 2026-10-15 ", OCT_15),
        ("２０２６／１０／１５", OCT_15),
        (20261015, OCT_15),
        (20261015.0, OCT_15),
        (OCT_15, OCT_15),
        (dt.datetime(2026, 10, 15, 17, 45), OCT_15),
        (46310, OCT_15),  # an Excel serial number in a number cell
        (46310.75, OCT_15),  # its time of day dropped
        (1, dt.date(1900, 1, 1)),
        (61, dt.date(1900, 3, 1)),
        (2958465, dt.date(9999, 12, 31)),
    ],
)
def test_accepted_forms(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_blank_cell_is_no_date(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "15/10/2026",
        "2026-10",
        "2026-10/15",
        "26-10-15",
        "2026-10-15 08:00",
        "46310",  # a serial number as text
        "2026101",
        "tomorrow",
        True,
        0,
        60,  # Excel's 1900-02-29
        -5,
        2958466,
        float("nan"),
        dt.time(8, 0),
    ],
)
def test_refused_forms_list_the_accepted_ones(value: object) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_date(value)
    assert caught.value.message.startswith(f"{value!r} is not a date")
    assert caught.value.message.endswith(f"accepted: {DATE_FORMS}")
    assert caught.value.message_zh.endswith(f"可用的格式：{DATE_FORMS_ZH}")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", ["2026-02-30", "2026年13月1日", "20260231", 20261340])
def test_days_that_do_not_exist_are_refused(value: object) -> None:
    with pytest.raises(ValueProblem, match="no such day") as caught:
        parse_date(value)
    assert "不存在这一天" in caught.value.message_zh


def test_the_message_lists_exactly_the_forms() -> None:
    assert DATE_FORMS == (
        "2026-10-15, 2026/10/15, 2026.10.15 (month and day may have one digit: 2026-1-5), "
        "2026年10月15日, 20261015, a date cell, or an Excel date serial number in a number cell"
    )
