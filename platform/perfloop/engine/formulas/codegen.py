"""Generate the fast Python function of a checked formula.

The generated function is straight-line Python over the caller's data:
numbers are combined with the plain operators, names are dictionary
lookups, aggregates are list comprehensions. It is correct only while every
value is an ordinary number within ±MAX_NUMBER, so each operand that might be
something else is guarded by a range test written into the code
(`-M <= x and x <= M`, see `within`: raises TypeError for null, text, lists,
records and error values and is False for NaN), and so is the result of every
`+ - * /`. An integer literal that is only compared is written as the equal
float (see `compared`).
Whenever the fast code raises anything, `evaluate()` runs the explaining
interpreter instead, which implements null propagation, error values and
`#NUM!` in full. The invariant, tested by property tests: if the fast code
returns, it returns exactly what the interpreter would.

Only parsed values reach the source text, as `repr()` of numbers and strings;
names become `data["..."]` subscripts with repr'd keys or generated local
identifiers (`_r1`, `_l2`). The code runs with empty builtins and a fixed
namespace of whitelisted helpers.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from perfloop.engine.formulas import functions as fns
from perfloop.engine.formulas import limits
from perfloop.engine.formulas import runtime as rt
from perfloop.engine.formulas.errors import NA, NUM, FormulaErrorValue
from perfloop.engine.formulas.nodes import (
    Binary,
    Call,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
    walk,
)
from perfloop.engine.formulas.vartypes import BOOL, NUMBER

NUMERIC = "num"  # the code yields an int/float (or bool, which is an int)
NULLABLE = "numnull"  # a number or null (see _null_result)
BOOLEAN = "bool"  # the code yields True or False
ANYTHING = "any"


def _aslist(value: Any) -> list[Any]:
    if value.__class__ is list and len(value) <= limits.MAX_LIST:
        return value
    raise TypeError("not a list")


_M = limits.MAX_NUMBER
#: The bound as it is written into generated code.
_BOUND = repr(_M)
#: Integers a float holds exactly: as a comparison operand, 3 and 3.0 order
#: every number alike (int, float and Decimal comparisons are exact).
_EXACT_INT = 2**53


def within(name: str, code: str | None = None) -> str:
    """Code testing that the local `name` (assigned `code` first, when given) is a
    number within ±MAX_NUMBER: False for NaN, TypeError for anything but a number.
    Two comparisons joined by `and` (a chained `-M <= x <= M` costs more in
    CPython); the operand is evaluated once either way."""
    first = name if code is None else f"({name} := {code})"
    return f"-{_BOUND} <= {first} and {name} <= {_BOUND}"


def compared(node: Node, code: str) -> str:
    """An operand's code where it is only compared with a number: an integer
    literal is written as the equal float (the same order against any number, and
    CPython compares two floats faster than a float and an int)."""
    if isinstance(node, Literal):
        v = node.value
        if v.__class__ is int and -_EXACT_INT <= v <= _EXACT_INT:
            return repr(float(v))
    return code


def _out_of_range() -> Any:
    raise OverflowError("beyond MAX_NUMBER: the interpreter gives #NUM!")


def _num(v: Any) -> Any:
    """An operand in arithmetic: an in-range number (TRUE/FALSE as 1/0), else raise."""
    if v.__class__ is bool:
        return +v
    if rt.is_num(v) and rt.in_range(v):
        # A Decimal stays as it is (unary plus would round it to 28 digits,
        # which the interpreter does not); an int or float subclass becomes plain.
        return v if isinstance(v, Decimal) else +v
    raise TypeError("not an in-range number")


def _numc(v: Any) -> Any:
    """An operand of a numeric comparison: as _num, but TRUE/FALSE raise
    (comparing them with numbers is the interpreter's business)."""
    if v.__class__ is not bool and rt.is_num(v) and rt.in_range(v):
        return v
    raise TypeError("not an in-range number")


def _chk(v: Any) -> Any:
    """An arithmetic result: itself when in range, else raise."""
    if -_M <= v <= _M:
        return v
    raise OverflowError("beyond MAX_NUMBER")


def _fsum(values: Any) -> Any:
    return _chk(fns.plain_sum(values))


def _favg(values: list[Any]) -> Any:
    return _fsum(values) / len(values)


def _finish(v: Any) -> Any:
    """The result, after the common case (an int or float in range) was returned inline."""
    if v.__class__ is float or v.__class__ is int:  # out of range, or NaN
        return _NONFINITE
    return rt.finish(v)


_SENTINEL = object()

#: Makes the interpreter's `(data, record) -> value` for one aggregate's body.
SlowBody = Callable[[Call], Callable[[Any, Any], Any]]


def _fcompletion(actual: Any, target: Any, direction: Any) -> Any:
    """COMPLETION for the fast path: a number, or None for missing data; raises
    for anything the interpreter must handle (error values, text, bad direction)."""
    try:  # the common case first: higher is better, a positive target
        if direction == "higher" and 0 < target <= _M and -_M <= actual <= _M:
            ratio = actual / target
            if -_M <= ratio <= _M:
                return ratio
            raise OverflowError("out of range: the interpreter decides")
    except TypeError:
        pass  # null or not a number: decided below
    if actual is None or target is None or direction is None:
        for v in (actual, target, direction):
            if v.__class__ is FormulaErrorValue or (rt.is_num(v) and not rt.in_range(v)):
                raise TypeError("error value")
        return None
    # completion_ratio() inlined (one call less per item); tests keep them equal.
    actual, target = _num(actual), _num(target)
    return _chk(_fcompletion_rest(actual, target, direction))


def _fcompletion_rest(actual: Any, target: Any, direction: Any) -> Any:
    if direction == "higher":
        if target > 0:
            return actual / target
        if target < 0:
            return 1 + (actual - target) / -target
        return 1.0 if actual >= 0 else 0.0
    if direction == "lower":
        if target > 0:
            return 2 - actual / target
        if target < 0:
            return 1 - (actual - target) / -target
        return 1.0 if actual <= 0 else 0.0
    if direction == "closest":
        if target == 0:
            return 1.0 if actual == 0 else 0.0
        return 1 - abs(actual - target) / abs(target)
    raise ValueError("direction")


def _nullnum(*operands: Any) -> None:
    """Null, for arithmetic with a null operand when the others are null or in-range
    numbers; anything else (text, TRUE/FALSE, an error value) raises: the
    interpreter decides."""
    for v in operands:
        if v is not None and (v.__class__ is bool or not rt.is_num(v) or not rt.in_range(v)):
            raise TypeError("not null or a number")


def _null_result(*others: Any) -> None:
    """What a null-propagating operation gives when one operand is null: null,
    unless another operand is an error value (then the interpreter decides).
    So a nullable value in fast code is always a number or None."""
    for v in others:
        if v.__class__ is FormulaErrorValue or (rt.is_num(v) and not rt.in_range(v)):
            raise TypeError("error value")


def _per_record(
    fname: str, items: Any, fast: Callable[[Any], Any], slow: Callable[[Any], Any]
) -> Any:
    """An aggregate whose fast comprehension raised: each record's body is tried
    fast, and only the records that raise are evaluated by the interpreter."""

    def body(record: Any) -> Any:
        try:
            return fast(record)
        except Exception:
            return slow(record)

    return fns.aggregate(fname, items, body)


def _nested(
    fname: str,
    whole: Callable[[], Any],
    items: Any,
    fast: Callable[[Any], Any],
    slow: Callable[[Any], Any],
) -> Any:
    """An aggregate inside a LET or another aggregate: its comprehension, and when
    that raises, record by record (see _per_record) rather than the whole formula
    by the interpreter."""
    try:
        return whole()
    except Exception:
        return _per_record(fname, items, fast, slow)


def _self_contained(body: Node, scope: int) -> bool:
    """Whether an aggregate's body reads only its own records and the data: no LET
    local and no outer record, so the interpreter can evaluate it for one record."""
    for node in walk(body):
        if isinstance(node, Call) and (node.name == "LET" or node.mode != "plain"):
            return False
        if isinstance(node, Name):
            b = node.binding
            if b.local or any(s != scope for s in b.scopes):
                return False
    return True


_NA_VALUE = FormulaErrorValue(NA, "no IFS condition is TRUE")
_NONFINITE = FormulaErrorValue(NUM, f"the result is not a number within {rt.RANGE_TEXT}")

#: Everything generated code can name. Builtins are not reachable otherwise.
NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "_sum": _fsum,
    "_num": _num,
    "_numc": _numc,
    "_chk": _chk,
    "_cv": rt.checked,
    "_oor": _out_of_range,
    "_finish": _finish,
    "_int": int,
    "min": min,
    "max": max,
    "abs": abs,
    "_bisect": bisect.bisect_right,
    "_aslist": _aslist,
    "_favg": _favg,
    "_fcompletion": _fcompletion,
    "_null": _null_result,
    "_nullnum": _nullnum,
    "_reducers": fns.REDUCERS,
    "_NA": _NA_VALUE,
    "_NONFINITE": _NONFINITE,
    "_inf": math.inf,
    "_float": float,
    "_list": list,
    "len": len,
    "_S": _SENTINEL,
    "_per_record": _per_record,
    "_nested": _nested,
    "_casefold": str.casefold,
    "_Exception": Exception,
    "power": rt.power,
    "concat": rt.concat,
    "eq": rt.eq,
    "ne": rt.ne,
    "lt": rt.lt,
    "le": rt.le,
    "gt": rt.gt,
    "ge": rt.ge,
    "not_": rt.not_,
    "and_": rt.and_,
    "or_": rt.or_,
    "if_": rt.if_,
    "aggregate": fns.aggregate,
    "aggregate_dynamic": fns.aggregate_dynamic,
    "fn_ifs": fns.fn_ifs,
    "fn_coalesce": fns.fn_coalesce,
    "fn_iferror": fns.fn_iferror,
    **{py: fns.FUNCTIONS[name].impl for name, py in fns.STRICT_NAMES.items()},
}

