"""The readable explanation, from the engine's own explanation trees: which rule of a
template's item score applied, said in both languages, for formulas other than the
standard one's."""

from __future__ import annotations

from typing import Any

from perfloop.engine import ScoringScheme, explain_scorecard
from perfloop.services.results.explain import explain, labels_of
from perfloop.templates import load_builtin_templates


def _scheme(item_score: str) -> ScoringScheme:
    builtin = load_builtin_templates().get("standard-scoring", 1)
    assert builtin is not None
    document = dict(builtin.document)
    document["item"] = {**document["item"], "score": item_score}
    return ScoringScheme(document, {})


def _explained(scheme: ScoringScheme, items: list[dict[str, Any]], lang: str) -> Any:
    trees = explain_scorecard(scheme, items)
    stored = {
        "items": [
            {"key": i["key"], "completion": i["completion"].to_dict(),
             "score": i["score"].to_dict()}
            for i in trees["items"]
        ],
        "labels": labels_of(scheme.template),
    }  # fmt: skip
    inputs = {"items": [{**i, "title": i["key"].upper()} for i in items], "relations": []}
    return explain(
        stored, inputs, lang=lang, parameters=scheme.parameters,
        kpi=None, review=None, total=None, rating=None, multiplier=None,
    )  # fmt: skip


def _item(key: str, actual: float | None) -> dict[str, Any]:
    return {"key": key, "actual": actual, "target": 100, "direction": "higher", "weight": 50}


def test_a_min_cap_and_a_max_floor_are_named_with_their_values() -> None:
    # given a template that caps with MIN and floors with MAX over a parameter
    scheme = _scheme("MAX(MIN(completion * 100, params.cap), 30)")
    # when items over the cap and under the floor are explained
    said = _explained(scheme, [_item("hi", 200), _item("lo", 10)], "en")
    rules = {i.key: i.rules for i in said.items}
    # then each names the bound that applied and its value
    assert rules["hi"] == ["completion * 100 = 200 → capped at Item score cap = 120"]
    assert rules["lo"] == [
        "MIN(completion * 100, params.cap) = 10 → raised to the floor of 30 = 30"
    ]


def test_an_if_names_the_branch_taken_and_an_item_without_actual_says_so() -> None:
    # given a template whose IF takes a computed branch
    scheme = _scheme("IF(completion >= 1, 100 + (completion - 1) * 50, completion * 100)")
    # when an item over target and one without an actual are explained in Chinese
    said = _explained(scheme, [_item("over", 120), _item("none", None)], "zh-CN")
    rules = {i.key: i.rules for i in said.items}
    # then the branch and its value are said, and the missing actual is named
    assert rules["over"] == [
        "completion >= 1 (完成率 = 1.2): 成立, 因此取 100 + (completion - 1) * 50 = 110"
    ]
    assert rules["none"] == ["尚无实际值，未计分"]
