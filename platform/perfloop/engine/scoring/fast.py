"""The scoring program's fast function: a whole scheme as one loop and straight-line code.

``fast_program(scheme, ...)`` generates, once per scheme, one Python function

```
_fast(items, review, inputs, bonus_base, relations) -> ScorecardResult
```

that scores a scorecard whose items have no score settings of their own:

- the item formulas (`/item/completion`, `/item/score`) run in one loop over the
  raw items, keeping each item's pair `(completion, score)` as plain values;
- every per-record ``SUM``, ``AVG`` or ``COUNT`` over ``items`` in the
  scorecard formulas (`/kpi`, `/completion`, the section scores) whose body
  reads only the record's fields (``SUM(items, weight * score)``) is computed
  inside that same loop, one running total per aggregate, added up left to
  right exactly as the compiler's own aggregate code does;
- every such aggregate over ``sections`` (in `/total`) is unrolled over the
  template's sections, whose scores are locals;
- each scorecard formula is then the compiler's code for its tree, with those
  aggregates read from their totals and the scalar results (`kpi`, `total`,
  `rating`, …) read from locals; a formula that reads only scalar results is
  memoized on their values, as ``program._Memo`` does.

No records are built: the result keeps each item's fields as they were scored
and its (completion, score) pair (``ScorecardResult.scores``), and builds the
item records, relations and sections only when they are read.

Correctness rests on one rule: the generated code is the compiler's code for
the same trees (the code ``Formula.evaluate`` runs), and it raises whenever
that code would need the interpreter (a null where a number belongs, an error
value, text, a number out of range, an ``AVG`` of nothing, an item with score
settings of its own). The caller then scores the scorecard by the general
program, so the results are always the formulas' own. A template whose
formulas read ``items`` or ``sections`` any other way (``MAX(items, score)``,
``LEN(items)``, a section score reading ``relations``) has no fast function
(None): the general program scores it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from perfloop.engine.formulas.codegen import (
    ANYTHING,
    BOOLEAN,
    NAMESPACE,
    NULLABLE,
    NUMERIC,
    _checked_product,
    _Gen,
    _self_contained,
    within,
)
from perfloop.engine.formulas.errors import FormulaErrorValue
from perfloop.engine.formulas.formula import compile
from perfloop.engine.formulas.limits import MAX_NUMBER
from perfloop.engine.formulas.nodes import Call, Literal, Name, Node, walk
from perfloop.engine.scoring.contexts import CONTEXTS

if TYPE_CHECKING:
    from perfloop.engine.formulas.formula import Formula

#: What the fast function returns: the item pairs, the unscored keys, then the
#: scorecard's values.
FastProgram = Callable[[Any, Any, Mapping[str, Any], Any, Any], Any]

_ITEM_KEYS = ("key", "actual", "target", "direction", "weight")
_SCALARS = frozenset({"kpi", "review", "completion", "total", "rating", "multiplier"})
_MEMO_LIMIT = 4096
_FUSED = frozenset({"SUM", "AVG", "COUNT"})
#: The locals holding a scorecard formula's finished value (as Formula.evaluate
#: gives it; the review comes finished from its own formula): finishing again
#: changes nothing.
_FINISHED = frozenset(
    {"_x_kpi", "_x_completion", "_x_review", "_x_total", "_x_rating", "_x_multiplier"}
)
_EXACT_INT = 2**53


class _Decline(Exception):
    """The template reads its data in a way the fast function does not take."""


def _fin(v: str) -> str:
    """A value as Formula.evaluate returns it (in-range numbers and text as they are:
    finishing changes only numbers)."""
    return (
        f"({v} if {v} is None or ({v}.__class__ is _float or {v}.__class__ is _int) "
        f"and {within(v)} or {v}.__class__ is _str else _finish({v}))"
    )


class _FastGen(_Gen):
    """The compiler's code generator, reading record fields and results from locals
    and fused aggregates from their totals; anything else declines."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[int, Mapping[str, str]] = {}  #: record scope -> field -> code
        self.names: Mapping[str, str] = {}  #: data name -> code (what is known here)
        self.totals: dict[int, str] = {}  #: id(aggregate node) -> its total's local
        self.numeric: frozenset[str] = frozenset()  #: locals known to hold plain numbers
        self.read: set[str] = set()  #: the codes names were read as

    def gen(self, node: Node) -> tuple[str, str]:
        if isinstance(node, Name) and node.binding.scopes and len(node.path) == 1:
            code = self.name(node)
            if code in self.numeric:
                return code, NUMERIC
        return super().gen(node)

    def name(self, node: Name) -> str:
        head, rest = node.path[0], node.path[1:]
        b = node.binding
        if b.scopes:
            if b.local or b.data or len(b.scopes) != 1 or b.scopes[0] not in self.fields:
                raise _Decline(head)
            code = self.fields[b.scopes[0]].get(head)
        elif b.local:
            return super().name(node)
        else:
            code = self.names.get(head) if b.data else None
        if code is None:
            raise _Decline(head)
        self.read.add(code)
        return code + "".join(f"[{k!r}]" for k in rest)

    def arith(self, op: str, left: Node, right: Node) -> tuple[str, bool]:
        """As the compiler's, but a value read from the data (a section's score)
        against a local known to hold a plain number (a section's weight) is null
        when it is null, without asking the helper whether the number is one."""
        if not self.in_iterable:
            (lc, lk), (rc, rk) = self.gen(left), self.gen(right)
            raw_left = lk == ANYTHING and isinstance(left, Name) and rc in self.numeric
            raw_right = rk == ANYTHING and isinstance(right, Name) and lc in self.numeric
            if raw_left or raw_right:
                raw, other = (lc, rc) if raw_left else (rc, lc)
                self.temps += 1
                a = f"_na{self.temps}"
                code = _checked_product(a, op, other, raw_left=raw_left)
                return f"(None if ({a} := {raw}) is None else {code})", True
        return super().arith(op, left, right)

    def aggregate(self, node: Call) -> tuple[str, str]:
        total = self.totals.get(id(node))
        if total is None:
            raise _Decline(node.name)
        return total, NUMERIC  # as the compiler's SUM/AVG/COUNT of records give it

    # ------------------------------------------------------------------ fused aggregates

    def fusable(self, tree: Node, over: str) -> list[Call]:
        """The per-record SUM/AVG/COUNT over the data name `over` in a tree whose
        bodies read only their own record (and the data)."""
        out = []
        for node in walk(tree):
            if not (isinstance(node, Call) and node.mode == "records" and node.name in _FUSED):
                continue
            first = node.args[0]
            if (
                isinstance(first, Name)
                and first.path == (over,)
                and first.binding.data
                and not first.binding.local
                and not first.binding.scopes
                and len(node.args) == 2
                and _self_contained(node.args[1], node.scope)
            ):
                out.append(node)
        return out

    def accumulate(self, node: Call, fields: Mapping[str, str], n: int) -> list[str]:
        """Statements adding one record's body to the running total `_t{n}`, as the
        compiler's aggregate loop does (nulls skipped, left to right)."""
        self.fields = {node.scope: fields}
        self.local_kinds, self.nonnull, self.dynamic = {}, set(), set()
        self.nested += 1
        try:
            body, kind = self.gen(node.args[1])
        finally:
            self.nested -= 1
        if node.name == "COUNT":
            if kind != BOOLEAN:
                raise _Decline("COUNT")
            return [f"if {body}:", f"    _t{n} += 1"]
        value = (
            "_v"
            if kind != ANYTHING
            else f"(_v if (_v.__class__ is _float or _v.__class__ is _int) "
            f"and {within('_v')} else _num(_v))"
        )
        if kind == NUMERIC:  # never null
            lines = [f"_t{n} = _t{n} + {body}"]
            return [*lines, f"_n{n} += 1"] if node.name == "AVG" else lines
        lines = [f"_v = {body}", "if _v is not None:", f"    _t{n} = _t{n} + {value}"]
        if node.name == "AVG":
            lines.append(f"    _n{n} += 1")
        return lines

    @staticmethod
    def result(node: Call, n: int) -> str:
        """The aggregate's value from its running total, checked as ``_chk`` checks
        it (an AVG of nothing raises)."""
        checked = f"(_t{n} if {within(f'_t{n}')} else _oor())"
        if node.name == "SUM":
            return f"_A{n} = {checked}"
        if node.name == "AVG":
            return f"_A{n} = {checked} / _n{n}"
        return f"_A{n} = _t{n}"


