"""The appeal rules a cycle template gives: the form, the reviewer and the window (by
the appeal stage, or ``windowDays`` after publication)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from perfloop.services.appeals import rules_of
from perfloop.services.appeals.rules import check_window
from perfloop.services.core.errors import ServiceError
from perfloop.store.cycles import Cycle
from perfloop.templates import load_builtin_templates, validate_document

PUBLISHED = dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC)


def _cycle(stage: str, status: str = "open") -> Cycle:
    return Cycle(stage_key=stage, status=status)


def _window(error: pytest.ExceptionInfo[ServiceError]) -> tuple[str, tuple[str, ...], str | None]:
    e = error.value.errors[0]
    return e.code.value, e.path, e.detail


@pytest.mark.parametrize("key", ["quarterly-review", "monthly-review"])
def test_the_builtins_appeal_stage_is_the_window_and_the_managers_manager_decides(
    key: str,
) -> None:
    # given a built-in cycle template (no `appeals` block)
    template = load_builtin_templates().get(key, 1)
    assert template is not None
    rules = rules_of(template.document)
    # then its appeal stage's form, the manager's manager, no window in days
    assert (rules.form, rules.reviewer, rules.window_days, rules.stages) == (
        "appeal@1", "manager-of-manager", None, ("appeal",),
    )  # fmt: skip
    # and appeals are filed at that stage only, while the cycle is open
    check_window(_cycle("appeal"), rules, PUBLISHED, dt.date(2027, 1, 1))
    for cycle in (_cycle("results"), _cycle("improvement"), _cycle("appeal", "closed")):
        with pytest.raises(ServiceError) as error:
            check_window(cycle, rules, PUBLISHED, dt.date(2026, 10, 11))
        assert _window(error) == ("INVALID", ("cycle",), "appeal.window")


def test_window_days_count_from_publication_whatever_the_stage() -> None:
    # given a template whose appeals are open 10 days after publication, decided by HR
    template = {
        "stages": [{"key": "results", "phase": "results"}, {"key": "closed", "phase": "closed"}],
        "appeals": {"reviewer": "hr", "windowDays": 10, "form": "appeal@1"},
    }
    rules = rules_of(template)
    assert (rules.reviewer, rules.window_days, rules.stages) == ("hr", 10, ())
    # then an appeal on the 10th day after publication is in time, on the 11th not
    check_window(_cycle("results"), rules, PUBLISHED, dt.date(2026, 10, 20))
    with pytest.raises(ServiceError) as error:
        check_window(_cycle("results"), rules, PUBLISHED, dt.date(2026, 10, 21))
    assert _window(error) == ("INVALID", ("cycle",), "appeal.window")
    assert "2026-10-20" in error.value.errors[0].message


def test_a_template_without_an_appeal_stage_or_window_offers_no_appeals() -> None:
    rules = rules_of({"stages": [{"key": "results", "phase": "results"}]})
    with pytest.raises(ServiceError) as error:
        check_window(_cycle("results"), rules, PUBLISHED, dt.date(2026, 10, 11))
    assert "offers no appeals" in error.value.errors[0].message


def test_the_cycle_meta_schema_takes_an_appeals_block_and_names_a_bad_one() -> None:
    # given the built-in quarterly template with an `appeals` block
    registry = load_builtin_templates()
    builtin = registry.get("quarterly-review", 1)
    assert builtin is not None

    def resolve(key: str, version: int) -> Any:
        found = registry.get(key, version)
        return found.document if found is not None else None

    document = {**copy.deepcopy(dict(builtin.document)), "key": "quarterly-appeals"}
    document["appeals"] = {"reviewer": "hr", "windowDays": 14, "form": "appeal@1"}
    # then it validates; an unknown reviewer rule is an error at its pointer
    assert validate_document(document, resolve) == []
    document["appeals"]["reviewer"] = "the-ceo"
    errors = validate_document(document, resolve)
    assert [e.pointer for e in errors] == ["/appeals/reviewer"]
