"""Generate the fast Python function of a checked formula.

The generated function is straight-line Python over the caller's data:
numbers are combined with the plain operators, names are dictionary
lookups, aggregates are list comprehensions. It is correct only while every
value is an ordinary number, so each operand that might be something else is
guarded with unary plus (`+x` raises TypeError for null, text, lists,
records and error values and costs almost nothing for numbers). Whenever the
fast code raises anything, `evaluate()` runs the explaining interpreter
instead, which implements null propagation and error values in full. The
invariant, tested by property tests: if the fast code returns, it returns
exactly what the interpreter would.

Only parsed values reach the source text, as `repr()` of numbers and strings;
names become `data["..."]` subscripts with repr'd keys or generated local
identifiers (`_r1`, `_l2`). The code runs with empty builtins and a fixed
namespace of whitelisted helpers.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from typing import Any

from perfloop.engine import functions as fns
from perfloop.engine import runtime as rt
from perfloop.engine.errors import NA, NUM, FormulaErrorValue
from perfloop.engine.nodes import Binary, Call, ListExpr, Literal, Name, Node, Unary
from perfloop.engine.scoring import completion_ratio
from perfloop.engine.vartypes import NUMBER

NUMERIC = "num"  # the code yields an int/float (or bool, which is an int)
BOOLEAN = "bool"  # the code yields True or False
ANYTHING = "any"


def _aslist(value: Any) -> list[Any]:
    if value.__class__ is list:
        return value
    raise TypeError("not a list")


def _favg(values: list[Any]) -> Any:
    return sum(values) / len(values)


_NA_VALUE = FormulaErrorValue(NA, "no IFS condition is TRUE")
_NONFINITE = FormulaErrorValue(NUM, "the result is not a finite number")

#: Everything generated code can name. Builtins are not reachable otherwise.
NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "sum": sum,
    "min": min,
    "max": max,
    "abs": abs,
    "_bisect": bisect.bisect_right,
    "_aslist": _aslist,
    "_favg": _favg,
    "_completion": completion_ratio,
    "_NA": _NA_VALUE,
    "_NONFINITE": _NONFINITE,
    "_inf": math.inf,
    "_float": float,
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


def _guard(code: str, kind: str) -> str:
    return code if kind != ANYTHING else f"(+{code})"


def _const_list(node: Node) -> tuple[Any, ...] | None:
    if isinstance(node, ListExpr) and all(isinstance(i, Literal) for i in node.items):
        return tuple(i.value for i in node.items if isinstance(i, Literal))
    return None


class _Gen:
    def __init__(self) -> None:
        self.consts: dict[str, Any] = {}
        self.in_iterable = 0
        self.local_kinds: dict[int, str] = {}

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
            return self.name(node), kind
        if isinstance(node, ListExpr):
            return "[" + ", ".join(self.gen(i)[0] for i in node.items) + "]", ANYTHING
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)  # pragma: no cover

    def num(self, node: Node) -> str:
        code, kind = self.gen(node)
        return _guard(code, kind)

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
            if code:
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
        operand = self.num(node.operand)
        if node.op == "%":
            return f"({operand} / 100)", NUMERIC
        return f"({node.op}{operand})", NUMERIC

    def binary(self, node: Binary) -> tuple[str, str]:
        assert node.left is not None
        assert node.right is not None
        op = node.op
        if op in ("+", "-", "*", "/"):
            return f"({self.num(node.left)} {op} {self.num(node.right)})", NUMERIC
        if op == "^":
            return f"power({self.gen(node.left)[0]}, {self.gen(node.right)[0]})", ANYTHING
        if op == "&":
            return f"concat({self.gen(node.left)[0]}, {self.gen(node.right)[0]})", ANYTHING
        if op in ("AND", "OR"):
            return self.logic(op, [node.left, node.right])
        return self.compare(op, node.left, node.right)

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
        if op in ("=", "<>") and not (numeric_l or numeric_r):
            return f"{_CMP_HELPER[op]}({lc}, {rc})", ANYTHING
        return f"({_guard(lc, lk)} {_CMP[op]} {_guard(rc, rk)})", BOOLEAN

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
                return f"sum(({', '.join(items)},))", NUMERIC
            if name == "AVG":
                return f"_favg([{', '.join(items)}])", NUMERIC
        if name == "ABS":
            return f"abs({self.num(args[0])})", NUMERIC
        if name == "CLAMP":
            x, lo, hi = (self.num(a) for a in args)
            return f"min(max({x}, {lo}), {hi})", NUMERIC
        if name == "COMPLETION":
            actual, target = self.num(args[0]), self.num(args[1])
            direction = self.gen(args[2])[0] if len(args) == 3 else "'higher'"
            return f"_completion(_float({actual}), _float({target}), {direction})", NUMERIC
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
        py = fns.STRICT_NAMES[name]
        return f"{py}(" + ", ".join(self.gen(a)[0] for a in args) + ")", ANYTHING

    def if_(self, args: list[Node]) -> tuple[str, str]:
        cond, ck = self.gen(args[0])
        then, tk = self.gen(args[1])
        other, ok = self.gen(args[2]) if len(args) == 3 else ("False", BOOLEAN)
        if ck == BOOLEAN:
            kind = tk if tk == ok else ANYTHING
            return f"({then} if {cond} else {other})", kind
        return f"if_({cond}, lambda: {then}, lambda: {other})", ANYTHING

    def let(self, node: Call) -> tuple[str, str]:
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
        binds = ", ".join(
            f"(_l{local} := {value})" for local, value in zip(ids, values, strict=True)
        )
        return f"({binds}, {body})[-1]", kind

    def aggregate(self, node: Call) -> tuple[str, str]:
        name, var = node.name, f"_r{node.scope}"
        self.in_iterable += 1
        items = self.gen(node.args[0])[0]
        self.in_iterable -= 1
        body, kind = self.gen(node.args[1])
        if node.mode == "dynamic":
            return f"aggregate_dynamic({name!r}, {items}, lambda {var}: {body})", ANYTHING
        loop = f"for {var} in _aslist({items})"
        if name == "SUM":
            return f"sum([{_guard(body, kind)} {loop}])", NUMERIC
        if name == "AVG":
            return f"_favg([{_guard(body, kind)} {loop}])", NUMERIC
        if name in ("MIN", "MAX"):
            return f"{name.lower()}([{_guard(body, kind)} {loop}])", NUMERIC
        if name == "COUNT" and kind == BOOLEAN:
            return f"sum([1 {loop} if {body}])", NUMERIC
        return f"aggregate({name!r}, {items}, lambda {var}: {body})", ANYTHING


def generate(root: Node) -> tuple[str, dict[str, Any]]:
    """Python source of `_evaluate(data, _slow)` and the constants it needs."""
    gen = _Gen()
    expr, _ = gen.gen(root)
    source = (
        "def _evaluate(data):\n"
        "    try:\n"
        f"        _v = {expr}\n"
        "    except _Exception:\n"
        "        return _slow(data)\n"
        "    if _v.__class__ is _float and not -_inf < _v < _inf:\n"
        "        return _NONFINITE\n"
        "    return _v\n"
    )
    return source, gen.consts


def build(
    root: Node, slow: Callable[[Mapping[str, Any]], Any]
) -> tuple[Callable[[Mapping[str, Any]], Any], str]:
    source, consts = generate(root)
    namespace = {**NAMESPACE, **consts, "_slow": slow}
    code = compile(source, "<formula>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked tree, never user text
    return namespace["_evaluate"], source