_CMP = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_CMP_HELPER = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _guard(code: str, kind: str, in_iterable: bool = False, compare: bool = False) -> str:
    """`code` as an in-range number (TRUE/FALSE as 1/0), or code that raises."""
    if kind == NUMERIC:
        return code
    if kind == BOOLEAN:
        return f"(+{code})"
    check = "_numc" if compare else "_num"
    if in_iterable:  # no assignment expressions there
        return f"{check}({code})"
    return (
        f"(_q if ((_q := {code}).__class__ is _float or _q.__class__ is _int) "
        f"and {within('_q')} else {check}(_q))"
    )


def _simple(code: str) -> bool:
    """A literal number or a local variable: cheap to evaluate twice, no side effect."""
    return code.replace(".", "").replace("-", "").replace("_", "").replace("e+", "").isalnum()


def _checked_product(raw: str, op: str, other: str, raw_left: bool) -> str:
    """`raw op other` where `raw` is read from the data: one test checks the
    operand (as a number in range; TRUE/FALSE are 1/0 in + - * /) and the result."""
    # `_p` is pushed before `other` runs (which may assign `_p` itself); on the
    # right, `other` has no assignment expression (the caller makes sure).
    expr = f"_p {op} {other}" if raw_left else f"{other} {op} _p"
    return f"(_q if {within('_p', raw)} and {within('_q', expr)} else _oor())"


