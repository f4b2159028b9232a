"""Template values, checksums, app parameters, localisation and the public surface."""

from __future__ import annotations

import json
from typing import Any

import pytest

import perfloop.templates
from perfloop.templates import (
    Template,
    TemplateErrorCode,
    checksum,
    format_ref,
    localize,
    merge_parameters,
    parse_ref,
)

Documents = dict[tuple[str, int], dict[str, Any]]


def test_checksum_is_stable_across_key_order(documents: Documents) -> None:
    # given
    document = documents[("sales-kpis", 1)]
    reordered = json.loads(json.dumps(document, sort_keys=True))
    reversed_keys = dict(reversed(list(document.items())))
    # then
    assert checksum(document) == checksum(reordered) == checksum(reversed_keys)
    assert checksum(document) == Template.from_document(reversed_keys).checksum


def test_checksum_changes_with_content(documents: Documents) -> None:
    document = documents[("appeal", 1)]
    before = checksum(document)
    document["filledBy"] = ["self", "hr"]
    assert checksum(document) != before


def test_template_value_is_a_private_copy(documents: Documents) -> None:
    # given
    document = documents[("check-in", 1)]
    template = Template.from_document(document)
    # when
    document["title"]["en"] = "changed"
    # then
    assert template.title["en"] == "Check-in"
    assert template.ref == "check-in@1"
    assert template != Template.from_document(document)  # the checksum differs now


def test_refs_parse_and_format() -> None:
    assert parse_ref("sales-kpis@12") == ("sales-kpis", 12)
    assert parse_ref("sales-kpis") is None
    assert parse_ref("sales-kpis@0") is None
    assert format_ref("sales-kpis", 3) == "sales-kpis@3"


def test_app_parameters_merge_overrides_into_defaults(documents: Documents) -> None:
    # given
    app = documents[("standard-performance", 1)]
    # when
    values, errors = merge_parameters(app, {"section_weights": {"kpi": 60, "review": 40}})
    # then
    assert errors == []
    assert values["section_weights"] == {"kpi": 60, "review": 40}
    assert values["rater_weights"]["manager"] == 50


def test_app_parameter_overrides_are_checked(documents: Documents) -> None:
    # given
    app = documents[("standard-performance", 1)]
    # when
    _, weights = merge_parameters(app, {"rater_weights": {"self": 30}})
    _, schema = merge_parameters(app, {"section_weights": {"kpi": 120}, "colour": "red"})
    # then
    assert [(e.pointer, e.code) for e in weights] == [("/rater_weights", TemplateErrorCode.WEIGHTS)]
    assert "Rater weights must add up to 100" in weights[0].message
    assert [(e.pointer, e.code) for e in schema] == [
        ("", TemplateErrorCode.INVALID_PARAMETERS),
        ("/section_weights/kpi", TemplateErrorCode.INVALID_PARAMETERS),
    ]


def test_localize_makes_a_form_renderable(documents: Documents) -> None:
    # given
    form = documents[("check-in", 1)]
    # when
    en = localize(form["answers"], "en")
    zh_ui = localize(form["uiSchema"], "zh-CN")
    # then
    confidence = en["properties"]["confidence"]
    assert confidence["title"] == "Confidence"
    assert confidence["oneOf"][0] == {"const": "low", "title": "Low"}
    assert "enum" not in confidence
    assert "x-title" not in json.dumps(en)
    assert zh_ui["ui:order"][0] == "progress_summary"


def test_localize_refuses_an_unknown_locale() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        localize({}, "fr")


def test_public_surface_is_complete() -> None:
    exported = set(perfloop.templates.__all__)
    public = {
        name
        for name, value in vars(perfloop.templates).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("perfloop.")
    }
    assert public <= exported
    assert all(hasattr(perfloop.templates, name) for name in exported)
