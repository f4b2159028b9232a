"""Reading a date from a cell.

Accepted (:data:`DATE_FORMS`), and nothing else:

* text ``2026-10-15``, ``2026/10/15``, ``2026.10.15`` — month and day may have
  one digit (``2026-1-5``), the separators must agree;
* text ``2026年10月15日`` or ``2026年1月5日`` (spaces around the parts allowed);
* text ``20261015`` (eight digits), or that number in a cell;
* an .xlsx date cell (``datetime.date``; a ``datetime.datetime`` gives its
  date, its time of day dropped);
* an Excel serial number in a *number* cell (``46310`` is 2026-10-15): the
  days since 1899-12-30 in Excel's 1900 date system, 1 to 2958465
  (1900-01-01 to 9999-12-31; 60, Excel's fictitious 1900-02-29, is refused),
  a fraction (the time of day) dropped. A sheet where a date column lost its
  date format shows such numbers. Serial numbers written as *text* (in a CSV)
  are refused: ``45000`` in a text file is more likely a mistake than a date.

Text is NFKC-normalised first, so full-width digits and separators
(``２０２６／１０／１５``) are read too. A blank cell (``None``, ``""``, spaces)
is ``None``: whether it may be blank is the caller's rule.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Final

from perfloop.tabular.errors import ValueProblem

__all__ = ["DATE_FORMS", "DATE_FORMS_ZH", "parse_date"]

DATE_FORMS: Final = (
    "2026-10-15, 2026/10/15, 2026.10.15 (month and day may have one digit: 2026-1-5), "
    "2026年10月15日, 20261015, a date cell, or an Excel date serial number in a number cell"
)
DATE_FORMS_ZH: Final = (
    "2026-10-15、2026/10/15、2026.10.15（月、日可为一位数：2026-1-5）、"
    "2026年10月15日、20261015、日期单元格，或数字单元格中的 Excel 日期序列号"
)

_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EPOCH: Final = dt.date(1899, 12, 30)
_LAST_SERIAL: Final = 2958465  # 9999-12-31


def _problem(value: object, why: str = "", why_zh: str = "") -> ValueProblem:
    return ValueProblem(
        f"{value!r} is not a date{why}; accepted: {DATE_FORMS}",
        f"“{value}”不是日期{why_zh}；可用的格式：{DATE_FORMS_ZH}",
    )


def _date(value: object, year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _problem(value, " (no such day)", "（不存在这一天）") from None


def _serial(value: int | float) -> dt.date:
    if value != value or not 1 <= value < _LAST_SERIAL + 1 or int(value) == 60:
        raise _problem(value, " (not a date serial number)", "（不是日期序列号）")
    days = int(value)
    # Excel counts a 1900-02-29 that never was: serials before it are one day later
    return _EPOCH + dt.timedelta(days=days + 1 if days < 60 else days)


def parse_date(value: object) -> dt.date | None:
    """The date a cell holds, ``None`` when blank; raises
    :class:`~perfloop.tabular.errors.ValueProblem` (a ``ValueError``) naming
    the accepted forms."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _problem(value)
    if isinstance(value, int | float):
        if isinstance(value, int) or value.is_integer():
            compact = _COMPACT.fullmatch(str(int(value)))
            if compact:
                return _date(value, *compact.groups())
        return _serial(value)
    if not isinstance(value, str):
        raise _problem(value)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return None
    match = _SEPARATED.fullmatch(text) or _CHINESE.fullmatch(text) or _COMPACT.fullmatch(text)
    if match is None:
        raise _problem(value)
    groups = match.groups()
    year, month, day = (groups[0], groups[2], groups[3]) if len(groups) == 4 else groups
    return _date(value, year, month, day)