def _checked_result(code: str, in_iterable: bool) -> str:
    """An arithmetic result that raises when it leaves the range (or is NaN)."""
    if in_iterable:
        return f"_chk({code})"
    return f"(_q if {within('_q', code)} else _oor())"


def _const_list(node: Node) -> tuple[Any, ...] | None:
    if isinstance(node, ListExpr) and all(isinstance(i, Literal) for i in node.items):
        return tuple(i.value for i in node.items if isinstance(i, Literal))
    return None


class _Gen:
    def __init__(
        self, slow_body: Callable[[Call], Callable[[Any, Any], Any]] | None = None
    ) -> None:
        self.consts: dict[str, Any] = {}
        self.in_iterable = 0
        self.nested = 0  #: > 0 inside a LET or an aggregate body: outer locals in scope
        self.functions: list[str] = []
        self.slow_body = slow_body
        self.nonnull: set[int] = set()  #: nullable locals known not to be null here
        self.dynamic: set[int] = set()  #: record scopes that may be None (plain form)
        self.local_kinds: dict[int, str] = {}
        self.temps = 0  #: names of inline temporaries (`_na1`, `_nb1`, ...)

    def const(self, value: Any) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def gen(self, node: Node) -> tuple[str, str]:
        if isinstance(node, Literal):
            v = node.value
            if isinstance(v, bool):
                return repr(v), BOOLEAN
            if isinstance(v, int | float):
                return repr(v), NUMERIC
            if v is None or isinstance(v, str):
                return repr(v), ANYTHING
            return self.const(v), ANYTHING  # a list constant from compile(constants=...)
        if isinstance(node, Name):
            kind = ANYTHING
            if node.binding.local and not node.binding.scopes and len(node.path) == 1:
                kind = self.local_kinds.get(node.binding.local, ANYTHING)
                if kind == NULLABLE and node.binding.local in self.nonnull:
                    kind = NUMERIC
            return self.name(node), kind
        if isinstance(node, ListExpr):
            return "[" + ", ".join(self.value(i) for i in node.items) + "]", ANYTHING
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)  # pragma: no cover

    def num(self, node: Node) -> str:
        code, kind = self.gen(node)
        return _guard(code, kind, self.in_iterable > 0)

    def value(self, node: Node) -> str:
        """Code for a value handed to a helper: a raw read is checked first."""
        code, kind = self.gen(node)
        if isinstance(node, Name):
            return f"_cv({code}, {'.'.join(node.path)!r})"
        if kind == ANYTHING and not isinstance(node, Literal):
            return f"_cv({code})"
        return code

    def nullable_locals(self, nodes: list[Node]) -> list[int]:
        """Operands that are nullable LET locals (not yet known to be non-null)."""
        out = []
        for n in nodes:
            b = n.binding if isinstance(n, Name) else None
            if (
                b is not None
                and b.local
                and not b.scopes
                and len(n.path) == 1  # type: ignore[attr-defined]
                and self.local_kinds.get(b.local) == NULLABLE
                and b.local not in self.nonnull
                and b.local not in out
            ):
                out.append(b.local)
        return out

    def null_guarded(self, operands: list[Node], build: Callable[[], str]) -> tuple[str, bool]:
        """`build()` with nullable local operands known non-null, plus the null case:
        `(code if _l1 is not None else _null(others...))`. Returns (code, guarded)."""
        ids = self.nullable_locals(operands)
        if not ids:
            return build(), False
        others = [
            self.gen(n)[0] for n in operands if not (isinstance(n, Name) and n.binding.local in ids)
        ]
        self.nonnull.update(ids)
        try:
            code = build()
        finally:
            self.nonnull.difference_update(ids)
        test = " and ".join(f"_l{i} is not None" for i in ids)
        return f"({code} if {test} else _null({', '.join(others)}))", True

    def name(self, node: Name) -> str:
        head, rest = node.path[0], node.path[1:]
        b = node.binding
        key = repr(head)
        if b.local:
            code = f"_l{b.local}"
        elif b.data:
            code = f"data[{key}]"
        else:
            code = ""
        for scope in reversed(b.scopes):
            if code and scope in self.dynamic:
                var = f"_r{scope}"
                code = f"({var}[{key}] if {var} is not None and {key} in {var} else {code})"
            elif code:
                code = f"(_r{scope}[{key}] if {key} in _r{scope} else {code})"
            else:
                code = f"_r{scope}[{key}]"
        if not code:  # pragma: no cover - the checker never builds such a binding
            code = "None"
        return code + "".join(f"[{k!r}]" for k in rest)

    def unary(self, node: Unary) -> tuple[str, str]:
        assert node.operand is not None
        if node.op == "NOT":
            code, kind = self.gen(node.operand)
            if kind == BOOLEAN:
                return f"(not {code})", BOOLEAN
            return f"not_({code})", ANYTHING
        operand_node = node.operand

        def build() -> str:
            operand = self.num(operand_node)
            return f"({operand} / 100)" if node.op == "%" else f"({node.op}{operand})"

        code, guarded = self.null_guarded([operand_node], build)
        return code, NULLABLE if guarded else NUMERIC

    def binary(self, node: Binary) -> tuple[str, str]:
        assert node.left is not None
        assert node.right is not None
        op = node.op
        if op in ("+", "-", "*", "/"):
            left, right = node.left, node.right
            nullable: list[bool] = []

            def build() -> str:
                code, maybe_null = self.arith(op, left, right)
                nullable.append(maybe_null)
                return code

            code, guarded = self.null_guarded([left, right], build)
            return code, NULLABLE if guarded or nullable[0] else NUMERIC
        if op == "^":
            return f"power({self.gen(node.left)[0]}, {self.gen(node.right)[0]})", ANYTHING
        if op == "&":
            return f"concat({self.gen(node.left)[0]}, {self.gen(node.right)[0]})", ANYTHING
        if op in ("AND", "OR"):
            return self.logic(op, [node.left, node.right])
        return self.compare(op, node.left, node.right)

    def arith(self, op: str, left: Node, right: Node) -> tuple[str, bool]:
        """The code of `left op right`, and whether it may give null (None)."""
        (lc, lk), (rc, rk) = self.gen(left), self.gen(right)
        raw = [n for n, k in ((left, lk), (right, rk)) if k == ANYTHING and isinstance(n, Name)]
        if raw and not self.in_iterable and not self.nullable_locals([left, right]):
            # A value read from the data may be null: null propagates inline (as the
            # interpreter's arithmetic), when the other operand is null or a number;
            # anything else raises and the interpreter decides (an error beats null).
            self.temps += 1
            a, b = f"_na{self.temps}", f"_nb{self.temps}"
            code = _checked_result(f"{_guard(a, lk)} {op} {_guard(b, rk)}", False)
            return (
                f"(_nullnum({a}, {b}) if ((({a} := {lc}) is None) | (({b} := {rc}) is None)) "
                f"else {code})"
            ), True
        return self._arith(op, lc, lk, rc, rk, left, right), False

    def _arith(self, op: str, lc: str, lk: str, rc: str, rk: str, left: Node, right: Node) -> str:
        if not self.in_iterable:
            if lk == ANYTHING and rk == NUMERIC and isinstance(left, Name):
                return _checked_product(lc, op, rc, raw_left=True)
            if rk == ANYTHING and lk == NUMERIC and isinstance(right, Name) and ":=" not in lc:
                return _checked_product(rc, op, lc, raw_left=False)
        it = self.in_iterable > 0
        return _checked_result(f"{_guard(lc, lk, it)} {op} {_guard(rc, rk, it)}", it)

    def compare(self, op: str, left: Node, right: Node) -> tuple[str, str]:
        (lc, lk), (rc, rk) = self.gen(left), self.gen(right)
        for text_side, other, other_kind in ((left, rc, rk), (right, lc, lk)):
            if (
                op in ("=", "<>")
                and isinstance(text_side, Literal)
                and isinstance(text_side.value, str)
                and other_kind == ANYTHING
            ):
                # str.casefold raises for anything but text: then the interpreter decides.
                folded = repr(text_side.value.casefold())
                return f"(_casefold({other}) {_CMP[op]} {folded})", BOOLEAN
        numeric_l = lk != ANYTHING or left.type.kind == NUMBER
        numeric_r = rk != ANYTHING or right.type.kind == NUMBER
        boolean = BOOLEAN in (lk, rk) or BOOL in (left.type.kind, right.type.kind)
        if boolean or (op in ("=", "<>") and not (numeric_l or numeric_r)):
            # TRUE/FALSE against a number follows the interpreter's rules, not Python's.
            return f"{_CMP_HELPER[op]}({lc}, {rc})", ANYTHING
        it = self.in_iterable > 0
        lc, rc = compared(left, lc), compared(right, rc)
        return (
            f"({_guard(lc, lk, it, compare=True)} {_CMP[op]} {_guard(rc, rk, it, compare=True)})",
            BOOLEAN,
        )

    def logic(self, op: str, args: list[Node]) -> tuple[str, str]:
        parts = [self.gen(a) for a in args]
        if all(kind == BOOLEAN for _, kind in parts):
            joiner = " and " if op == "AND" else " or "
            return "(" + joiner.join(code for code, _ in parts) + ")", BOOLEAN
        helper = "and_" if op == "AND" else "or_"
        return f"{helper}(" + ", ".join(f"lambda: {code}" for code, _ in parts) + ")", ANYTHING

    # ------------------------------------------------------------------ calls

    def call(self, node: Call) -> tuple[str, str]:
        name, args = node.name, node.args
        if name in ("AND", "OR"):
            return self.logic(name, args)
        if name == "IF":
            return self.if_(args)
        if name == "IFS":
            parts = [self.gen(a) for a in args]
            if all(kind == BOOLEAN for _, kind in parts[::2]):
                code = "_NA"
                for (cond, _), (value, _) in reversed(
                    list(zip(parts[::2], parts[1::2], strict=True))
                ):
                    code = f"({value} if {cond} else {code})"
                return code, ANYTHING
            return "fn_ifs(" + ", ".join(f"lambda: {c}" for c, _ in parts) + ")", ANYTHING
        if name == "COALESCE":
            return "fn_coalesce(" + ", ".join(
                f"lambda: {self.gen(a)[0]}" for a in args
            ) + ")", ANYTHING
        if name == "IFERROR":
            value, fallback = (self.gen(a)[0] for a in args)
            return f"fn_iferror(lambda: {value}, lambda: {fallback})", ANYTHING
        if name == "LET":
            return self.let(node)
        if node.mode != "plain":
            return self.aggregate(node)
        if name in ("SUM", "AVG", "MIN", "MAX") and all(a.type.kind == NUMBER for a in args):
            items = [self.num(a) for a in args]
            if name in ("MIN", "MAX") and len(items) >= 2:
                return f"{name.lower()}({', '.join(items)})", NUMERIC
            if name == "SUM":
                return f"_sum(({', '.join(items)},))", NUMERIC
            if name == "AVG":
                return f"_favg([{', '.join(items)}])", NUMERIC
        if name == "ISBLANK":  # fn_isblank is `x is None`; no check turns a value into null
            if isinstance(args[0], Literal):
                return repr(args[0].value is None), BOOLEAN
            return f"({self.gen(args[0])[0]} is None)", BOOLEAN
        if name == "ABS":
            return f"abs({self.num(args[0])})", NUMERIC
        if name == "CLAMP":
            x, lo, hi = (self.num(a) for a in args)
            if not self.in_iterable and _simple(lo) and _simple(hi):
                # min(max(x, lo), hi) without the two calls: max(x, lo) is x unless
                # lo > x, min(m, hi) is m unless hi < m (the builtins' own rule);
                # a literal bound is compared as a float and given as written.
                lo_c, hi_c = compared(args[1], lo), compared(args[2], hi)
                return (
                    f"({hi} if {hi_c} < (_m := ({lo} if {lo_c} > (_x := {x}) else _x)) else _m)",
                    NUMERIC,
                )
            return f"min(max({x}, {lo}), {hi})", NUMERIC
        if name == "COMPLETION":
            actual, target = self.num(args[0]), self.num(args[1])
            direction = self.gen(args[2])[0] if len(args) == 3 else "'higher'"
            raw_actual, raw_target = self.gen(args[0])[0], self.gen(args[1])[0]
            del actual, target
            return f"_fcompletion({raw_actual}, {raw_target}, {direction})", NULLABLE
        if name == "BAND":
            thresholds, results = _const_list(args[1]), _const_list(args[2])
            if (
                thresholds is not None
                and results is not None
                and len(results) == len(thresholds) + 1
                and list(thresholds) == sorted(thresholds)
                and all(rt.is_num(t) for t in thresholds)
            ):
                kind = (
                    NUMERIC
                    if all(isinstance(r, int | float) and not isinstance(r, bool) for r in results)
                    else ANYTHING
                )
                table, limits_ = self.const(results), self.const(thresholds)
                return f"{table}[_bisect({limits_}, {self.num(args[0])})]", kind
        if name == "TIER" and not self.in_iterable:
            fast = self.tier(args)
            if fast is not None:
                return fast, ANYTHING
        py = fns.STRICT_NAMES[name]
        return f"{py}(" + ", ".join(self.value(a) for a in args) + ")", ANYTHING

    def tier(self, args: list[Node]) -> str | None:
        """TIER over a constant table (a scheme's `params.rating_bands`): the bounds
        sorted once, the row found by bisection when the value is a plain number;
        anything else goes to fn_tier. None when the table is not a clean constant."""
        table, key, result = args[1], args[2], args[3]
        if not (
            isinstance(table, Literal)
            and isinstance(table.value, list)
            and isinstance(key, Literal)
            and isinstance(key.value, str)
            and isinstance(result, Literal)
            and isinstance(result.value, str)
            and all(isinstance(row, Mapping) for row in table.value)
        ):
            return None
        firsts: dict[Any, Any] = {}
        for row in table.value:
            bound = row.get(key.value)
            if bound is None:
                continue  # fn_tier passes over a row without a number
            if bound.__class__ not in (int, float) or not -_M <= bound <= _M:
                return None  # text, TRUE/FALSE, NaN...: fn_tier's business
            if bound not in firsts:  # equal bounds: the first row wins, as fn_tier
                firsts[bound] = rt.checked(row.get(result.value))
        bounds = sorted(firsts)
        values = [firsts[b] for b in bounds]
        # bisected with plain numbers only: an integer bound as the equal float
        # finds the same row (comparisons are exact), and floats compare faster
        exact = [
            float(b) if b.__class__ is int and -_EXACT_INT <= b <= _EXACT_INT else b for b in bounds
        ]
        k_bounds, k_values = self.const(exact), self.const(values)
        value = self.gen(args[0])[0]
        first = args[0]
        check = f"_cv(_q, {'.'.join(first.path)!r})" if isinstance(first, Name) else "_cv(_q)"
        slow = f"fn_tier({check}, " + ", ".join(self.value(a) for a in args[1:]) + ")"
        return (
            f"(({k_values}[_i - 1] if (_i := _bisect({k_bounds}, _q)) else None) "
            f"if ((_q := {value}).__class__ is _float or _q.__class__ is _int) "
            f"and {within('_q')} else {slow})"
        )

    def if_(self, args: list[Node]) -> tuple[str, str]:
        first = args[0]
        if isinstance(first, Binary) and first.op in ("<", "<=", ">", ">="):
            assert first.left is not None
            assert first.right is not None
            operands = [first.left, first.right]
            if self.nullable_locals(operands):
                kinds: list[str] = []

                def build() -> str:
                    code, kind = self._if(args)
                    kinds.append(kind)
                    return code

                code, _ = self.null_guarded(operands, build)
                kind = NULLABLE if kinds[0] in (NUMERIC, NULLABLE) else ANYTHING
                return code, kind
        return self._if(args)

    def _if(self, args: list[Node]) -> tuple[str, str]:
        cond, ck = self.gen(args[0])
        then, tk = self.gen(args[1])
        other, ok = self.gen(args[2]) if len(args) == 3 else ("False", BOOLEAN)
        if ck == BOOLEAN:
            kind = tk if tk == ok else ANYTHING
            if {tk, ok} <= {NUMERIC, NULLABLE}:
                kind = NULLABLE if NULLABLE in (tk, ok) else NUMERIC
            return f"({then} if {cond} else {other})", kind
        return f"if_({cond}, lambda: {then}, lambda: {other})", ANYTHING

    def let(self, node: Call) -> tuple[str, str]:
        self.nested += 1
        try:
            return self._let(node)
        finally:
            self.nested -= 1

    def let_parts(self, node: Call) -> tuple[list[str], str, str]:
        """A LET as assignment statements, its result expression and its kind."""
        self.nested += 1
        try:
            ids = [int(spec.rsplit(":", 1)[1]) for spec in node.locals]
            statements = []
            for local, i in zip(ids, range(1, len(node.args) - 1, 2), strict=True):
                value = node.args[i]
                if isinstance(value, Call) and value.name == "COMPLETION":
                    statements.extend(self.completion_statements(f"_l{local}", value))
                    self.local_kinds[local] = NULLABLE
                    continue
                code, value_kind = self.gen(value)
                statements.append(f"_l{local} = {code}")
                self.local_kinds[local] = value_kind
            body, kind = self.gen(node.args[-1])
            return statements, body, kind
        finally:
            self.nested -= 1

    def completion_statements(self, target: str, node: Call) -> list[str]:
        """`target = COMPLETION(...)` as statements: a positive in-range target and
        an in-range actual are computed inline (completion_ratio's formulas, which
        tests keep equal); anything else goes through _fcompletion."""
        actual, goal = self.gen(node.args[0])[0], self.gen(node.args[1])[0]
        direction = self.gen(node.args[2])[0] if len(node.args) == 3 else "'higher'"
        b = _BOUND
        return [
            f"_a = {actual}",
            f"_g = {goal}",
            f"_d = {direction}",
            f"if _a is not None and _g is not None and 0.0 < _g and _g <= {b} and {within('_a')}:",
            "    if _d == 'higher':",
            f"        {target} = _a / _g",
            "    elif _d == 'lower':",
            f"        {target} = 2 - _a / _g",
            "    elif _d == 'closest':",
            f"        {target} = 1 - abs(_a - _g) / _g",
            "    else:",
            f"        {target} = _fcompletion(_a, _g, _d)",
            f"    if not ({within(target)}):",
            "        _oor()",
            "else:",
            f"    {target} = _fcompletion(_a, _g, _d)",
        ]

    def _let(self, node: Call) -> tuple[str, str]:
        ids = [int(spec.rsplit(":", 1)[1]) for spec in node.locals]
        values = []
        for local, i in zip(ids, range(1, len(node.args) - 1, 2), strict=True):
            code, value_kind = self.gen(node.args[i])
            values.append(code)
            self.local_kinds[local] = value_kind
        body, kind = self.gen(node.args[-1])
        if self.in_iterable:
            # Assignment expressions are not allowed in a comprehension's iterable.
            code = body
            for local, value in reversed(list(zip(ids, values, strict=True))):
                code = f"(lambda _l{local}: {code})({value})"
            return code, kind
        # Bind in order, then give the body: `body if (l1 := v1) is not _S and ... else _S`
        # (no value is ever the sentinel _S; cheaper than building a tuple).
        binds = " and ".join(
            f"(_l{local} := {value}) is not _S" for local, value in zip(ids, values, strict=True)
        )
        return f"({body} if {binds} else _S)", kind

    def aggregate(self, node: Call) -> tuple[str, str]:
        name, var = node.name, f"_r{node.scope}"
        top = self.nested == 0
        self.in_iterable += 1
        items = self.gen(node.args[0])[0]
        self.in_iterable -= 1
        tolerant = (
            top
            and node.mode == "records"
            and self.slow_body is not None
            and name in ("SUM", "AVG", "MIN", "MAX")
        )
        self.nested += 1
        if node.mode == "dynamic":
            self.dynamic.add(node.scope)
        try:
            statements: list[str] = []
            body_node = node.args[1]
            if tolerant and isinstance(body_node, Call) and body_node.name == "LET":
                # In the generated loop a LET becomes plain assignments to fast locals.
                statements, body, kind = self.let_parts(body_node)
            else:
                body, kind = self.gen(body_node)
        finally:
            self.nested -= 1
        if tolerant:
            return self.tolerant(node, items, statements, body, kind), ANYTHING
        if node.mode == "dynamic":
            return f"aggregate_dynamic({name!r}, _cv({items}), lambda {var}: {body})", ANYTHING
        loop = f"for {var} in _aslist({items})"
        guarded = _guard(body, kind, self.in_iterable > 0)
        if kind == NULLABLE and not self.in_iterable and name in ("SUM", "AVG", "MIN", "MAX"):
            # nulls are skipped; what is left is a number (a nullable value is one)
            self.temps += 1
            v = f"_nv{self.temps}"
            loop, guarded = f"{loop} if ({v} := {body}) is not None", v
        if (
            node.mode == "records"
            and self.slow_body is not None
            and name in ("SUM", "AVG", "MIN", "MAX")
            and not self.in_iterable
            and _self_contained(body_node, node.scope)
        ):
            # Inside a LET or another aggregate: the comprehension first; when it
            # raises (a null where a number belongs, say), record by record, each
            # failing record by the interpreter, instead of the whole formula.
            reducer = {"SUM": "_sum", "AVG": "_favg", "MIN": "min", "MAX": "max"}[name]
            slow = self.const(self.slow_body(node))
            return (
                f"_nested({name!r}, lambda: {reducer}([{guarded} {loop}]), _cv({items}), "
                f"lambda {var}: {body}, lambda {var}: {slow}(data, {var}))"
            ), ANYTHING
        if name == "SUM":
            return f"_sum([{guarded} {loop}])", NUMERIC
        if name == "AVG":
            return f"_favg([{guarded} {loop}])", NUMERIC
        if name in ("MIN", "MAX"):
            return f"{name.lower()}([{guarded} {loop}])", NUMERIC
        if name == "COUNT" and kind == BOOLEAN:
            return f"len([1 {loop} if {body}])", NUMERIC
        return f"aggregate({name!r}, _cv({items}), lambda {var}: {body})", ANYTHING

    def tolerant(self, node: Call, items: str, statements: list[str], body: str, kind: str) -> str:
        """A top-level aggregate as its own function: a plain loop over the records,
        and when that raises (say a record with text where a number belongs), a
        record-by-record retry in which only the failing records are interpreted."""
        n = len(self.functions) + 1
        var, name = f"_r{node.scope}", node.name
        reducer = {"SUM": "_sum", "AVG": "_favg", "MIN": "min", "MAX": "max"}[name]
        if name in ("MIN", "MAX") and kind not in (NUMERIC, NULLABLE):
            reducer = f"_reducers[{name!r}]"  # min() would also order text
        assert self.slow_body is not None
        slow = self.const(self.slow_body(node))
        loop_body = "".join(f"            {line}\n" for line in statements)
        def_body = "".join(f"            {line}\n" for line in statements)
        fallback = (
            "    except _Exception:\n"
            f"        def _body({var}):\n"
            f"{def_body}"
            f"            return {body}\n"
            f"        return _per_record({name!r}, _items, _body, "
            f"lambda {var}: {slow}(data, {var}))\n"
        )
        head = (
            f"def _agg{n}(data):\n"
            f"    _items = {items}\n"
            f"    if _items.__class__ is not _list or len(_items) > {limits.MAX_LIST}:\n"
            "        _items = _aslist(_items)\n"
        )
        if name in ("SUM", "AVG"):
            # Add up as the interpreter's SUM does (nulls skipped, left to right);
            # anything but a number raises, and the records are retried one by one.
            count = "                _n += 1\n" if name == "AVG" else ""
            # The total is checked once at the end, as the interpreter's SUM checks it.
            result = (
                "    return _chk(_t)\n"
                if name == "SUM"
                else "    return _chk(_t) / _n if _n else _reducers['AVG']([])\n"
            )
            # A value read straight from a record is checked as the interpreter reads it.
            value = (
                "_v"
                if kind in (NUMERIC, NULLABLE, BOOLEAN)
                else f"(_v if (_v.__class__ is _float or _v.__class__ is _int) "
                f"and {within('_v')} else _num(_v))"
            )
            self.functions.append(
                head + "    _t = 0\n"
                "    _n = 0\n"
                "    try:\n"
                f"        for {var} in _items:\n"
                f"{loop_body}"
                f"            _v = {body}\n"
                "            if _v is not None:\n"
                f"                _t = _t + {value}\n"
                f"{count}" + fallback + result
            )
            return f"_agg{n}(data)"
        # The body values are exactly the interpreter's; the builtin reducer gives
        # the interpreter's result whenever it does not raise (all numbers), and the
        # interpreter's reducer takes over otherwise (nulls skipped, errors kept).
        self.functions.append(
            f"def _agg{n}(data):\n"
            f"    _items = {items}\n"
            f"    if _items.__class__ is not _list or len(_items) > {limits.MAX_LIST}:\n"
            "        _items = _aslist(_items)\n"
            "    _xs = []\n"
            "    _add = _xs.append\n"
            "    try:\n"
            f"        for {var} in _items:\n"
            f"{loop_body}"
            f"            _add({body})\n"
            "    except _Exception:\n"
            f"        def _body({var}):\n"
            f"{def_body}"
            f"            return {body}\n"
            f"        return _per_record({name!r}, _items, _body, "
            f"lambda {var}: {slow}(data, {var}))\n"
            "    try:\n"
            f"        return {reducer}(_xs)\n"
            "    except _Exception:\n"
            f"        return _reducers[{name!r}](_xs)\n"
        )
        return f"_agg{n}(data)"


def generate(
    root: Node, slow_body: Callable[[Call], Callable[[Any, Any], Any]] | None = None
) -> tuple[str, dict[str, Any]]:
    """Python source of `_evaluate(data)` and the constants it needs."""
    gen = _Gen(slow_body)
    expr, _ = gen.gen(root)
    source = "".join(f + "\n" for f in gen.functions) + (
        "def _evaluate(data):\n"
        "    try:\n"
        f"        _v = {expr}\n"
        "    except _Exception:\n"
        "        return _slow(data)\n"
        "    if (_v.__class__ is _float or _v.__class__ is _int)"
        f" and {within('_v')}:\n"
        "        return _v\n"
        "    return _finish(_v)\n"
    )
    return source, gen.consts


def build(
    root: Node,
    slow: Callable[[Mapping[str, Any]], Any],
    slow_body: Callable[[Call], Callable[[Any, Any], Any]] | None = None,
) -> tuple[Callable[[Mapping[str, Any]], Any], str]:
    source, consts = generate(root, slow_body)
    namespace = {**NAMESPACE, **consts, "_slow": slow}
    code = compile(source, "<formula>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked tree, never user text
    return namespace["_evaluate"], source
