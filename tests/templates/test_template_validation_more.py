"""Malformed forms, cycles and apps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfloop.templates import TemplateErrorCode, validate_document

Resolver = Callable[[str, int], Mapping[str, Any] | None]
Documents = dict[tuple[str, int], dict[str, Any]]
Code = TemplateErrorCode


def problems(document: object, resolver: Resolver) -> list[tuple[str, Code]]:
    return [(e.pointer, e.code) for e in validate_document(document, resolver)]


# --- form --------------------------------------------------------------------


def test_form_structure(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("self-review", 1)]
    document["filledBy"] = ["self", "boss"]
    document["purpose"] = "gossip"
    del document["uiSchema"]
    # then
    assert problems(document, resolver) == [
        ("", Code.SCHEMA),
        ("/filledBy/1", Code.SCHEMA),
        ("/purpose", Code.SCHEMA),
    ]


def test_form_invalid_answers_schema(documents: Documents, resolver: Resolver) -> None:
    document = documents[("peer-review", 1)]
    document["answers"]["properties"]["comments"]["type"] = "text"
    assert problems(document, resolver) == [
        ("/answers/properties/comments/type", Code.INVALID_JSON_SCHEMA)
    ]


def test_form_ui_and_score_name_real_fields(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("self-review", 1)]
    document["uiSchema"]["ui:order"].append("mood")
    document["uiSchema"]["feeling"] = {"ui:widget": "textarea"}
    document["uiSchema"]["challenges"]["ui:help"] = "only English"
    document["score"]["field"] = "achievements"
    # then
    assert problems(document, resolver) == [
        ("/score/field", Code.FIELD_TYPE),
        ("/uiSchema/challenges/ui:help", Code.I18N),
        ("/uiSchema/feeling", Code.UNKNOWN_FIELD),
        ("/uiSchema/ui:order/4", Code.UNKNOWN_FIELD),
    ]


def test_form_nested_fields_need_titles(documents: Documents, resolver: Resolver) -> None:
    document = documents[("improvement-plan", 1)]
    del document["answers"]["properties"]["goals"]["items"]["properties"]["measure"]["x-title"]
    assert problems(document, resolver) == [
        ("/answers/properties/goals/items/properties/measure", Code.I18N)
    ]


# --- cycle ---------------------------------------------------------------------


def test_cycle_structure(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("monthly-review", 1)]
    document["period"] = "fortnight"
    document["stages"][1]["phase"] = "party"
    document["stages"][4]["guards"][0].pop("stage")  # forms-submitted needs a stage
    document["stages"][2]["deadline"] = {"anchor": "period-end"}
    # then
    assert problems(document, resolver) == [
        ("/period", Code.SCHEMA),
        ("/stages/1/phase", Code.SCHEMA),
        ("/stages/2/deadline", Code.SCHEMA),
        ("/stages/4/guards/0", Code.SCHEMA),
    ]


def test_cycle_semantics(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("quarterly-review", 1)]
    document["stages"][1]["key"] = "planning"
    document["stages"][2]["forms"][0]["form"] = "check-up@1"
    document["stages"][3]["forms"][0]["filledBy"] = "peer"
    document["stages"][4]["guards"][0]["stage"] = "results"
    document["stages"][5]["guards"][0]["stage"] = "nowhere"
    document["stages"][7]["deadline"]["offsetDays"] = 1
    document["summary"]["weights"] = [20, 25, 25, 20]
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/stages/1/key", Code.DUPLICATE_KEY),
        ("/stages/2/forms/0/form", Code.UNKNOWN_REFERENCE),
        ("/stages/3/forms/0/filledBy", Code.RELATION),
        ("/stages/4/guards/0/stage", Code.STAGE_ORDER),
        ("/stages/5/guards/0/stage", Code.UNKNOWN_REFERENCE),
        ("/stages/7/deadline/offsetDays", Code.STAGE_ORDER),
        ("/summary/weights", Code.WEIGHTS),
    ]
    assert errors[-1].message == "weights add up to 90, not 100"


def test_cycle_summary_period_must_contain_whole_cycles(
    documents: Documents, resolver: Resolver
) -> None:
    document = documents[("quarterly-review", 1)]
    document["summary"]["period"] = "month"
    assert problems(document, resolver) == [("/summary/period", Code.PERIOD)]


def test_cycle_weighted_summary_needs_weights(documents: Documents, resolver: Resolver) -> None:
    document = documents[("quarterly-review", 1)]
    del document["summary"]["weights"]
    assert problems(document, resolver) == [("/summary", Code.SCHEMA)]


# --- app -------------------------------------------------------------------------


def test_app_structure(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("standard-performance", 1)]
    document["components"]["scoring"] = "standard-scoring"  # no version
    del document["components"]["cycles"]
    document["parameters"]["constraints"][0].pop("equals")
    # then
    assert problems(document, resolver) == [
        ("/components", Code.SCHEMA),
        ("/components/scoring", Code.SCHEMA),
        ("/parameters/constraints/0", Code.SCHEMA),
    ]


def test_app_references(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("standard-performance", 1)]
    document["components"]["forms"].remove("appeal@1")
    document["components"]["datasets"].remove("projects@1")
    document["components"]["scoring"] = "self-review@1"
    document["components"]["kpiLibraries"].append("sales-kpis@2")
    document["components"]["cycles"].append("monthly-review@1")
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/components/cycles/0", Code.NOT_BUNDLED),
        ("/components/cycles/1", Code.NOT_BUNDLED),
        ("/components/cycles/2", Code.DUPLICATE_KEY),
        ("/components/cycles/2", Code.NOT_BUNDLED),
        ("/components/kpiLibraries/1", Code.NOT_BUNDLED),
        ("/components/kpiLibraries/6", Code.DUPLICATE_KEY),
        ("/components/kpiLibraries/6", Code.UNKNOWN_REFERENCE),
        ("/components/scoring", Code.KIND_MISMATCH),
    ]
    assert "uses form appeal@1" in errors[0].message


def test_app_defaults_break_a_constraint(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("standard-performance", 1)]
    document["parameters"]["defaults"]["section_weights"]["kpi"] = 80
    document["parameters"]["defaults"]["rating_bands"][1]["min_score"] = 99
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/parameters/defaults/rating_bands", Code.INVALID_PARAMETERS),
        ("/parameters/defaults/section_weights", Code.WEIGHTS),
    ]
    assert errors[1].message.startswith("values add up to 110, not 100")


def test_app_defaults_must_fit_the_parameter_schema(
    documents: Documents, resolver: Resolver
) -> None:
    document = documents[("standard-performance", 1)]
    document["parameters"]["defaults"]["rater_weights"]["self"] = "ten"
    assert problems(document, resolver) == [
        ("/parameters/defaults/rater_weights/self", Code.INVALID_PARAMETERS)
    ]


def test_app_invalid_parameter_schema(documents: Documents, resolver: Resolver) -> None:
    document = documents[("standard-performance", 1)]
    document["parameters"]["schema"]["properties"]["min_peer_reviewers"]["type"] = "int"
    assert problems(document, resolver) == [
        ("/parameters/schema/properties/min_peer_reviewers/type", Code.INVALID_JSON_SCHEMA)
    ]


# --- scoring: the target distribution -----------------------------------------


def test_scoring_distribution_shares_and_bands(documents: Documents, resolver: Resolver) -> None:
    # given the standard scheme with a target naming a band it lacks, a band twice,
    # a min above its max, and a share above 1
    document = documents[("standard-scoring", 1)]
    document["rating"]["distribution"] = [
        {"band": "S", "max": 0.2},
        {"band": "X", "max": 0.1},
        {"band": "S", "min": 0.1},
        {"band": "D", "min": 0.3, "max": 0.1},
    ]
    # then each problem has its pointer
    found = validate_document(document, resolver)
    assert [e.pointer for e in found] == [
        "/rating/distribution/1/band",
        "/rating/distribution/2/band",
        "/rating/distribution/3/min",
    ]
    # and a share outside 0..1 is a schema error at its place
    document["rating"]["distribution"] = [{"band": "S", "max": 1.5}, {"band": "D"}]
    assert problems(document, resolver) == [
        ("/rating/distribution/0/max", Code.SCHEMA),
        ("/rating/distribution/1", Code.SCHEMA),
    ]
    # and a fitting target is valid
    document["rating"]["distribution"] = [{"band": "S", "max": 0.2}, {"band": "D", "min": 0.05}]
    assert problems(document, resolver) == []


def test_app_result_rules(documents: Documents, resolver: Resolver) -> None:
    # given the standard app's rules for applying results, broken
    document = documents[("standard-performance", 2)]
    document["improvement"]["when"] = "ratng = 'C'"
    document["improvement"]["gap"] = "completion <"
    document["improvement"]["form"] = "peer-review@2"
    document["lists"][1]["key"] = "promotion"
    document["lists"][2]["items"] = "SUMM(completion)"
    # when
    errors = validate_document(document, resolver)
    # then each is named where it is
    assert [(e.pointer, e.code) for e in errors] == [
        ("/improvement/form", Code.NOT_BUNDLED),
        ("/improvement/gap", Code.FORMULA),
        ("/improvement/when", Code.FORMULA),
        ("/lists/1/key", Code.DUPLICATE_KEY),
        ("/lists/2/items", Code.FORMULA),
    ]
    assert "did you mean 'rating'" in next(e.message for e in errors if "when" in e.pointer)
