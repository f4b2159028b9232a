"""Formulas and scoring schemes are checked by perfloop.engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

import perfloop.engine
from perfloop.templates import TemplateError, TemplateErrorCode, validate_document
from perfloop.templates._context import Context
from perfloop.templates.checks import scoring

Resolver = Callable[[str, int], Mapping[str, Any] | None]
Documents = dict[tuple[str, int], dict[str, Any]]


def test_formula_is_compiled_by_the_engine(documents: Documents, resolver: Resolver) -> None:
    # given: an unknown function, which only a real compiler notices
    document = documents[("service-kpis", 1)]
    document["indicators"][6]["source"]["formula"] = "RATIO(complaints, tickets_received)"
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/indicators/6/source/formula", TemplateErrorCode.FORMULA)
    ]
    assert "line 1, column 1" in errors[0].message


def test_engine_suggests_a_close_indicator_name(documents: Documents, resolver: Resolver) -> None:
    document = documents[("hr-kpis", 1)]
    document["indicators"][2]["source"]["formula"] = "(1 - voluntary_leaver / headcount) * 100"
    [error] = validate_document(document, resolver)
    assert "did you mean" in error.message
    assert "voluntary_leavers" in error.message


def test_scoring_findings_map_to_template_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: whatever the scoring engine reports about a scheme
    def fake_check(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [
            ("/bands/0", "weights", "bands overlap"),
            ("/items", "odd", "strange"),
            ("/total", "arity", "ROUND takes 1 or 2 arguments"),
        ]

    monkeypatch.setattr(perfloop.engine, "check_scoring_template", fake_check, raising=False)
    context = Context(resolver=lambda key, version: None)
    # when
    scoring.check({"kind": "scoring"}, context)
    # then
    assert context.errors == [
        TemplateError("/bands/0", TemplateErrorCode.WEIGHTS, "bands overlap"),
        TemplateError("/items", TemplateErrorCode.SCORING, "[odd] strange"),
        TemplateError("/total", TemplateErrorCode.FORMULA, "[arity] ROUND takes 1 or 2 arguments"),
    ]


def test_the_builtin_scoring_scheme_is_checked_by_the_engine(documents: Documents) -> None:
    # given
    document = documents[("standard-scoring", 1)]
    document["total"] = "SUM(sections, weight * scor)"
    # when
    errors = validate_document(document)
    # then
    assert [(e.pointer, e.code) for e in errors] == [("/total", TemplateErrorCode.FORMULA)]
    assert "did you mean 'score'" in errors[0].message
