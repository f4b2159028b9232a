"""Malformed documents of every kind: each problem comes back with a pointer and a code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfloop.templates import TemplateError, TemplateErrorCode, validate_document

Resolver = Callable[[str, int], Mapping[str, Any] | None]
Documents = dict[tuple[str, int], dict[str, Any]]
Code = TemplateErrorCode


def problems(document: object, resolver: Resolver) -> list[tuple[str, Code]]:
    return [(e.pointer, e.code) for e in validate_document(document, resolver)]


# --- any kind -------------------------------------------------------------


def test_a_document_must_be_an_object(resolver: Resolver) -> None:
    assert problems([], resolver) == [("", Code.INVALID_JSON)]


def test_kind_is_required(resolver: Resolver) -> None:
    assert problems({"key": "x"}, resolver) == [("", Code.SCHEMA)]


def test_unknown_kind_names_the_known_ones(resolver: Resolver) -> None:
    # when
    errors = validate_document({"kind": "report", "key": "x", "version": 1}, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [("/kind", Code.UNKNOWN_KIND)]
    assert "kpi-library" in errors[0].message


def test_header_errors_point_at_their_field(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("self-review", 1)]
    document["key"] = "Self Review"
    document["version"] = 0
    document["title"] = {"en": "Self review"}
    document["colour"] = "blue"
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("", Code.SCHEMA),
        ("/key", Code.SCHEMA),
        ("/title", Code.SCHEMA),
        ("/version", Code.SCHEMA),
    ]
    assert "'colour' was unexpected" in errors[0].message
    assert "lower-case letters" in errors[1].message  # the pattern's description explains it
    assert "'zh-CN' is a required property" in errors[2].message


def test_errors_are_sorted_in_document_order(documents: Documents, resolver: Resolver) -> None:
    # given: indicators 2 and 10 both broken; 10 must sort after 2
    document = documents[("sales-kpis", 1)]
    document["indicators"] += [dict(document["indicators"][0], key=f"extra_{i}") for i in range(3)]
    document["indicators"][10]["direction"] = "up"
    document["indicators"][2]["period"] = "week"
    # when
    pointers = [e.pointer for e in validate_document(document, resolver)]
    # then
    assert pointers == ["/indicators/2/period", "/indicators/10/direction"]


def test_error_reads_as_pointer_code_message() -> None:
    error = TemplateError("/indicators/0/unit", Code.SCHEMA, "'unit' is a required property")
    assert str(error) == "/indicators/0/unit: [schema] 'unit' is a required property"
    assert str(TemplateError("", Code.SCHEMA, "x")) == "/: [schema] x"


# --- kpi-library ------------------------------------------------------------


def test_kpi_structure(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("sales-kpis", 1)]
    del document["indicators"][0]["unit"]
    document["indicators"][1]["source"] = {"type": "dataset", "dataset": "sales-orders@1"}
    document["indicators"][2]["source"]["type"] = "magic"
    document["indicators"][3]["key"] = "new-customers"  # not usable as a formula name
    document["indicators"][4]["source"] = {
        "type": "dataset",
        "dataset": "sales-orders@1",
        "op": "sum",
    }
    # then
    assert problems(document, resolver) == [
        ("/indicators/0", Code.SCHEMA),
        ("/indicators/1/source", Code.SCHEMA),
        ("/indicators/2/source/type", Code.SCHEMA),
        ("/indicators/3/key", Code.SCHEMA),
        ("/indicators/4/source", Code.SCHEMA),
    ]


def test_kpi_filter_in_needs_a_list(documents: Documents, resolver: Resolver) -> None:
    document = documents[("sales-kpis", 1)]
    document["indicators"][0]["source"]["filter"] = [
        {"field": "status", "op": "in", "value": "paid"}
    ]
    assert problems(document, resolver) == [("/indicators/0/source/filter/0/value", Code.SCHEMA)]


def test_kpi_dataset_source_uses_real_fields(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("sales-kpis", 1)]
    revenue = document["indicators"][0]["source"]
    revenue["field"] = "amout"
    revenue["filter"].append({"field": "colour", "op": "eq", "value": "red"})
    revenue["filter"][0]["value"] = "payed"  # not one of the status values
    document["indicators"][1]["source"].update(op="avg", field="region")  # not numeric
    document["indicators"][3]["source"]["dateField"] = "region"  # not a date
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/indicators/0/source/field", Code.UNKNOWN_FIELD),
        ("/indicators/0/source/filter/0/value", Code.FIELD_TYPE),
        ("/indicators/0/source/filter/1/field", Code.UNKNOWN_FIELD),
        ("/indicators/1/source/field", Code.FIELD_TYPE),
        ("/indicators/3/source/dateField", Code.FIELD_TYPE),
    ]
    assert "has no field 'amout'" in errors[0].message


def test_kpi_unknown_dataset_reference(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("service-kpis", 1)]
    document["indicators"][0]["source"]["dataset"] = "support-tickets@7"
    document["indicators"][1]["source"]["dataset"] = "self-review@1"
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/indicators/0/source/dataset", Code.UNKNOWN_REFERENCE),
        ("/indicators/1/source/dataset", Code.KIND_MISMATCH),
    ]
    assert errors[0].message == "no template support-tickets@7 exists"


def test_kpi_duplicate_indicator_key(documents: Documents, resolver: Resolver) -> None:
    document = documents[("hr-kpis", 1)]
    document["indicators"][4]["key"] = "headcount"
    assert problems(document, resolver) == [("/indicators/4/key", Code.DUPLICATE_KEY)]


def test_kpi_formula_names_other_indicators(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("sales-kpis", 1)]
    document["indicators"][2]["source"]["formula"] = (
        "IF(paid_order = 0, NULL, revenue / paid_order)"
    )
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [("/indicators/2/source/formula", Code.FORMULA)]
    assert "paid_order" in errors[0].message


def test_kpi_formula_must_parse(documents: Documents, resolver: Resolver) -> None:
    document = documents[("rd-kpis", 1)]
    document["indicators"][2]["source"]["formula"] = "IF(projects_delivered = 0, NULL"
    assert problems(document, resolver) == [("/indicators/2/source/formula", Code.FORMULA)]


def test_kpi_formulas_may_not_depend_on_themselves(
    documents: Documents, resolver: Resolver
) -> None:
    # given: average_deal_size reads paid_orders, which now reads average_deal_size
    document = documents[("sales-kpis", 1)]
    document["indicators"][1]["source"] = {"type": "formula", "formula": "average_deal_size * 2"}
    # when
    errors = validate_document(document, resolver)
    # then
    assert [(e.pointer, e.code) for e in errors] == [
        ("/indicators/1/source/formula", Code.CIRCULAR_REFERENCE)
    ]
    assert "paid_orders → average_deal_size → paid_orders" in errors[0].message


# --- dataset -------------------------------------------------------------------


def test_dataset_roles_name_required_fields(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("sales-orders", 1)]
    document["subjectField"] = "salesperson"
    document["dateField"] = "amount"
    document["records"]["required"].remove("order_id")
    # then
    assert problems(document, resolver) == [
        ("/dateField", Code.FIELD_TYPE),
        ("/keyField", Code.FIELD_TYPE),
        ("/subjectField", Code.UNKNOWN_FIELD),
    ]


def test_dataset_records_are_flat(documents: Documents, resolver: Resolver) -> None:
    document = documents[("projects", 1)]
    document["records"]["properties"]["tags"] = {
        "type": "array",
        "x-title": {"zh-CN": "标签", "en": "Tags"},
    }
    assert problems(document, resolver) == [("/records/properties/tags", Code.FIELD_TYPE)]


def test_dataset_invalid_embedded_schema(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("support-tickets", 1)]
    document["records"]["properties"]["csat_stars"]["minimum"] = "one"
    document["records"]["required"] = "ticket_id"
    # then
    assert problems(document, resolver) == [
        ("/records/properties/csat_stars/minimum", Code.INVALID_JSON_SCHEMA),
        ("/records/required", Code.INVALID_JSON_SCHEMA),
    ]


def test_embedded_schema_must_be_self_contained(documents: Documents, resolver: Resolver) -> None:
    document = documents[("projects", 1)]
    document["records"]["properties"]["name"]["$ref"] = "https://example.com/name.json"
    assert problems(document, resolver) == [
        ("/records/properties/name/$ref", Code.INVALID_JSON_SCHEMA)
    ]


def test_dataset_fields_need_bilingual_titles(documents: Documents, resolver: Resolver) -> None:
    # given
    document = documents[("sales-orders", 1)]
    del document["records"]["properties"]["region"]["x-title"]
    document["records"]["properties"]["status"]["x-enum-titles"].pop()
    # then
    assert problems(document, resolver) == [
        ("/records/properties/region", Code.I18N),
        ("/records/properties/status/x-enum-titles", Code.I18N),
    ]
