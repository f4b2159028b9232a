"""What each formula of a `scoring` template can see.

Each formula in a scoring template runs in one *context*: the names it may
read, described as a variables schema for compile(). The parameter values
(the template's `parameters.defaults`, overridden by an app's settings) are
visible everywhere as the constant record `params` (`params.cap`,
`params.section_weights.kpi`). The pointers are JSON pointers into the
template document.
"""

from __future__ import annotations

from typing import Any, Final

_NUM: Final = {"type": ["number", "null"]}
_TEXT: Final = {"type": ["string", "null"]}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "additionalProperties": False}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


#: One scorecard item as the caller gives it.
ITEM_FIELDS: Final = {
    "key": _TEXT,
    "actual": _NUM,
    "target": _NUM,
    "direction": {"type": ["string", "null"], "enum": ["higher", "lower", "closest", None]},
    "weight": _NUM,
}
ITEM: Final = _obj(**ITEM_FIELDS)
ITEM_WITH_COMPLETION: Final = _obj(**ITEM_FIELDS, completion=_NUM)
SCORED_ITEM: Final = _obj(**ITEM_FIELDS, completion=_NUM, score=_NUM)
RATING: Final = _obj(rater=_TEXT, score=_NUM)
RELATION: Final = _obj(relation=_TEXT, weight=_NUM, score=_NUM, raters=_NUM)
SECTION: Final = _obj(key=_TEXT, weight=_NUM, score=_NUM)
PERIOD: Final = _obj(
    period=_TEXT,
    weight=_NUM,
    total=_NUM,
    kpi=_NUM,
    review=_NUM,
    completion=_NUM,
    rating=_TEXT,
    multiplier=_NUM,
)
#: Open record for extra inputs a scheme may use (attendance, a manager's adjustment...).
INPUTS: Final = {"type": "object"}

_RESULTS: Final = {"kpi": _NUM, "review": _NUM, "completion": _NUM}

CONTEXTS: Final[dict[str, dict[str, Any]]] = {
    "params": _obj(),
    "item": ITEM,
    "item-scored": ITEM_WITH_COMPLETION,
    "weights-item": ITEM,
    "weights-scorecard": _obj(items=_list(ITEM)),
    "scorecard": _obj(items=_list(SCORED_ITEM)),
    "relation": _obj(relation=_TEXT, ratings=_list(RATING)),
    "review": _obj(relations=_list(RELATION)),
    "section": _obj(**_RESULTS, items=_list(SCORED_ITEM), relations=_list(RELATION), inputs=INPUTS),
    "total": _obj(**_RESULTS, sections=_list(SECTION), inputs=INPUTS),
    "rating": _obj(**_RESULTS, total=_NUM, inputs=INPUTS),
    "multiplier": _obj(**_RESULTS, total=_NUM, rating=_TEXT, inputs=INPUTS),
    "amount": _obj(
        **_RESULTS, total=_NUM, rating=_TEXT, multiplier=_NUM, bonus_base=_NUM, inputs=INPUTS
    ),
    "annual": _obj(periods=_list(PERIOD)),
    "period-rule": _obj(periods=_list(PERIOD), annual=_NUM),
    "award": _obj(
        **_RESULTS,
        total=_NUM,
        rating=_TEXT,
        multiplier=_NUM,
        tenure_days=_NUM,
        employee_no=_TEXT,
    ),
}

#: Where the formulas of a scoring template live, and the context of each.
#: "*" stands for every index of an array.
FORMULA_PLACES: Final = (
    ("/item/completion", "item"),
    ("/item/score", "item-scored"),
    ("/weights/rules/*/rule", "weights-*"),  # scope "item" or "scorecard"
    ("/completion", "scorecard"),
    ("/kpi", "scorecard"),
    ("/review/relations/*/weight", "params"),
    ("/review/relationScore", "relation"),
    ("/review/score", "review"),
    ("/sections/*/weight", "params"),
    ("/sections/*/score", "section"),
    ("/total", "total"),
    ("/rating/formula", "rating"),
    ("/incentive/multiplier", "multiplier"),
    ("/incentive/amount", "amount"),
    ("/periods/annual", "annual"),
    ("/periods/rules/*/rule", "period-rule"),
    ("/awards/*/rank", "award"),
    ("/awards/*/eligible", "award"),
    ("/awards/*/tieBreak/*/value", "award"),
)


def names_of(context: str) -> list[str]:
    return list(CONTEXTS[context]["properties"])
