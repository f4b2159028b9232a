"""Scoring schemes: a `scoring` template compiled once, then used for many scorecards.

```
ScoringScheme(template, parameters=None)
    .score(scorecard)          -> ScorecardResult (items, kpi, review, sections, total,
                                  rating, multiplier, amount), via score_scorecard
    .program                   the scheme ready for bulk scoring (program.py)
    .check_weights(items)      -> [WeightProblem]
    .summarize(periods)        -> PeriodSummary (annual result, cross-period rules)
    .kpi_formula               one fused Formula: raw items -> KPI score, for bulk work
check_scoring_template(doc)    -> [(json_pointer, code, message)]
```

See contexts.py for what each formula sees, and docs/formulas.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from perfloop.engine.formulas.errors import FormulaError, to_json
from perfloop.engine.formulas.formula import Formula, compile
from perfloop.engine.formulas.nodes import Call, Literal, Name, walk
from perfloop.engine.scoring.contexts import CONTEXTS, FORMULA_PLACES
from perfloop.engine.scoring.program import ScorecardResult, ScoringProgram, score_scorecard
from perfloop.engine.scoring.rules import WeightProblem

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


def _check_distribution(distribution: Any, bands: set[Any]) -> list[Problem]:
    """The target distribution: each band one of ``bands`` and listed once, and its
    ``min`` not above its ``max``; the mins together at most 1 (shares of one unit)."""
    problems: list[Problem] = []
    seen: set[Any] = set()
    least = 0.0
    for i, target in enumerate(distribution):
        if not isinstance(target, Mapping):
            continue
        band = target.get("band")
        if band not in bands:
            problems.append(
                (f"/rating/distribution/{i}/band", "rating", f"{band!r} is not one of the bands")
            )
        elif band in seen:
            problems.append(
                (f"/rating/distribution/{i}/band", "duplicate", f"band {band!r} is listed twice")
            )
        seen.add(band)
        low, high = target.get("min"), target.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            message = f"min {low:g} is above max {high:g}"
            problems.append((f"/rating/distribution/{i}/min", "distribution", message))
        least += float(low) if isinstance(low, int | float) else 0.0
    if least > 1 + 1e-9:
        problems.append(
            ("/rating/distribution", "distribution", f"the mins add up to {least:g}, above 1")
        )
    return problems


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
    problems.extend(_check_distribution(rating.get("distribution") or [], bands))
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
class PeriodSummary:
    annual: Any
    rules: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"annual": to_json(self.annual), "rules": to_json(self.rules)}


def _text(value: Any, lang: str = "en") -> str:
    """An i18n text in ``lang`` (else the other language); a plain string as is."""
    if isinstance(value, Mapping):
        other = "zh-CN" if lang == "en" else "en"
        return str(value.get(lang) or value.get(other) or "")
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
        self._program: ScoringProgram | None = None

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
            label_zh = f"{rule.get('key', i)}：{_text(rule.get('message'), 'zh-CN')}"
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
                    sums = f"({' + '.join(names)} = {total:g})"
                    problems.append(
                        WeightProblem(
                            str(rule.get("key", i)),
                            f"{label} {sums}",
                            tuple(str(it.get("key", "")) for it in items),
                            f"{label_zh}{sums}",
                        )
                    )
                continue
            failing = [item for item in items if formula.evaluate(_item_data(item)) is not True]
            if failing:
                which = ", ".join(f"{f.get('key')} {to_json(f.get('weight'))}" for f in failing)
                problems.append(
                    WeightProblem(
                        str(rule.get("key", i)),
                        f"{label} ({which})",
                        tuple(str(f.get("key", "")) for f in failing),
                        f"{label_zh}（{which}）",
                    )
                )
        return problems

    # ------------------------------------------------------------------ scoring

    def score_item(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """One item's record with its `completion` and `score` (the program's path)."""
        return self.program.score_items([item])[0]

    @property
    def program(self) -> ScoringProgram:
        """The scheme ready for bulk scoring (built once, on first use)."""
        program = self._program
        if program is None:
            program = self._program = ScoringProgram(self)
        return program

    def score(self, scorecard: Mapping[str, Any], *, check_weights: bool = True) -> ScorecardResult:
        """Score one scorecard: `{"items": [...], "ratings": [...], "inputs": {...},
        "bonus_base": number}`; raises WeightError when the weights break a rule.
        The same path as ``perfloop.engine.score_scorecard``."""
        return score_scorecard(
            self,
            list(scorecard.get("items") or []),
            ratings=scorecard.get("ratings") or (),
            inputs=scorecard.get("inputs"),
            bonus_base=scorecard.get("bonus_base"),
            check_weights=check_weights,
        )

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
