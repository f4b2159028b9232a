"""The app template's rules for applying results, evaluated by the formula engine.

An app template may hold ``improvement`` (when a result opens an improvement plan, its
gaps, what it carries into the next cycle, when it was met) and ``lists`` (candidate
lists: when a person is on one, and why). Every condition is a formula of the template
(docs/formulas.md) compiled by ``perfloop.engine.compile`` against the names a result
gives — the text is data, never code: an unknown name or a syntax error is a
``TEMPLATE_INVALID`` error naming the rule. A condition holds only when its value is
TRUE (null — say no rating yet — or an error value does not hold).

The names a condition reads, from a published result: ``rating``, ``total``, ``kpi``
(the KPI part), ``review`` (the review part), ``multiplier`` and ``items`` (each with
``key``, ``title``, ``unit``, ``direction``, ``target``, ``actual``, ``weight``,
``completion``, ``score``, as the result stored them), and ``params`` (the parameters
of the cycle's install). A per-item formula (``gap``, a list's ``items``, ``carry.target``)
reads the item's fields as names, then the result's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from perfloop.engine import FormulaError, compile, to_json
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.templates import ITEM_RULE_VARIABLES, RESULT_ITEM_FIELDS, RESULT_RULE_VARIABLES

__all__ = ["AppRules", "CandidateRule", "ImprovementRule", "reason_text", "result_data"]

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
LANGS = ("zh-CN", "en")


def _bad(where: str, message: str) -> ServiceError:
    return ServiceError.one(
        ErrorCode.TEMPLATE_INVALID, f"app template {where}: {message}", ("cycle",), where
    )


@dataclass(frozen=True)
class Condition:
    """A compiled formula of the template and where it sits (``improvement/when``)."""

    where: str
    text: str
    per_item: bool

    def __post_init__(self) -> None:
        try:
            compile(self.text, ITEM_RULE_VARIABLES if self.per_item else RESULT_RULE_VARIABLES)
        except FormulaError as exc:
            raise _bad(self.where, str(exc)) from None

    def value(self, data: Mapping[str, Any]) -> Any:
        variables = ITEM_RULE_VARIABLES if self.per_item else RESULT_RULE_VARIABLES
        return to_json(compile(self.text, variables).evaluate(dict(data)))

    def holds(self, data: Mapping[str, Any]) -> bool:
        return self.value(data) is True

    def items(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The result's items for which this per-item condition holds."""
        return [i for i in data.get("items") or [] if self.holds({**data, **i})]


def _condition(body: Mapping[str, Any], field: str, where: str, *, per_item: bool = False) -> Any:
    text = body.get(field)
    if text is None:
        return None
    if not isinstance(text, str):
        raise _bad(f"{where}/{field}", "is not a formula")
    return Condition(f"{where}/{field}", text, per_item)


def _i18n(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {lang: str(value.get(lang) or value.get("en") or "") for lang in LANGS}
    return dict.fromkeys(LANGS, "")


@dataclass(frozen=True)
class ImprovementRule:
    form: str
    when: Condition
    gap: Condition | None
    reason: dict[str, str]
    carry_weight: float | None
    carry_target: Condition | None
    key_prefix: str
    title_prefix: dict[str, str]
    met: Condition | None

    def carry(
        self, data: Mapping[str, Any], gaps: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """The items the plan carries into the next cycle: one per gap, the carried weight
        split evenly, the target by ``carry.target`` (default the item's target)."""
        if not self.carry_weight or not gaps:
            return []
        share = round(self.carry_weight / len(gaps), 2)
        out = []
        for gap in gaps:
            target = gap.get("target")
            if self.carry_target is not None:
                target = self.carry_target.value({**data, **gap})
            given = gap.get("titles")
            named: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
            plain = gap.get("title") or gap.get("key")
            titles = {lang: f"{self.title_prefix[lang]}{named.get(lang) or plain}"
                      for lang in LANGS}  # fmt: skip
            out.append(
                {
                    "key": f"{self.key_prefix}-{gap.get('key')}"[:64],
                    "title": titles["zh-CN"],
                    "titles": titles,
                    "unit": gap.get("unit"),
                    "direction": gap.get("direction"),
                    "target": target if isinstance(target, int | float) else gap.get("target"),
                    "weight": share,
                }
            )
        if out:  # the rounding left on the first, so the carried weights add up
            out[0]["weight"] = round(self.carry_weight - share * (len(out) - 1), 2)
        return out


@dataclass(frozen=True)
class CandidateRule:
    key: str
    title: dict[str, str]
    when: Condition
    items: Condition | None
    reason: dict[str, str]
    training: bool


@dataclass(frozen=True)
class AppRules:
    improvement: ImprovementRule | None
    lists: tuple[CandidateRule, ...]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> AppRules:
        """The rules of an app template's body, every formula compiled (TEMPLATE_INVALID
        naming the first that does not)."""
        rule = body.get("improvement")
        improvement = None
        if isinstance(rule, Mapping) and rule.get("when"):
            carry: Mapping[str, Any] = rule.get("carry") or {}
            if not isinstance(carry, Mapping):
                carry = {}
            weight = carry.get("weight")
            improvement = ImprovementRule(
                form=str(rule.get("form") or "improvement-plan@1"),
                when=_condition(rule, "when", "improvement"),
                gap=_condition(rule, "gap", "improvement", per_item=True),
                reason=_i18n(rule.get("reason")),
                carry_weight=float(weight) if isinstance(weight, int | float) else None,
                carry_target=_condition(carry, "target", "improvement/carry", per_item=True),
                key_prefix=str(carry.get("keyPrefix") or "improve"),
                title_prefix=_i18n(carry.get("titlePrefix")),
                met=_condition(rule, "met", "improvement"),
            )
        lists = []
        for n, entry in enumerate(body.get("lists") or []):
            if not isinstance(entry, Mapping) or not entry.get("key") or not entry.get("when"):
                continue
            lists.append(
                CandidateRule(
                    key=str(entry["key"]),
                    title=_i18n(entry.get("title")),
                    when=_condition(entry, "when", f"lists/{n}"),
                    items=_condition(entry, "items", f"lists/{n}", per_item=True),
                    reason=_i18n(entry.get("reason")),
                    training=entry.get("training") is True,
                )
            )
        return cls(improvement, tuple(lists))


def result_data(
    *,
    rating: str | None,
    total: float | None,
    kpi: float | None,
    review: float | None,
    multiplier: float | None,
    inputs: Mapping[str, Any],
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The names a condition reads, from a stored result."""
    items = [
        {k: i.get(k) for k in RESULT_ITEM_FIELDS}
        for i in (inputs.get("items") or [])
        if isinstance(i, Mapping)
    ]
    return {
        "rating": rating, "total": total, "kpi": kpi, "review": review,
        "multiplier": multiplier, "items": items, "params": dict(params),
    }  # fmt: skip


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def reason_text(
    template: Mapping[str, str], data: Mapping[str, Any], named: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """A reason in zh-CN and en: ``{rating}``, ``{total}``, ``{kpi}``, ``{review}``,
    ``{multiplier}`` replaced by the result's values and ``{items}`` by the titles of
    the items named (plain replacement: the template's text is never run)."""
    titles = [str(i.get("title") or i.get("key")) for i in named]
    values = {k: _shown(data.get(k)) for k in ("rating", "total", "kpi", "review", "multiplier")}
    out = {}
    for lang in LANGS:
        values["items"] = ("、" if lang == "zh-CN" else ", ").join(titles) or "—"
        out[lang] = _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template.get(lang, ""))
    return out
