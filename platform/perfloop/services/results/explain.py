"""A result's explanation, readable by the person it is about.

The numbers and the formula trees come from ``perfloop.engine.explain_scorecard``
on the result's stored inputs, scoring template and parameters, built when the
explanation is read (``reads``; results of earlier runs kept the trees in
``explanation``, which are read as they are). This module
only reads them back and says them in zh-CN or en: for each item its target,
actual, completion, score and weight and **which rule applied** — each ``IF``
of the template's item score formula with its condition, the values it read and
the branch taken, and each ``CLAMP``/``MIN``/``MAX`` that bounded the score (a
floor raised it, a cap held it down). It never evaluates a rule: what a rule
gave is the value the engine recorded in the tree.

The names a formula reads are said with the template's own titles where it has
them (``params.threshold`` → the parameter's ``x-title``) and otherwise with a
small bilingual vocabulary (``completion`` → 完成率).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from perfloop.services.plans import Provenance

LANGS = ("zh-CN", "en")

#: words of the readable explanation, per language
_WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "completion": "完成率",
        "actual": "实际值",
        "target": "目标值",
        "weight": "权重",
        "score": "得分",
        "direction": "方向",
        "total": "总分",
        "kpi": "KPI 部分",
        "review": "评估部分",
        "yes": "成立",
        "no": "不成立",
        "then": "因此取",
        "cap": "封顶为",
        "floor": "保底为",
        "within": "在上下限之内",
        "no_actual": "尚无实际值，未计分",
        "raters": "位评价人",
        "hidden": "评价人数不足，按匿名规则不单独显示",
        "no_raters": "无评价",
        "rating": "等级",
        "multiplier": "奖金系数",
        "item_line": "{title}：目标 {target}{unit}，实际 {actual}{unit}，完成率 {completion}，"
        "得分 {score}，权重 {weight}%",
        "relation_line": "{relation}（权重 {weight}%）：{raters} {raters_word}，得分 {score}",
        "total_line": "KPI 部分 {kpi}，评估部分 {review}，总分 {total}",
        "rating_line": "等级 {rating}{title}，奖金系数 {multiplier}",
        "calibration_line": "校准：{by} 于 {at} 将等级由 {before} 调整为 {after}"
        "（奖金系数 {m_before} → {m_after}），理由：{reason}",
        "appeal_line": "申诉复核：{by} 于 {at} 将等级由 {before} 调整为 {after}"
        "（奖金系数 {m_before} → {m_after}），理由：{reason}",
        "provenance": "实际值来自 {provider}",
        "params": "参数 {params}",
        "data": "数据 {start}..{end}",
        "data_to": "数据截至 {end}",
        "datasets": "数据集 {datasets}",
        "sep": "，",
    },
    "en": {
        "completion": "completion",
        "actual": "actual",
        "target": "target",
        "weight": "weight",
        "score": "score",
        "direction": "direction",
        "total": "total",
        "kpi": "KPI part",
        "review": "review part",
        "yes": "holds",
        "no": "does not hold",
        "then": "so",
        "cap": "capped at",
        "floor": "raised to the floor of",
        "within": "within its floor and cap",
        "no_actual": "no actual yet, not scored",
        "raters": "rater(s)",
        "hidden": "too few raters: not shown on its own (anonymity)",
        "no_raters": "no ratings",
        "rating": "rating",
        "multiplier": "bonus multiplier",
        "item_line": "{title}: target {target}{unit}, actual {actual}{unit}, "
        "completion {completion}, score {score}, weight {weight}%",
        "relation_line": "{relation} (weight {weight}%): {raters} {raters_word}, score {score}",
        "total_line": "KPI part {kpi}, review part {review}, total {total}",
        "rating_line": "rating {rating}{title}, bonus multiplier {multiplier}",
        "calibration_line": "calibrated by {by} on {at}: rating {before} → {after} "
        "(bonus multiplier {m_before} → {m_after}), because: {reason}",
        "appeal_line": "on appeal, {by} on {at}: rating {before} → {after} "
        "(bonus multiplier {m_before} → {m_after}), because: {reason}",
        "provenance": "actual from {provider}",
        "params": "params {params}",
        "data": "data {start}..{end}",
        "data_to": "data up to {end}",
        "datasets": "datasets {datasets}",
        "sep": ", ",
    },
}
_RELATIONS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "self": "自评",
        "manager": "上级评价",
        "peer": "互评",
        "subordinate": "下级评价",
        "customer": "客户评价",
    },
    "en": {
        "self": "Self review",
        "manager": "Manager review",
        "peer": "Peer review",
        "subordinate": "Subordinate review",
        "customer": "Customer feedback",
    },
}
_NAME = re.compile(r"^[^\W\d][\w.]*$", re.UNICODE)
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@dataclass(frozen=True)
class ItemExplanation:
    key: str
    title: str
    unit: str | None
    target: float | None
    actual: float | None
    completion: float | None
    score: float | None
    weight: float | None
    #: which rules of the item's score formula applied, as sentences
    rules: list[str] = field(default_factory=list)
    line: str = ""
    #: where a computed actual came from, in one sentence (None: entered by hand)
    provenance: str | None = None


@dataclass(frozen=True)
class RelationExplanation:
    relation: str
    label: str
    weight: float | None
    raters: int
    score: float | None
    #: an anonymous relation with fewer raters than its minimum, shown to its subject
    hidden: bool
    line: str = ""


@dataclass(frozen=True)
class CalibrationExplanation:
    """One move of the rating by calibration: from, to, why, who, when."""

    before: str | None
    after: str
    multiplier_before: float | None
    multiplier_after: float | None
    reason: str
    by: str
    at: str
    line: str = ""


@dataclass(frozen=True)
class Explanation:
    lang: str
    items: list[ItemExplanation]
    relations: list[RelationExplanation]
    kpi: float | None
    review: float | None
    total: float | None
    rating: str | None
    rating_title: str | None
    multiplier: float | None
    #: the whole explanation as sentences, in order
    lines: list[str]
    #: the template's formulas as the engine explained them (text, value, children)
    tree: Mapping[str, Any]
    #: the calibrations that moved the rating, oldest first
    calibrations: list[CalibrationExplanation] = field(default_factory=list)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{round(value, 4):g}"
    if isinstance(value, dict) and "error" in value:
        return str(value["error"])
    return str(value)


def _title(item: Mapping[str, Any], lang: str) -> str:
    """An item's title in ``lang``: its ``titles`` (results scored since plan items keep
    both languages), else the one ``title`` it had (the zh-CN one, or the assigner's)."""
    titles = item.get("titles")
    if isinstance(titles, Mapping):
        found = titles.get(lang) or titles.get("zh-CN") or titles.get("en")
        if found:
            return str(found)
    return str(item.get("title") or "")


def _provenance(item: Mapping[str, Any], lang: str) -> str | None:
    """Where the item's actual came from (``plans.Provenance``), said in ``lang``:
    provider and version, parameters, the data range and the datasets read."""
    found = Provenance.of(item.get("provenance"))
    if found is None:
        return None
    words = _WORDS[lang]
    who = found.provider + (f" {found.version}" if found.version else "")
    parts = [words["provenance"].format(provider=who)]
    if found.params:
        params = json.dumps(found.params, ensure_ascii=False, sort_keys=True)
        parts.append(words["params"].format(params=params))
    if found.data_to is not None:
        end = found.data_to.isoformat()
        parts.append(
            words["data"].format(start=found.data_from.isoformat(), end=end)
            if found.data_from is not None
            else words["data_to"].format(end=end)
        )
    if found.datasets:
        parts.append(words["datasets"].format(datasets=", ".join(found.datasets)))
    return words["sep"].join(parts)


def _percent(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{round(value * 100, 2):g}%"
    return _fmt(value)


def _label(name: str, lang: str, labels: Mapping[str, Mapping[str, str]]) -> str:
    if name in labels:
        titles = labels[name]
        return titles.get(lang) or titles.get("en") or name
    return _WORDS[lang].get(name, name)


_PARAM = re.compile(r"\bparams(?:\.[^\W\d]\w*)+", re.UNICODE)


def _param(name: str, parameters: Mapping[str, Any]) -> Any:
    """The value of ``params.a.b`` among the parameters the scheme was built with."""
    value: Any = parameters
    for part in name.split(".")[1:]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _args(text: str) -> list[str]:
    """The top-level arguments of a call's text: ``F(a, G(b, c))`` → ``["a", "G(b, c)"]``."""
    opened = text.find("(")
    if opened < 0 or not text.rstrip().endswith(")"):
        return []
    body, out, depth, quote, start = text[opened + 1 : text.rstrip().rfind(")")], [], 0, "", 0
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(body[start:i].strip())
            start = i + 1
    out.append(body[start:].strip())
    return out


class _Reader:
    """Values and words for one item's explanation tree."""

    def __init__(
        self, lang: str, labels: Mapping[str, Mapping[str, str]], parameters: Mapping[str, Any]
    ) -> None:
        self.lang, self.labels, self.parameters = lang, labels, parameters

    def label(self, name: str) -> str:
        return _label(name, self.lang, self.labels)

    def value_of(self, text: str, kids: Sequence[Mapping[str, Any]]) -> tuple[bool, Any]:
        """The value an argument had: a child explained it, a parameter, or a literal."""
        for kid in kids:
            if str(kid.get("text", "")).strip() == text:
                return True, kid.get("value")
        if _PARAM.fullmatch(text):
            return True, _param(text, self.parameters)
        try:
            return True, float(text)
        except ValueError:
            return False, None

    def names(self, text: str, node: Mapping[str, Any] | None) -> str:
        """The names an expression read, with their values: ``完成率 = 0.55``."""
        found: list[str] = []

        def walk(n: Mapping[str, Any]) -> None:
            t = str(n.get("text", "")).strip()
            if not n.get("children") and _NAME.match(t) and not t.startswith("params."):
                said = f"{self.label(t)} = {_fmt(n.get('value'))}"
                if said not in found:
                    found.append(said)
                return
            for child in n.get("children") or []:
                walk(child)

        if node is not None:
            walk(node)
        for name in _PARAM.findall(text):
            said = f"{self.label(name)} = {_fmt(_param(name, self.parameters))}"
            if said not in found:
                found.append(said)
        return ", ".join(found)


def _rules(
    tree: Mapping[str, Any] | None,
    lang: str,
    labels: Mapping[str, Mapping[str, str]],
    parameters: Mapping[str, Any],
) -> list[str]:
    """The rules an item's score formula applied, read off its explanation tree."""
    if not tree:
        return []
    words = _WORDS[lang]
    read = _Reader(lang, labels, parameters)
    out: list[str] = []

    def walk(node: Mapping[str, Any]) -> None:
        text = str(node.get("text", ""))
        kids = list(node.get("children") or [])
        call = _CALL.match(text)
        name = call.group(1).upper() if call else ""
        args = _args(text) if name else []
        if name == "IF" and len(args) >= 2:
            cond = next((k for k in kids if str(k.get("text", "")).strip() == args[0]), None)
            held = cond.get("value") if cond is not None else None
            verdict = words["yes"] if held is True else words["no"]
            taken = args[1] if held is True else (args[2] if len(args) > 2 else "FALSE")
            said = read.names(args[0], cond)
            where = f" ({said})" if said else ""
            out.append(
                f"{args[0]}{where}: {verdict}, {words['then']} {taken} = {_fmt(node.get('value'))}"
                if taken.strip() != _fmt(node.get("value"))
                else f"{args[0]}{where}: {verdict}, {words['then']} {taken}"
            )
        elif name in ("CLAMP", "MIN", "MAX") and len(args) >= 2:
            value = node.get("value")
            known, first = read.value_of(args[0], kids)
            if known and value != first:
                bound = next(
                    (a for a in args[1:] if read.value_of(a, kids) == (True, value)), args[-1]
                )
                kind = "cap" if _less(value, first) else "floor"
                out.append(
                    f"{args[0]} = {_fmt(first)} → {words[kind]} {read.label(bound)} = {_fmt(value)}"
                )
            elif known and name == "CLAMP":
                out.append(f"{args[0]} = {_fmt(first)}: {words['within']}")
        for kid in kids:
            walk(kid)

    walk(tree)
    return out


def _less(a: Any, b: Any) -> bool:
    try:
        return bool(a < b)
    except TypeError:
        return False


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def explain(
    stored: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    lang: str,
    hidden: Sequence[str] = (),
    parameters: Mapping[str, Any] | None = None,
    kpi: float | None,
    review: float | None,
    total: float | None,
    rating: str | None,
    multiplier: float | None,
    calibrations: Sequence[Mapping[str, Any]] = (),
) -> Explanation:
    """The stored explanation of a result, said in ``lang``; the relations named in
    ``hidden`` (anonymous ones below their minimum, to their subject) show no score.
    ``calibrations`` (the result's, oldest first) each add a line after the rating."""
    lang = lang if lang in LANGS else "en"
    words = _WORDS[lang]
    labels: Mapping[str, Mapping[str, str]] = stored.get("labels") or {}
    trees = {str(i.get("key")): i for i in stored.get("items") or []}
    items: list[ItemExplanation] = []
    lines: list[str] = []
    for item in inputs.get("items") or []:
        key = str(item.get("key"))
        tree = trees.get(key) or {}
        completion = _number((tree.get("completion") or {}).get("value"))
        score = _number((tree.get("score") or {}).get("value"))
        unit = item.get("unit") or ""
        item_title = _title(item, lang) or key
        line = words["item_line"].format(
            title=item_title,
            target=_fmt(item.get("target")),
            actual=_fmt(item.get("actual")),
            unit=f" {unit}" if unit else "",
            completion=_percent(completion),
            score=_fmt(score),
            weight=_fmt(item.get("weight")),
        )
        provenance = _provenance(item, lang)
        settings = {**(parameters or {}), **(item.get("params") or {})}
        rules = (
            _rules(tree.get("score"), lang, labels, settings)
            if item.get("actual") is not None
            else [words["no_actual"]]
        )
        items.append(
            ItemExplanation(
                key=key, title=item_title, unit=item.get("unit"),
                target=_number(item.get("target")), actual=_number(item.get("actual")),
                completion=completion, score=score, weight=_number(item.get("weight")),
                rules=rules, line=line, provenance=provenance,
            )
        )  # fmt: skip
        lines.append(line)
        if provenance is not None:
            lines.append(f"  · {provenance}")
        lines.extend(f"  · {r}" for r in rules)
    relations: list[RelationExplanation] = []
    for rel in inputs.get("relations") or []:
        name = str(rel.get("relation"))
        is_hidden = name in hidden
        raters = int(rel.get("raters") or 0)
        score = None if is_hidden else _number(rel.get("score"))
        label = _RELATIONS[lang].get(name, name)
        if raters == 0:
            line = f"{label}: {words['no_raters']}"
        elif is_hidden:
            line = f"{label}: {words['hidden']}"
        else:
            line = words["relation_line"].format(
                relation=label, weight=_fmt(rel.get("weight")), raters=raters,
                raters_word=words["raters"], score=_fmt(score),
            )  # fmt: skip
        relations.append(
            RelationExplanation(
                relation=name, label=label, weight=_number(rel.get("weight")), raters=raters,
                score=score, hidden=is_hidden, line=line,
            )
        )  # fmt: skip
        lines.append(line)
    lines.append(words["total_line"].format(kpi=_fmt(kpi), review=_fmt(review), total=_fmt(total)))
    bands: Mapping[str, Mapping[str, str]] = stored.get("bands") or {}
    band = bands.get(rating or "") or {}
    title = band.get(lang) or band.get("en")
    lines.append(
        words["rating_line"].format(
            rating=_fmt(rating), title=f"（{title}）" if title and lang == "zh-CN" else
            (f" ({title})" if title else ""), multiplier=_fmt(multiplier),
        )
    )  # fmt: skip
    moves = []
    for c in calibrations:
        move = CalibrationExplanation(
            before=c.get("from"), after=str(c.get("to")),
            multiplier_before=_number(c.get("multiplierFrom")),
            multiplier_after=_number(c.get("multiplierTo")), reason=str(c.get("reason") or ""),
            by=str(c.get("byName") or ""), at=str(c.get("at") or ""),
        )  # fmt: skip
        # a move an appeal's decision made (services/results/adjust.py) says so
        line = words["appeal_line" if c.get("appeal") else "calibration_line"].format(
            by=move.by, at=move.at[:10], before=_fmt(move.before), after=move.after,
            m_before=_fmt(move.multiplier_before), m_after=_fmt(move.multiplier_after),
            reason=move.reason,
        )  # fmt: skip
        moves.append(replace(move, line=line))
        lines.append(line)
    tree = {
        k: stored.get(k) for k in ("items", "kpi", "completion", "total", "rating", "multiplier")
    }
    return Explanation(
        lang=lang, items=items, relations=relations, kpi=kpi, review=review, total=total,
        rating=rating, rating_title=title, multiplier=multiplier, lines=lines, tree=tree,
        calibrations=moves,
    )  # fmt: skip


def labels_of(template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The bilingual titles of a scoring template's parameters, as ``params.<name>``."""
    props = ((template.get("parameters") or {}).get("schema") or {}).get("properties") or {}
    return {
        f"params.{name}": dict(spec["x-title"])
        for name, spec in props.items()
        if isinstance(spec, Mapping) and isinstance(spec.get("x-title"), Mapping)
    }


def bands_of(template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The bilingual titles of a scoring template's rating bands, by band key."""
    bands = (template.get("rating") or {}).get("bands") or []
    return {
        str(b["key"]): dict(b["title"])
        for b in bands
        if isinstance(b, Mapping) and "key" in b and isinstance(b.get("title"), Mapping)
    }


__all__ = [
    "LANGS",
    "CalibrationExplanation",
    "Explanation",
    "ItemExplanation",
    "RelationExplanation",
    "bands_of",
    "explain",
    "labels_of",
]