def fast_program(
    scheme: Any,
    settings: Mapping[str, Any],
    own_settings: Callable[[Any], bool],
    result: type,
    section_specs: list[tuple[Any, Any]],
) -> FastProgram | None:
    """The scheme's fast function (see the module docstring), or None when its
    formulas read `items` or `sections` other than as fusable aggregates.

    `settings` are the scheme's own item settings; an item whose `params` differ
    from them is passed to `own_settings`, and when that says they are the item's
    own, the function raises (the general program scores such scorecards).
    `result` is the class of what it returns (``ScorecardResult``, whose
    ``_lazy_parts`` it sets), with the sections' (key, weight) `section_specs`."""
    try:
        return _build(scheme, settings, own_settings, result, section_specs)
    except _Decline:
        return None


def _build(
    scheme: Any,
    settings: Mapping[str, Any],
    own_settings: Callable[[Any], bool],
    result: type,
    section_specs: list[tuple[Any, Any]],
) -> FastProgram:
    f: dict[str, Formula] = scheme.formulas
    raw_items = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": CONTEXTS["item"]}},
        "additionalProperties": False,
    }
    text = (
        f"SUM(items, LET(completion, ({f['/item/completion'].text}), "
        f"score, ({f['/item/score'].text}), 0))"
    )
    try:
        tree = compile(text, raw_items, constants=scheme.constants).tree
    except Exception as exc:  # not fusable: the general program scores
        raise _Decline("item formulas") from exc
    if not (isinstance(tree, Call) and tree.mode == "records"):
        raise _Decline("item formulas")
    let = tree.args[1]
    if not (isinstance(let, Call) and let.name == "LET" and len(let.locals) == 2):
        raise _Decline("item formulas")

    gen = _FastGen()
    # each item's fields are read once, into locals (`_i_weight`, ...)
    raw_fields = {k: f"_i_{k}" for k in _ITEM_KEYS}
    gen.fields = {tree.scope: raw_fields}
    gen.nested += 1
    statements, _, _ = gen.let_parts(let)
    item_kinds = dict(gen.local_kinds)  # what the item formulas' locals are known to hold
    gen.nested -= 1
    c_id, s_id = (int(spec.rsplit(":", 1)[1]) for spec in let.locals)

    item_fields = raw_fields | {"completion": "_c", "score": "_s"}
    extra: dict[str, Any] = {
        "_str": str,
        "_base": _as_compared(settings),
        "_own": own_settings,
        "_new": object.__new__,
        "_Result": result,
        "_specs": section_specs,
    }
    init: list[str] = []
    after: list[str] = []
    fused: list[tuple[Call, int]] = []
    n = 0
    sections = [f"/sections/{i}/score" for i in range(len(scheme.sections))]
    for pointer in ["/kpi", "/completion", *sections]:
        if pointer not in f:
            continue
        for node in gen.fusable(f[pointer].tree, "items"):
            n += 1
            fused.append((node, n))
            init.append(f"_t{n} = 0" + (f"; _n{n} = 0" if node.name == "AVG" else ""))
            after.append(gen.result(node, n))
            gen.totals[id(node)] = f"_A{n}"

    def bodies(numeric: frozenset[str]) -> list[str]:
        """Each fused aggregate's step for one item, with `numeric` locals known to
        hold plain numbers in range."""
        gen.names, gen.numeric, gen.read = {"inputs": "_inputs"}, numeric, set()
        out = [line for node, k in fused for line in gen.accumulate(node, item_fields, k)]
        gen.numeric = frozenset()
        return out

    # Two lanes per item: when its completion, score and the numeric fields the
    # aggregates read are plain numbers in range (the common case), the
    # aggregates' code knows it; otherwise (a null, TRUE, an error value...) it
    # checks every value, as the compiler's aggregate loop does.
    anything = bodies(frozenset())
    numbers = ["_c", "_s", *(f"_i_{k}" for k in ("actual", "target", "weight"))]
    lane = frozenset(c for c in numbers if c in gen.read) | {"_c", "_s"}
    plain = bodies(lane)
    # The item formulas' own results are in range when they are plain numbers (see
    # _ranged): for them the class test suffices; fields read raw are tested in full.
    ranged = {
        v
        for v, local in (("_c", c_id), ("_s", s_id))
        if item_kinds.get(local) in (NUMERIC, NULLABLE) and _ranged(let)
    }
    test = " and ".join(
        f"({v}.__class__ is _float or {v}.__class__ is _int)"
        + ("" if v in ranged else f" and {within(v)}")
        for v in sorted(lane)
    )
    loop = [
        f"_c = _l{c_id}",
        f"_s = _l{s_id}",
        f"if {test}:",
        "    _keep((_c, _s))",
        *(f"    {line}" for line in plain),
        "else:",
        f"    _c = {_fin('_c')}",
        f"    _s = {_fin('_s')}",
        "    _keep((_c, _s))",
        "    if _s is None:",
        "        _unscored.append(_str(_i_key))",
        *(f"    {line}" for line in anything),
    ]

    memo_n = 0
    body: list[str] = []

    def formula(pointer: str, target: str, known: Mapping[str, str]) -> None:
        """`target = <the formula's value>`, memoized when it reads only scalars."""
        nonlocal memo_n
        formula = f[pointer]
        gen.names = known
        gen.fields = {}
        gen.local_kinds, gen.nonnull, gen.dynamic = {}, set(), set()
        code, kind = gen.gen(formula.tree)
        lines = [f"_v = {code}", f"{target} = {_fin('_v')}"]
        tree = formula.tree
        if kind in (NUMERIC, NULLABLE) and _ranged(tree):
            # null or a number in range (see _ranged), which finishing leaves as it is
            lines = [f"{target} = {code}"]
        if isinstance(tree, Name) and code in _FINISHED:  # a section's score `kpi`
            body.append(f"{target} = {code}")
            return
        lookup = (  # one bisection: cheaper than a memo that misses
            isinstance(tree, Call) and tree.name in ("TIER", "BAND") and "_bisect(" in code
        )
        if formula.names <= _SCALARS and not isinstance(tree, Name) and not lookup:
            memo_n += 1
            m = f"_m{memo_n}"
            extra[m] = {}
            if any(k not in known for k in formula.names):
                raise _Decline(pointer)
            if len(formula.names) == 1:
                # one memo per class of the value read: 85 and 85.0 (or 1 and TRUE)
                # are equal keys but other values
                # (only plain values: equal error values carry different messages)
                extra[m] = {float: {}, int: {}, str: {}, bool: {}, type(None): {}}
                (v,) = (known[k] for k in formula.names)
                lines = [
                    f"_md = {m}.get({v}.__class__)",
                    f"{target} = _S if _md is None else _md.get({v}, _S)",
                    f"if {target} is _S:",
                    *(f"    {line}" for line in lines),
                    "    if _md is not None:",
                    f"        if len(_md) >= {_MEMO_LIMIT}:",
                    "            _md.clear()",
                    f"        _md[{v}] = {target}",
                ]
            else:
                key = ", ".join(
                    f"({known[k]}.__class__, {known[k]})" for k in sorted(formula.names)
                )
                plain = " and ".join(
                    f"{known[k]}.__class__ is not _Err" for k in sorted(formula.names)
                )
                extra["_Err"] = FormulaErrorValue
                lines = [
                    f"_key = ({key},) if {plain} else _S",
                    f"{target} = {m}.get(_key, _S)",
                    f"if {target} is _S:",
                    *(f"    {line}" for line in lines),
                    "    if _key is not _S:",
                    f"        if len({m}) >= {_MEMO_LIMIT}:",
                    f"            {m}.clear()",
                    f"        {m}[_key] = {target}",
                ]
        body.extend(lines)

    known = {"review": "_x_review", "inputs": "_inputs"}
    formula("/kpi", "_x_kpi", known)
    known["kpi"] = "_x_kpi"
    if "/completion" in f:
        formula("/completion", "_x_completion", known)
    else:
        body.append("_x_completion = None")
    known["completion"] = "_x_completion"
    for i in range(len(scheme.sections)):
        formula(f"/sections/{i}/score", f"_ss{i}", known)

    # the total's aggregates over sections, unrolled over the template's sections
    for node in gen.fusable(f["/total"].tree, "sections"):
        n += 1
        gen.names = dict(known)
        body.append(f"_t{n} = 0" + (f"; _n{n} = 0" if node.name == "AVG" else ""))
        for i, section in enumerate(scheme.sections):
            weight = section.get("weight")
            extra[f"_sk{i}"], extra[f"_sw{i}"] = section.get("key"), weight
            fields = {"key": f"_sk{i}", "weight": f"_sw{i}", "score": f"_ss{i}"}
            # a weight that is a plain number in range is known to be one
            number = weight.__class__ in (int, float) and -MAX_NUMBER <= weight <= MAX_NUMBER
            gen.numeric = frozenset({f"_sw{i}"} if number else ())
            body.extend(gen.accumulate(node, fields, n))
            gen.numeric = frozenset()
        body.append(gen.result(node, n))
        gen.totals[id(node)] = f"_A{n}"
    formula("/total", "_x_total", known)
    known["total"] = "_x_total"
    formula("/rating/formula", "_x_rating", known)
    known["rating"] = "_x_rating"
    if "/incentive/multiplier" in f:
        formula("/incentive/multiplier", "_x_multiplier", known)
    else:
        body.append("_x_multiplier = None")
    known["multiplier"] = "_x_multiplier"
    if "/incentive/amount" in f:
        formula("/incentive/amount", "_x_amount", {**known, "bonus_base": "_x_bonus_base"})
    else:
        body.append("_x_amount = None")
    scores = "".join(f"_ss{i}, " for i in range(len(scheme.sections)))

    lines = [
        "def _fast(_rows, _x_review, _inputs, _x_bonus_base, _relations):",
        "    _pairs = []",
        "    _keep = _pairs.append",
        "    _raw = []",
        "    _snap = _raw.append",
        "    _unscored = []",
        *(f"    {line}" for line in init),
        "    for _ri in _rows:",
        "        _ip = _ri.get('params')",
        "        if _ip is not None and _ip != _base and _own(_ip):",
        "            _decline()",
        *(f"        {local} = _ri[{k!r}]" for k, local in raw_fields.items()),
        "        _snap((" + ", ".join(raw_fields.values()) + "))",
        *(f"        {line}" for line in statements),
        *(f"        {line}" for line in loop),
        *(f"    {line}" for line in after),
        *(f"    {line}" for line in body),
        "    _res = _new(_Result)",
        "    _res.scores = _pairs",
        "    _res.unscored = _unscored",
        "    _res.kpi = _x_kpi",
        "    _res.completion = _x_completion",
        "    _res.review = _x_review",
        "    _res.total = _x_total",
        "    _res.rating = _x_rating",
        "    _res.multiplier = _x_multiplier",
        "    _res.amount = _x_amount",
        f"    _res._lazy_parts = (_raw, _relations, _specs, ({scores}))",
        "    return _res",
    ]
    source = "".join(fn + "\n" for fn in gen.functions) + "\n".join(lines) + "\n"
    namespace = {**NAMESPACE, **gen.consts, **extra, "_decline": _decline}
    code = builtins.compile(source, "<scoring fast program>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked trees, never user text
    program: FastProgram = namespace["_fast"]
    program.__doc__ = source  # what was generated, for a person debugging it
    return program


def _ranged(tree: Node) -> bool:
    """Whether every number written in the tree (its literals, the parameters folded
    into it, their lists and records) is within ±MAX_NUMBER. Then a value the
    compiler's code gives as a number (NUMERIC, or NULLABLE when not null) is in
    range: every other number it makes is an arithmetic result, COMPLETION, a
    count or an aggregate, which that code checks, or MIN, MAX, CLAMP, ABS or a
    sign of checked numbers."""

    def fits(value: Any) -> bool:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return True
        if isinstance(value, int | float):
            return -MAX_NUMBER <= value <= MAX_NUMBER
        if isinstance(value, list | tuple):
            return all(fits(v) for v in value)
        if isinstance(value, Mapping):
            return all(fits(v) for v in value.values())
        return False  # a Decimal or anything else: not taken as known

    return all(fits(node.value) for node in walk(tree) if isinstance(node, Literal))


def _as_compared(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The scheme's item settings as an item's `params` are compared with them:
    an integer as the equal float (`==` between numbers is exact, so every
    comparison gives what it gave; CPython compares two floats faster)."""
    return {
        k: float(v) if v.__class__ is int and -_EXACT_INT <= v <= _EXACT_INT else v
        for k, v in settings.items()
    }


def _decline() -> None:
    raise LookupError("an item with score settings of its own: the general program scores")
