"""The one scoring path: a `scoring` template, compiled once, scores a scorecard.

```
score_scorecard(scheme, items, ratings=(), inputs=None, bonus_base=None) -> ScorecardResult
score_items(scheme, items)                -> the item stage alone: [{..., completion, score}]
explain_scorecard(scheme, items, ...)     -> how each number was reached (explanation trees)
ScoringScheme.program                     the scheme's ScoringProgram (built on first use)
ScoringProgram.run(items, ...)            the same, without the weight rules
```

Every score perfloop shows — a plan's progress during its cycle, a scoring
run, a what-if, an explanation — comes through here: the template's item
formulas, then its KPI, completion, review, section, total, rating and
incentive formulas, with the install's parameters fixed at compile time.

Speed without a second rule book: the whole scheme is generated into one
Python function (``_fuse_program``): the item formulas (`/item/completion`,
`/item/score`) as one loop over the items (the code the formula compiler makes
for a per-record aggregate), then each scorecard formula's own compiled code in
turn; a formula that reads only scalar results (`rating` from `total`, …) is
memoized on them, since a formula is a pure function of what it reads.
Anything the fast code does not handle raises inside it, and that item or
formula is evaluated by the formula's own path instead: the results are
always the formulas' own (``Formula.evaluate``). Explanation trees are built
only when asked (``explain_scorecard``), from the same values.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from perfloop.engine.formulas.codegen import NAMESPACE, _Gen
from perfloop.engine.formulas.errors import FormulaErrorValue, to_json
from perfloop.engine.formulas.formula import compile
from perfloop.engine.formulas.limits import MAX_NUMBER
from perfloop.engine.formulas.nodes import Call, Name
from perfloop.engine.formulas.runtime import finish
from perfloop.engine.scoring.contexts import CONTEXTS
from perfloop.engine.scoring.fast import fast_program

if TYPE_CHECKING:
    from perfloop.engine.formulas.formula import Formula
    from perfloop.engine.scoring.rules import WeightProblem


class ScoringScheme(Protocol):
    """What the program reads of a ``scheme.ScoringScheme`` (which imports this
    module, so it is described here rather than imported)."""

    template: Mapping[str, Any]
    parameters: dict[str, Any]
    constants: dict[str, Any]
    formulas: dict[str, Formula]
    relations: list[tuple[str, float]]
    sections: list[dict[str, Any]]

    @property
    def program(self) -> ScoringProgram: ...

    def check_weights(self, items: Sequence[Mapping[str, Any]]) -> list[WeightProblem]: ...


#: The parameter names an item may set for itself (its score settings).
ITEM_PARAMETERS = ("threshold", "floor", "cap")
#: Scalar results a scorecard-level formula may read; one that reads only these
#: (and `params`, a constant) is memoized on their values.
_SCALARS = frozenset({"kpi", "review", "completion", "total", "rating", "multiplier"})
_MEMO_LIMIT = 4096
_VARIANT_LIMIT = 256
_ITEM_KEYS = ("key", "actual", "target", "direction", "weight")
_RAW_ITEMS = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": CONTEXTS["item"]}},
    "additionalProperties": False,
}


def _plain(value: Any) -> Any:
    """A value as ``Formula.evaluate`` returns it (in-range numbers as they are)."""
    if (value.__class__ is float or value.__class__ is int) and -MAX_NUMBER <= value <= MAX_NUMBER:
        return value
    return finish(value)


def _item_loop(
    completion: str, score: str, constants: Mapping[str, Any]
) -> Callable[[Sequence[Any]], list[tuple[Any, Any]]] | None:
    """One generated function: raw item records -> [(completion, score), ...].

    The two item formulas as the compiler makes them for a per-record aggregate
    (`SUM(items, LET(completion, …, score, …, …))`); None when they cannot be
    fused (then items are scored formula by formula)."""
    text = f"SUM(items, LET(completion, ({completion}), score, ({score}), 0))"
    try:
        tree = compile(text, _RAW_ITEMS, constants=constants).tree
    except Exception:  # not fusable: the formula path still scores
        return None
    if not (isinstance(tree, Call) and tree.mode == "records"):
        return None
    let = tree.args[1]
    if not (isinstance(let, Call) and let.name == "LET" and len(let.locals) == 2):
        return None
    gen = _Gen()
    gen.nested += 1
    statements, _, _ = gen.let_parts(let)
    c_id, s_id = (int(spec.rsplit(":", 1)[1]) for spec in let.locals)
    body = "".join(f"        {line}\n" for line in statements)
    source = (
        "def _items(_rows):\n"
        "    data = {}\n"
        "    _out = []\n"
        "    _add = _out.append\n"
        f"    for _r{tree.scope} in _rows:\n"
        f"{body}"
        f"        _add((_l{c_id}, _l{s_id}))\n"
        "    return _out\n"
    )
    namespace = {**NAMESPACE, **gen.consts}
    code = builtins.compile(source, "<scoring items>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked tree, never user text
    fn: Callable[[Sequence[Any]], list[tuple[Any, Any]]] = namespace["_items"]
    return fn


class ScorecardResult:
    """What ``score_scorecard`` gives: each item's record with its ``completion``
    and ``score`` (``items``), the same pairs as plain values in item order
    (``scores``: what a read needs, without records), the KPI part, completion,
    review, relations, sections, total, rating, multiplier, amount and the keys
    of the items without a score yet (``unscored``).

    ``items``, ``relations`` and ``sections`` are built when first read (the fast
    program keeps plain values and sets ``_lazy_parts``: each item's (key,
    actual, target, direction, weight) as it was scored, the relations, the
    sections' (key, weight) and their scores): each read gives the same list,
    built from the values the scorecard was scored with."""

    __slots__ = (
        "_items",
        "_lazy_parts",
        "_relations",
        "_sections",
        "amount",
        "completion",
        "kpi",
        "multiplier",
        "rating",
        "review",
        "scores",
        "total",
        "unscored",
    )
    _items: list[dict[str, Any]]
    _relations: list[dict[str, Any]]
    _sections: list[dict[str, Any]]
    #: set by the fast program (see the class docstring)
    _lazy_parts: tuple[Any, ...]

    def __init__(
        self,
        items: list[dict[str, Any]],
        kpi: Any,
        completion: Any,
        review: Any,
        relations: list[dict[str, Any]],
        sections: list[dict[str, Any]],
        total: Any,
        rating: Any,
        multiplier: Any,
        amount: Any,
        unscored: list[str] | None = None,
    ) -> None:
        self._items = items
        self.scores: list[tuple[Any, Any]] = [(i["completion"], i["score"]) for i in items]
        self.kpi = kpi
        self.completion = completion
        self.review = review
        self._relations = relations
        self._sections = sections
        self.total = total
        self.rating = rating
        self.multiplier = multiplier
        self.amount = amount
        self.unscored: list[str] = [] if unscored is None else unscored

    @property
    def items(self) -> list[dict[str, Any]]:
        try:
            return self._items
        except AttributeError:
            pass
        raw = self._lazy_parts[0]
        items = self._items = [
            {"key": k, "actual": a, "target": t, "direction": d, "weight": w,
             "completion": c, "score": s}
            for (k, a, t, d, w), (c, s) in zip(raw, self.scores, strict=True)
        ]  # fmt: skip
        return items

    @property
    def relations(self) -> list[dict[str, Any]]:
        try:
            return self._relations
        except AttributeError:
            pass
        relations = self._relations = [dict(r) for r in self._lazy_parts[1]]
        return relations

    @property
    def sections(self) -> list[dict[str, Any]]:
        try:
            return self._sections
        except AttributeError:
            pass
        _, _, specs, scores = self._lazy_parts
        sections = self._sections = [
            {"key": key, "weight": weight, "score": score}
            for (key, weight), score in zip(specs, scores, strict=True)
        ]
        return sections

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.items, self.kpi, self.completion, self.review, self.relations, self.sections,
            self.total, self.rating, self.multiplier, self.amount, self.unscored,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ScorecardResult)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        names = ("items", "kpi", "completion", "review", "relations", "sections", "total",
                 "rating", "multiplier", "amount", "unscored")  # fmt: skip
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._fields(), strict=True))
        return f"ScorecardResult({inner})"

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


_B = repr(MAX_NUMBER)
#: A result as Formula.evaluate gives it: an in-range number as it is, else finished.
_FIN = (
    "({v} if ({v}.__class__ is _float or {v}.__class__ is _int) and -{b} <= {v} <= {b} "
    "else _finish({v}))"
)


def _fin(name: str) -> str:
    return _FIN.format(v=name, b=_B)


def _fuse_program(scheme: ScoringScheme) -> Callable[..., tuple[Any, ...]] | None:
    """The whole scheme as one generated function ``(rows, data) -> (items, kpi,
    completion, sections, total, rating, multiplier, amount)``.

    Each formula's code is the compiler's own (the code ``Formula.evaluate`` runs),
    one after the other in one function over one ``data`` record (the names of
    the contexts never clash: items, kpi, review, completion, relations, inputs,
    sections, total, rating, multiplier, bonus_base). A formula whose code raises
    is evaluated by its Formula (so by the interpreter when needed), exactly as
    ``Formula.evaluate`` would; one that reads only scalar results is memoized
    on them. None when the item formulas cannot be fused."""
    f = scheme.formulas
    text = (
        f"SUM(items, LET(completion, ({f['/item/completion'].text}), "
        f"score, ({f['/item/score'].text}), 0))"
    )
    try:
        tree = compile(text, _RAW_ITEMS, constants=scheme.constants).tree
    except Exception:  # not fusable: the formula path still scores
        return None
    if not (isinstance(tree, Call) and tree.mode == "records"):
        return None
    let = tree.args[1]
    if not (isinstance(let, Call) and let.name == "LET" and len(let.locals) == 2):
        return None
    gen = _Gen()
    gen.nested += 1
    statements, _, _ = gen.let_parts(let)
    gen.nested -= 1
    c_id, s_id = (int(spec.rsplit(":", 1)[1]) for spec in let.locals)
    r = f"_r{tree.scope}"
    record = ", ".join(f"{k!r}: {r}[{k!r}]" for k in _ITEM_KEYS)
    lines = [
        "def _program(_rows, data):",
        "    _scored = []",
        "    _keep = _scored.append",
        "    _unscored = []",
        f"    for {r} in _rows:",
        *(f"        {line}" for line in statements),
        f"        _c = {_fin(f'_l{c_id}')}",
        f"        _s = {_fin(f'_l{s_id}')}",
        f"        _keep({{{record}, 'completion': _c, 'score': _s}})",
        "        if _s is None:",
        f"            _unscored.append(_str({r}['key']))",
        "    data['items'] = _scored",
    ]
    extra: dict[str, Any] = {}

    def formula(pointer: str, target: str) -> None:
        """`target = <the formula's value>`, memoized when it reads only scalars."""
        formula = f[pointer]
        n = len(extra)
        extra[f"_f{n}"] = formula.evaluate
        gen.slow_body = formula._interpreter.record_body
        gen.local_kinds, gen.nonnull, gen.dynamic = {}, set(), set()
        code, _ = gen.gen(formula.tree)
        body = [
            "try:",
            f"    _v = {code}",
            f"    _v = {_fin('_v')}",
            "except _Exception:",
            f"    _v = _f{n}(data)",
        ]
        if formula.names <= _SCALARS and not isinstance(formula.tree, Name):
            extra[f"_m{n}"] = {}  # filled by the generated code
            key = ", ".join(f"(data[{k!r}].__class__, data[{k!r}])" for k in sorted(formula.names))
            body = [
                f"_key = ({key},)",
                f"_v = _m{n}.get(_key, _S)",
                "if _v is _S:",
                *(f"    {line}" for line in body),
                f"    if len(_m{n}) >= {_MEMO_LIMIT}:",
                f"        _m{n}.clear()",
                f"    _m{n}[_key] = _v",
            ]
        lines.extend(f"    {line}" for line in [*body, f"{target} = _v"])

    formula("/kpi", "data['kpi']")
    if "/completion" in f:
        formula("/completion", "data['completion']")
    else:
        lines.append("    data['completion'] = None")
    for i, section in enumerate(scheme.sections):
        formula(f"/sections/{i}/score", f"_s{i}")
        extra[f"_sk{i}"], extra[f"_sw{i}"] = section.get("key"), section.get("weight")
    sections = ", ".join(
        f"{{'key': _sk{i}, 'weight': _sw{i}, 'score': _s{i}}}" for i in range(len(scheme.sections))
    )
    lines.append(f"    data['sections'] = [{sections}]")
    formula("/total", "data['total']")
    formula("/rating/formula", "data['rating']")
    for pointer, name in (("/incentive/multiplier", "multiplier"), ("/incentive/amount", "amount")):
        if pointer in f:
            formula(pointer, f"data[{name!r}]")
        else:
            lines.append(f"    data[{name!r}] = None")
    lines.append(
        "    return (_scored, data['kpi'], data['completion'], data['sections'], "
        "data['total'], data['rating'], data['multiplier'], data['amount'], _unscored)"
    )
    source = "".join(fn + "\n" for fn in gen.functions) + "\n".join(lines) + "\n"
    namespace = {**NAMESPACE, **gen.consts, **extra, "_str": str}
    code = builtins.compile(source, "<scoring program>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked trees, never user text
    program: Callable[..., tuple[Any, ...]] = namespace["_program"]
    return program


class _ItemScorer:
    """The item formulas under one set of parameters: one loop, or one item at a time."""

    __slots__ = ("completion", "loop", "score")

    def __init__(self, completion: Formula, score: Formula, constants: Mapping[str, Any]):
        self.completion = completion
        self.score = score
        self.loop = _item_loop(completion.text, score.text, constants)

    def one(self, item: Mapping[str, Any]) -> tuple[Any, Any]:
        data = {k: item.get(k) for k in _ITEM_KEYS}
        done = self.completion.evaluate(data)
        data["completion"] = done
        return done, self.score.evaluate(data)

    def many(self, items: Sequence[Mapping[str, Any]]) -> list[tuple[Any, Any]]:
        if self.loop is None:
            return [self.one(item) for item in items]
        try:
            pairs = self.loop(items)
        except Exception:  # the fast code gives way: the formulas decide, item by item
            return [self.one(item) for item in items]
        return [(_plain(c), _plain(s)) for c, s in pairs]


class _Memo:
    """A scorecard-level formula; memoized on the scalars it reads when it reads
    nothing else."""

    __slots__ = ("cache", "formula", "keys")

    def __init__(self, formula: Formula) -> None:
        self.formula = formula
        names = formula.names
        self.keys = tuple(sorted(names)) if names <= _SCALARS else None
        self.cache: dict[tuple[Any, ...], Any] = {}

    def __call__(self, data: Mapping[str, Any]) -> Any:
        if self.keys is None:
            return self.formula.evaluate(data)
        # the type too: 85 and 85.0 (or 1 and TRUE) are equal keys but other values
        key = tuple((v.__class__, v) for v in (data.get(k) for k in self.keys))
        if any(c is FormulaErrorValue for c, _ in key):
            # equal error values (same code) carry different messages: not a key
            return self.formula.evaluate(data)
        try:
            return self.cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (an error value's payload is fine)
            return self.formula.evaluate(data)
        value = self.formula.evaluate(data)
        if len(self.cache) >= _MEMO_LIMIT:
            self.cache.clear()
        self.cache[key] = value
        return value


class ScoringProgram:
    """A ScoringScheme ready to score many scorecards (see the module docstring).

    Built once per scheme (``ScoringScheme.program``); holds no per-call state
    but its memo of scalar-only formulas, which is bounded.
    """

    def __init__(self, scheme: ScoringScheme) -> None:
        self.scheme = scheme
        f = scheme.formulas
        self._items = _ItemScorer(f["/item/completion"], f["/item/score"], scheme.constants)
        self._variants: dict[tuple[tuple[str, Any], ...], _ItemScorer] = {}
        self._by_settings: dict[Any, _ItemScorer] = {}
        self.kpi = f["/kpi"]
        self.completion = f.get("/completion")
        self.relation = f.get("/review/relationScore")
        self.review = _Memo(f["/review/score"]) if "/review/score" in f else None
        self.sections = [
            (s.get("key"), s.get("weight"), _Memo(f[f"/sections/{i}/score"]))
            for i, s in enumerate(scheme.sections)
        ]
        self.total = _Memo(f["/total"])
        self.rating = _Memo(f["/rating/formula"])
        mult, amount = f.get("/incentive/multiplier"), f.get("/incentive/amount")
        self.multiplier = _Memo(mult) if mult is not None else None
        self.amount = amount
        # No ratings at all (a plan during its cycle): every relation is empty.
        self._no_ratings = self._relations(())
        self._review_no_ratings = (
            self.review({"relations": self._no_ratings}) if self.review is not None else None
        )
        self._fused = _fuse_program(scheme)
        #: the scheme's own item settings: an item with these has none of its own
        self._settings = {
            k: scheme.parameters[k] for k in ITEM_PARAMETERS if k in scheme.parameters
        }
        self._fast = fast_program(
            scheme,
            self._settings,
            self._own_settings,
            ScorecardResult,
            [(key, weight) for key, weight, _ in self.sections],
        )

    def _own_settings(self, overrides: Mapping[str, Any]) -> bool:
        """Whether an item's `params` are settings of its own (not the scheme's)."""
        return self._scorer(overrides) is not self._items

    # ------------------------------------------------------------------ items

    def _scorer(self, overrides: Mapping[str, Any] | None) -> _ItemScorer:
        """The item formulas with an item's own parameters (`threshold`, `floor`,
        `cap`) over the scheme's; compiled once per distinct set (values equal to
        the scheme's are not an item's own)."""
        if not overrides:
            return self._items
        try:
            key: Any = tuple(overrides.items())
            return self._by_settings[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: not cached by it
            key = None
        params = self.scheme.parameters
        missing = object()
        own = tuple(sorted((k, v) for k, v in overrides.items() if params.get(k, missing) != v))
        scorer = self._variants.get(own) if own else self._items
        if scorer is None:
            constants = {"params": {**params, **dict(own)}}
            completion = self.scheme.template["item"]["completion"]
            score = self.scheme.template["item"]["score"]
            scorer = _ItemScorer(
                compile(completion, CONTEXTS["item"], constants=constants),
                compile(score, CONTEXTS["item-scored"], constants=constants),
                constants,
            )
            if len(self._variants) >= _VARIANT_LIMIT:
                self._variants.clear()
            self._variants[own] = scorer
        if key is not None:
            if len(self._by_settings) >= _VARIANT_LIMIT:
                self._by_settings.clear()
            self._by_settings[key] = scorer
        return scorer

    def score_items(self, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each item's record with its `completion` and `score`, in the order given.
        An item's `params` (a mapping, optional) are its own parameter values."""
        rows = [
            {"key": i.get("key"), "actual": i.get("actual"), "target": i.get("target"),
             "direction": i.get("direction"), "weight": i.get("weight")}
            for i in items
        ]  # fmt: skip
        scorers = [self._scorer(i.get("params")) for i in items]
        first = scorers[0] if scorers else self._items
        if all(s is first for s in scorers):
            pairs = first.many(rows)
        else:  # items with settings of their own: each set of settings its loop
            pairs = [(None, None)] * len(rows)
            for scorer in {id(s): s for s in scorers}.values():
                at = [n for n, s in enumerate(scorers) if s is scorer]
                for n, pair in zip(at, scorer.many([rows[n] for n in at]), strict=True):
                    pairs[n] = pair
        for row, (done, score) in zip(rows, pairs, strict=True):
            row["completion"] = done
            row["score"] = score
        return rows

    # ------------------------------------------------------------------ the scorecard

    def _relations(self, ratings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for relation, weight in self.scheme.relations:
            given = [
                {"rater": r.get("rater"), "score": r.get("score")}
                for r in ratings
                if r.get("relation") == relation and r.get("score") is not None
            ]
            score = (
                self.relation.evaluate({"relation": relation, "ratings": given})
                if self.relation is not None and given
                else None
            )
            out.append(
                {"relation": relation, "weight": weight, "score": score, "raters": len(given)}
            )
        return out

    def run(
        self,
        items: Sequence[Mapping[str, Any]],
        *,
        ratings: Sequence[Mapping[str, Any]] = (),
        inputs: Mapping[str, Any] | None = None,
        bonus_base: Any = None,
    ) -> ScorecardResult:
        """Score one scorecard (no weight rules: see ``score_scorecard``)."""
        if ratings:
            relations = self._relations(ratings)
            review = self.review({"relations": relations}) if self.review is not None else None
        else:  # the review formula reads only the relations: the same every time
            relations, review = self._no_ratings, self._review_no_ratings
        fast = self._fast
        if fast is not None:
            try:
                result: ScorecardResult = fast(items, review, inputs or {}, bonus_base, relations)
            except Exception:  # the fast code gives way: the general program below
                result = None  # type: ignore[assignment]
            if result is not None:
                return result
        fused = self._fused
        base = self._settings
        if fused is not None and all(
            (p := i.get("params")) is None or p == base or self._scorer(p) is self._items
            for i in items
        ):
            data = {
                "review": review,
                "relations": relations,
                "inputs": inputs or {},
                "bonus_base": bonus_base,
            }
            try:
                values = fused(items, data)
            except Exception:  # the fast code gives way: formula by formula below
                values = None
            if values is not None:
                scored, kpi, completion, sections, total, rating, multiplier, amount, unscored = (
                    values
                )
                return ScorecardResult(
                    items=scored,
                    kpi=kpi,
                    completion=completion,
                    review=review,
                    relations=[dict(r) for r in relations],
                    sections=sections,
                    total=total,
                    rating=rating,
                    multiplier=multiplier,
                    amount=amount,
                    unscored=unscored,
                )
        return self._run_formulas(items, relations, review, inputs, bonus_base)

    def _run_formulas(
        self,
        items: Sequence[Mapping[str, Any]],
        relations: list[dict[str, Any]],
        review: Any,
        inputs: Mapping[str, Any] | None,
        bonus_base: Any,
    ) -> ScorecardResult:
        """The scorecard formula by formula (items with settings of their own, or
        data the fused program does not take)."""
        scored = self.score_items(items)
        card = {"items": scored}
        kpi = self.kpi.evaluate(card)
        completion = self.completion.evaluate(card) if self.completion is not None else None
        results: dict[str, Any] = {
            "kpi": kpi,
            "review": review,
            "completion": completion,
            "inputs": inputs or {},
        }
        sections = [
            {"key": key, "weight": weight, "score": formula({**results, "items": scored,
                                                           "relations": relations})}
            for key, weight, formula in self.sections
        ]  # fmt: skip
        total = self.total({**results, "sections": sections})
        results["total"] = total
        rating = self.rating(results)
        results["rating"] = rating
        multiplier = self.multiplier(results) if self.multiplier is not None else None
        amount = None
        if self.amount is not None:
            amount = self.amount.evaluate(
                {**results, "multiplier": multiplier, "bonus_base": bonus_base}
            )
        return ScorecardResult(
            items=scored,
            kpi=kpi,
            completion=completion,
            review=review,
            relations=[dict(r) for r in relations],
            sections=sections,
            total=total,
            rating=rating,
            multiplier=multiplier,
            amount=amount,
            unscored=[str(it["key"]) for it in scored if it["score"] is None],
        )


def score_items(scheme: ScoringScheme, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The item stage of ``score_scorecard`` alone: each item's record (``key``,
    ``actual``, ``target``, ``direction``, ``weight``) with the template's
    ``completion`` and ``score``, in the order given — for reads that show items
    without their scorecard (a report's rows). Takes, caches and never raises as
    ``score_scorecard``; no I/O."""
    return scheme.program.score_items(items)


def explain_scorecard(
    scheme: ScoringScheme,
    items: Sequence[Mapping[str, Any]],
    *,
    ratings: Sequence[Mapping[str, Any]] = (),
    inputs: Mapping[str, Any] | None = None,
    bonus_base: Any = None,
) -> dict[str, Any]:
    """How each number of ``score_scorecard`` was reached: the template's formulas
    explained (``Formula.explain``) on the values the path computed.

    Takes what ``score_scorecard`` takes; returns ``{"items": [{"key",
    "completion", "score"}], "kpi", "completion", "total", "rating",
    "multiplier"}`` with an ``Explanation`` (or None for a formula the template
    does not have) in each place. Slower than scoring (an interpreter walk per
    formula): for one plan a person asks about, never on the hot path. Caches
    nothing of its own; never raises; no I/O."""
    program = scheme.program
    result = program.run(items, ratings=ratings, inputs=inputs, bonus_base=bonus_base)
    f = scheme.formulas
    explained_items = []
    for raw, scored in zip(items, result.items, strict=True):
        scorer = program._scorer(raw.get("params"))
        data = {k: scored[k] for k in _ITEM_KEYS}
        completion = scorer.completion.explain(data)
        score = scorer.score.explain({**data, "completion": scored["completion"]})
        explained_items.append({"key": scored["key"], "completion": completion, "score": score})
    results = {
        "kpi": result.kpi,
        "review": result.review,
        "completion": result.completion,
        "inputs": inputs or {},
    }

    def explain(pointer: str, data: Mapping[str, Any]) -> Any:
        return f[pointer].explain(data) if pointer in f else None

    return {
        "items": explained_items,
        "kpi": explain("/kpi", {"items": result.items}),
        "completion": explain("/completion", {"items": result.items}),
        "total": explain("/total", {**results, "sections": result.sections}),
        "rating": explain("/rating/formula", {**results, "total": result.total}),
        "multiplier": explain(
            "/incentive/multiplier", {**results, "total": result.total, "rating": result.rating}
        ),
    }


def rerate(
    scheme: ScoringScheme,
    rating: Any,
    *,
    kpi: Any = None,
    review: Any = None,
    completion: Any = None,
    total: Any = None,
    inputs: Mapping[str, Any] | None = None,
) -> tuple[Any, Any]:
    """The incentive multiplier of a scorecard whose rating was moved (calibration):
    the template's ``/incentive/multiplier`` formula evaluated on the scored parts
    with ``rating`` in place of the one the rating formula gave, and how (an
    ``Explanation``). Returns ``(None, None)`` when the template has no multiplier
    formula. Takes the scheme as ``score_scorecard``; caches nothing of its own;
    never raises (a formula's failure is an error value); no I/O."""
    formula = scheme.formulas.get("/incentive/multiplier")
    if formula is None:
        return None, None
    data = {"kpi": kpi, "review": review, "completion": completion, "total": total,
            "rating": rating, "inputs": inputs or {}}  # fmt: skip
    return formula.evaluate(data), formula.explain(data)


def score_scorecard(
    scheme: ScoringScheme,
    items: Sequence[Mapping[str, Any]],
    *,
    ratings: Sequence[Mapping[str, Any]] = (),
    inputs: Mapping[str, Any] | None = None,
    bonus_base: Any = None,
    check_weights: bool = False,
) -> ScorecardResult:
    """Score one scorecard with its scoring scheme: the one engine path.

    Takes the scheme (a ``ScoringScheme``: the app's scoring template compiled
    with the install's parameters — build it once and keep it, as services do
    per template body and parameters) and the scorecard: ``items`` as mappings
    (``key``, ``actual``, ``target``, ``direction``, ``weight``, and optionally
    ``params``: the item's own values of ``threshold``, ``floor``, ``cap``,
    which its item formulas then read as ``params.<name>``); ``ratings``
    (``relation``, ``rater``, ``score``: none during the cycle, when every
    relation has no rater and the template's review and total formulas decide
    what a missing review means); ``inputs`` and ``bonus_base`` for the
    formulas that read them.

    Returns a ``ScorecardResult``: each item's ``(completion, score)`` in order
    (``scores``) and its record with them (``items``, built when first read,
    from the values scored), the KPI part, completion, review, sections, total,
    rating, multiplier and amount, exactly as the template's formulas give them
    (missing data is None, an impossible result an error value; formulas never
    raise). Caches: the scheme's ``program`` (its generated fast function, see
    ``scoring.fast``, the general program, the item formulas per distinct set of
    item parameters, the memo of scalar-only formulas) is built on first use and
    kept on the scheme. Raises
    ``WeightError`` only when ``check_weights`` is true and the weights break a
    rule of the template; no I/O.
    """
    if check_weights:
        from perfloop.engine.scoring.rules import WeightError

        problems = scheme.check_weights(items)
        if problems:
            raise WeightError(problems)
    program = scheme.program
    fast = program._fast
    if fast is not None and not ratings:  # ScoringProgram.run's first step, one call less
        try:
            result: ScorecardResult = fast(
                items, program._review_no_ratings, inputs or {}, bonus_base, program._no_ratings
            )
        except Exception:  # the fast code gives way: the general program
            result = None  # type: ignore[assignment]
        if result is not None:
            return result
    return program.run(items, ratings=ratings, inputs=inputs, bonus_base=bonus_base)


__all__ = [
    "ITEM_PARAMETERS",
    "ScorecardResult",
    "ScoringProgram",
    "explain_scorecard",
    "rerate",
    "score_items",
    "score_scorecard",
]
