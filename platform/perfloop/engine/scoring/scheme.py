"""Scoring schemes: a `scoring` template compiled once, then used for many scorecards.

```
ScoringScheme(template, parameters=None)
    .score(scorecard)          -> ScorecardResult (items, kpi, review, sections, total,
                                  rating, multiplier, amount)
    .check_weights(items)      -> [WeightProblem]
    .summarize(periods)        -> PeriodSummary (annual result, cross-period rules)
    .kpi_formula               one fused Formula: raw items -> KPI score, for bulk work
check_scoring_template(doc)    -> [(json_pointer, code, message)]
```

See contexts.py for what each formula sees, and docs/formulas.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from perfloop.engine.formulas.errors import FormulaError, to_json
from perfloop.engine.formulas.formula import Formula, compile
from perfloop.engine.formulas.nodes import Call, Literal, Name, walk
from perfloop.engine.scoring.contexts import CONTEXTS, FORMULA_PLACES
from perfloop.engine.scoring.rules import WeightError, WeightProblem

Problem = tuple[str, str, str]


class SchemeError(ValueError):
    """A scoring template that cannot be used; `.problems` lists (pointer, code, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p}: {m}" for p, _, m in self.problems))


# --------------------------------------------------------------------------- template walking


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def formula_places(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(json_pointer, context, formula text) for every formula present in the template."""
    for pattern, context in FORMULA_PLACES:
        parts = pattern.strip("/").split("/")
        yield from _expand(document, parts, "", context)


def _expand(
    node: Any, parts: list[str], pointer: str, context: str
) -> Iterator[tuple[str, str, str]]:
    if not parts:
        if isinstance(node, str):
            yield pointer, context, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for i, child in enumerate(node):
                ctx = context
                if context == "weights-*":
                    scope = child.get("scope", "item") if isinstance(child, Mapping) else "item"
                    ctx = "weights-scorecard" if scope == "scorecard" else "weights-item"
                yield from _expand(child, rest, f"{pointer}/{i}", ctx)
        return
    if isinstance(node, Mapping) and head in node:
        yield from _expand(node[head], rest, f"{pointer}/{_escape(head)}", context)


def parameter_values(
    document: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The template's parameter defaults with `overrides` (an app's settings) on top.

    Formulas read them as `params.<name>`; an app may pass more values than
    the scheme declares (they are visible too).
    """
    declared = document.get("parameters") or {}
    values = dict(declared.get("defaults") or {})
    values.update(overrides or {})
    return values


def check_scoring_template(
    document: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Semantic check of a structurally valid `scoring` template.

    Compiles every formula in its context (see contexts.py) with the
    parameter values as the constant `params`, and checks what the
    meta-schema cannot: parameter defaults against their schema, section and
    relation weights, rating bands. Returns (json_pointer, code, message) for
    each problem; a formula problem's message starts with its line and column
    and ends with the source line and a caret.
    """
    problems: list[Problem] = []
    values = parameter_values(document, parameters)
    problems.extend(_check_parameters(document, values, parameters is not None))
    constants = {"params": values}
    for pointer, context, text in formula_places(document):
        try:
            compile(text, CONTEXTS[context], constants=constants)
        except FormulaError as error:
            message = str(error)
            if error.excerpt:
                message += "\n" + error.excerpt
            problems.append((pointer, error.code, message))
    if not problems:
        problems.extend(_check_weights_and_bands(document, constants))
    return problems


def scoring_template_warnings(
    document: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Where a valid `scoring` template's formulas mean something else than the same
    text in Excel (``Formula.warnings``): (json_pointer, code, message) each, the
    message with its line, column and the source line. A formula that does not
    compile has no warnings (``check_scoring_template`` reports it)."""
    constants = {"params": parameter_values(document, parameters)}
    found: list[Problem] = []
    for pointer, context, text in formula_places(document):
        try:
            formula = compile(text, CONTEXTS[context], constants=constants)
        except FormulaError:
            continue
        found.extend((pointer, w.code, f"{w}\n{w.excerpt}") for w in formula.warnings)
    return found


def _check_parameters(
    document: Mapping[str, Any], values: Mapping[str, Any], overridden: bool
) -> list[Problem]:
    schema = (document.get("parameters") or {}).get("schema")
    if not isinstance(schema, Mapping):
        return []
    try:
        cls = validator_for(schema)
        cls.check_schema(schema)
    except SchemaError as exc:
        return [("/parameters/schema", "invalid-json-schema", exc.message)]
    where = "" if overridden else "/parameters/defaults"
    return [
        (
            where + "".join(f"/{_escape(str(p))}" for p in error.absolute_path),
            "invalid-parameters",
            error.message,
        )
        for error in cls(schema).iter_errors(values)
    ]


def _weight(value: Any, constants: Mapping[str, Any]) -> float:
    """A weight given as a number or as a formula over `params`."""
    if isinstance(value, str):
        value = compile(value, CONTEXTS["params"], constants=constants).evaluate({})
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _check_weights_and_bands(
    document: Mapping[str, Any], constants: Mapping[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    sections = document.get("sections") or []
    keys = [s.get("key") for s in sections if isinstance(s, Mapping)]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            problems.append((f"/sections/{i}/key", "duplicate", f"section {key!r} is listed twice"))
    weights = [_weight(s.get("weight", 0), constants) for s in sections if isinstance(s, Mapping)]
    if sections and abs(sum(weights) - 100) > 1e-6:
        problems.append(
            ("/sections", "weights", f"section weights must sum to 100, not {sum(weights):g}")
        )
    relations = (document.get("review") or {}).get("relations") or []
    seen: list[str] = []
    for i, rel in enumerate(relations):
        name = rel.get("relation") if isinstance(rel, Mapping) else None
        if name in seen:
            problems.append(
                (
                    f"/review/relations/{i}/relation",
                    "duplicate",
                    f"relation {name!r} is listed twice",
                )
            )
        seen.append(str(name))
    if relations and not any(_weight(r.get("weight", 0), constants) > 0 for r in relations):
        problems.append(("/review/relations", "weights", "at least one relation needs a weight"))
    rating = document.get("rating") or {}
    bands = {b.get("key") for b in rating.get("bands") or [] if isinstance(b, Mapping)}
    formula = rating.get("formula")
    if bands and isinstance(formula, str):
        try:
            tree = compile(formula, CONTEXTS["rating"], constants=constants).tree
        except FormulaError:
            return problems
        for node in walk(tree):
            if isinstance(node, Call) and node.name == "BAND" and len(node.args) == 3:
                results = node.args[2]
                for item in getattr(results, "items", []):
                    if isinstance(item, Literal) and item.value not in bands:
                        problems.append(
                            (
                                "/rating/bands",
                                "rating",
                                f"the rating formula can give {item.value!r}, "
                                "which has no entry in bands",
                            )
                        )
    return problems


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class ScorecardResult:
    items: list[dict[str, Any]]
    kpi: Any
    completion: Any
    review: Any
    relations: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    total: Any
    rating: Any
    multiplier: Any
    amount: Any
    unscored: list[str] = field(default_factory=list)  #: items without a score yet

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": to_json(self.items),
            "kpi": to_json(self.kpi),
            "completion": to_json(self.completion),
            "review": to_json(self.review),
            "relations": to_json(self.relations),
            "sections": to_json(self.sections),
            "total": to_json(self.total),
            "rating": to_json(self.rating),
            "multiplier": to_json(self.multiplier),
            "amount": to_json(self.amount),
            "unscored": list(self.unscored),
        }


@dataclass(slots=True)
class PeriodSummary:
    annual: Any
    rules: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"annual": to_json(self.annual), "rules": to_json(self.rules)}


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("en") or value.get("zh-CN") or "")
    return str(value or "")


# --------------------------------------------------------------------------- the scheme


class ScoringScheme:
    """A `scoring` template compiled once (raises SchemeError when it has problems)."""

    def __init__(
        self, template: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
    ) -> None:
        problems = check_scoring_template(template, parameters)
        if problems:
            raise SchemeError(problems)
        self.template = template
        self.key = str(template.get("key", ""))
        self.version = int(template.get("version", 0))
        self.parameters = parameter_values(template, parameters)
        self.constants = {"params": self.parameters}
        self.formulas: dict[str, Formula] = {
            pointer: compile(text, CONTEXTS[context], constants=self.constants)
            for pointer, context, text in formula_places(template)
        }
        self.relations = [
            (str(r["relation"]), _weight(r.get("weight", 0), self.constants))
            for r in (template.get("review") or {}).get("relations") or []
        ]
        self.sections = [
            {**s, "weight": _weight(s.get("weight", 0), self.constants)}
            for s in template.get("sections") or []
        ]
        self.weight_rules = list((template.get("weights") or {}).get("rules") or [])
        self.kpi_formula = self._fuse()

    @property
    def ref(self) -> str:
        return f"{self.key}@{self.version}"

    def _get(self, pointer: str) -> Formula | None:
        return self.formulas.get(pointer)

    # ------------------------------------------------------------------ weights

    def check_weights(self, items: Sequence[Mapping[str, Any]]) -> list[WeightProblem]:
        """Evaluate the template's weight rules; each failing rule names its items."""
        problems: list[WeightProblem] = []
        for i, rule in enumerate(self.weight_rules):
            formula = self.formulas[f"/weights/rules/{i}/rule"]
            label = f"{rule.get('key', i)}: {_text(rule.get('message'))}"
            if rule.get("scope") == "scorecard":
                if formula.evaluate({"items": list(items)}) is not True:
                    names = [
                        f"{item.get('key', f'#{n + 1}')} {to_json(item.get('weight'))}"
                        for n, item in enumerate(items)
                    ]
                    total = sum(
                        float(it["weight"])
                        for it in items
                        if isinstance(it.get("weight"), int | float)
                    )
                    problems.append(
                        WeightProblem(
                            str(rule.get("key", i)),
                            f"{label} ({' + '.join(names)} = {total:g})",
                            tuple(str(it.get("key", "")) for it in items),
                        )
                    )
                continue
            failing = [item for item in items if formula.evaluate(_item_data(item)) is not True]
            if failing:
                problems.append(
                    WeightProblem(
                        str(rule.get("key", i)),
                        f"{label} ("
                        + ", ".join(f"{f.get('key')} {to_json(f.get('weight'))}" for f in failing)
                        + ")",
                        tuple(str(f.get("key", "")) for f in failing),
                    )
                )
        return problems

    # ------------------------------------------------------------------ scoring

    def score_item(self, item: Mapping[str, Any]) -> dict[str, Any]:
        data = _item_data(item)
        completion = self.formulas["/item/completion"].evaluate(data)
        data["completion"] = completion
        data["score"] = self.formulas["/item/score"].evaluate(data)
        return data

    def score(self, scorecard: Mapping[str, Any], *, check_weights: bool = True) -> ScorecardResult:
        """Score one scorecard: `{"items": [...], "ratings": [...], "inputs": {...},
        "bonus_base": number}`; raises WeightError when the weights break a rule."""
        raw_items = list(scorecard.get("items") or [])
        if check_weights:
            problems = self.check_weights(raw_items)
            if problems:
                raise WeightError(problems)
        items = [self.score_item(item) for item in raw_items]
        inputs = scorecard.get("inputs") or {}
        card = {"items": items}
        kpi = self.formulas["/kpi"].evaluate(card)
        completion_f = self._get("/completion")
        completion = completion_f.evaluate(card) if completion_f else None
        relations = self._relations(scorecard.get("ratings") or [])
        review_f = self._get("/review/score")
        review = review_f.evaluate({"relations": relations}) if review_f else None
        results = {"kpi": kpi, "review": review, "completion": completion, "inputs": inputs}
        sections = []
        for i, section in enumerate(self.sections):
            value = self.formulas[f"/sections/{i}/score"].evaluate(
                {**results, "items": items, "relations": relations}
            )
            sections.append(
                {"key": section.get("key"), "weight": section.get("weight"), "score": value}
            )
        total = self.formulas["/total"].evaluate({**results, "sections": sections})
        rating = self.formulas["/rating/formula"].evaluate({**results, "total": total})
        mult_f, amount_f = self._get("/incentive/multiplier"), self._get("/incentive/amount")
        multiplier = (
            mult_f.evaluate({**results, "total": total, "rating": rating}) if mult_f else None
        )
        amount = (
            amount_f.evaluate(
                {
                    **results,
                    "total": total,
                    "rating": rating,
                    "multiplier": multiplier,
                    "bonus_base": scorecard.get("bonus_base"),
                }
            )
            if amount_f
            else None
        )
        return ScorecardResult(
            items=items,
            kpi=kpi,
            completion=completion,
            review=review,
            relations=relations,
            sections=sections,
            total=total,
            rating=rating,
            multiplier=multiplier,
            amount=amount,
            unscored=[str(it.get("key")) for it in items if it.get("score") is None],
        )

    def _relations(self, ratings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        formula = self._get("/review/relationScore")
        out = []
        for relation, weight in self.relations:
            given = [
                {"rater": r.get("rater"), "score": r.get("score")}
                for r in ratings
                if r.get("relation") == relation and r.get("score") is not None
            ]
            score = (
                formula.evaluate({"relation": relation, "ratings": given})
                if formula and given
                else None
            )
            out.append(
                {"relation": relation, "weight": weight, "score": score, "raters": len(given)}
            )
        return out

    def summarize(self, periods: Sequence[Mapping[str, Any]]) -> PeriodSummary:
        """Annual (or half-year) result and the cross-period rules, from period results."""
        data = {"periods": [dict(p) for p in periods]}
        annual_f = self._get("/periods/annual")
        annual = annual_f.evaluate(data) if annual_f else None
        rules: dict[str, Any] = {}
        for i, rule in enumerate((self.template.get("periods") or {}).get("rules") or []):
            formula = self.formulas[f"/periods/rules/{i}/rule"]
            rules[str(rule.get("key", i))] = formula.evaluate({**data, "annual": annual})
        return PeriodSummary(annual, rules)

    # ------------------------------------------------------------------ fused

    def _fuse(self) -> Formula | None:
        """The KPI formula with the item formulas inlined (LET) into each aggregate
        over `items`: one generated function from raw items to the KPI score."""
        kpi = self.formulas["/kpi"]
        completion = self.formulas["/item/completion"].text
        score = self.formulas["/item/score"].text
        text = kpi.text
        spans = [
            (node.args[1].start, node.args[1].end)
            for node in walk(kpi.tree)
            if isinstance(node, Call)
            and node.mode == "records"
            and isinstance(node.args[0], Name)
            and node.args[0].path == ("items",)
        ]
        for start, end in sorted(spans, reverse=True):
            body = text[start:end]
            inlined = f"LET(completion, ({completion}), score, ({score}), {body})"
            text = text[:start] + inlined + text[end:]
        try:
            return compile(
                text,
                {
                    "type": "object",
                    "properties": {"items": {"type": "array", "items": CONTEXTS["item"]}},
                    "additionalProperties": False,
                },
                constants=self.constants,
            )
        except FormulaError:
            return None


def _item_data(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key": item.get("key"),
        "actual": item.get("actual"),
        "target": item.get("target"),
        "direction": item.get("direction"),
        "weight": item.get("weight"),
    }
