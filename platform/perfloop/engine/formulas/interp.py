"""The explaining interpreter: evaluates a checked tree node by node.

It is the reference meaning of a formula. `Formula.explain()` uses it to
record every sub-expression's text and value; `Formula.evaluate()` falls back
on it whenever the fast generated code meets anything but plain numbers
(null, an error value, text where a number was expected, division by zero).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from perfloop.engine.formulas import functions as fns
from perfloop.engine.formulas import runtime as rt
from perfloop.engine.formulas.errors import VALUE, FormulaErrorValue, to_json
from perfloop.engine.formulas.nodes import Binary, Call, ListExpr, Literal, Name, Node, Unary

#: Per-record explanations shown for one aggregate; the rest are summarised.
MAX_EXPLAINED_RECORDS = 50

#: What a formula gives if evaluating it meets a bug in perfloop (never a Python name).
UNEXPECTED = FormulaErrorValue(VALUE, "perfloop could not evaluate this formula")

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": rt.add,
    "-": rt.sub,
    "*": rt.mul,
    "/": rt.div,
    "^": rt.power,
    "&": rt.concat,
    "=": rt.eq,
    "<>": rt.ne,
    "<": rt.lt,
    "<=": rt.le,
    ">": rt.gt,
    ">=": rt.ge,
}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "-": rt.neg,
    "+": rt.pos,
    "%": rt.percent,
    "NOT": rt.not_,
}


@dataclass(slots=True)
class Explanation:
    """How one sub-expression was evaluated: its text, value and parts."""

    text: str
    value: Any
    children: list[Explanation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able `{"text", "value", "children"}` (values through to_json)."""
        return {
            "text": self.text,
            "value": to_json(self.value),
            "children": [c.to_dict() for c in self.children],
        }


@dataclass(slots=True)
class _Env:
    data: Any
    records: dict[int, Any] = field(default_factory=dict)
    locals: dict[int, Any] = field(default_factory=dict)


class Interpreter:
    def __init__(self, text: str, root: Node) -> None:
        self.text = text
        self.root = root

    def evaluate(self, data: Mapping[str, Any]) -> Any:
        try:
            value = self.run(self.root, _Env(data), None)
        except RecursionError:  # pragma: no cover - depth is limited at compile time
            return FormulaErrorValue(VALUE, "the formula is too deeply nested")
        return rt.finish(value)

    def explain(self, data: Mapping[str, Any]) -> Explanation:
        out: list[Explanation] = []
        try:
            value = self.run(self.root, _Env(data), out)
        except Exception:  # a bug: the caller still gets an answer, never a traceback
            return Explanation(self.text, UNEXPECTED)
        node = out[0]
        node.value = rt.finish(value)
        return node

    def record_body(self, node: Call) -> Callable[[Any, Any], Any]:
        """`(data, record) -> value` of a top-level aggregate's body, for one record."""
        body, scope = node.args[1], node.scope

        def run(data: Any, record: Any) -> Any:
            return self.value(body, _Env(data, records={scope: record}), None)

        return run

    # ------------------------------------------------------------------ core

    def run(self, node: Node, env: _Env, out: list[Explanation] | None) -> Any:
        """Evaluate `node`; when `out` is a list, append its explanation to it."""
        kids: list[Explanation] | None = [] if out is not None else None
        value = self.value(node, env, kids)
        if out is not None and kids is not None:
            out.append(Explanation(self.text[node.start : node.end], value, kids))
        return value

    def sub(self, node: Node, env: _Env, out: list[Explanation] | None) -> Any:
        if out is not None and isinstance(node, Literal):
            return node.value  # literals speak for themselves: no child
        return self.run(node, env, out)

    def value(self, node: Node, env: _Env, out: list[Explanation] | None) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            return self.name(node, env)
        if isinstance(node, ListExpr):
            return [self.sub(i, env, out) for i in node.items]
        if isinstance(node, Unary):
            assert node.operand is not None
            return _UNARY[node.op](self.sub(node.operand, env, out))
        if isinstance(node, Binary):
            assert node.left is not None
            assert node.right is not None
            if node.op in ("AND", "OR"):
                return self.logic(node.op, [node.left, node.right], env, out)
            left = self.sub(node.left, env, out)
            return _BINARY[node.op](left, self.sub(node.right, env, out))
        if isinstance(node, Call):
            return self.call(node, env, out)
        raise TypeError(node)  # pragma: no cover

    def name(self, node: Name, env: _Env) -> Any:
        value = self._name(node, env)
        if node.binding.local and not node.binding.scopes and len(node.path) == 1:
            return value  # a LET variable: checked when it was computed
        return rt.checked(value, ".".join(node.path))

    def _name(self, node: Name, env: _Env) -> Any:
        b = node.binding
        head = node.path[0]
        for scope in b.scopes:
            found = rt.get(env.records.get(scope), head)
            if found is not rt._MISSING:
                return rt.follow(found, node.path[1:], head)
        if b.local:
            return rt.follow(env.locals.get(b.local), node.path[1:], head)
        if b.data:
            found = rt.get(env.data, head)
            if found is not rt._MISSING:
                return rt.follow(found, node.path[1:], head)
        return None

    def thunk(self, node: Node, env: _Env, out: list[Explanation] | None) -> Callable[[], Any]:
        return lambda: self.sub(node, env, out)

    def logic(self, op: str, args: list[Node], env: _Env, out: list[Explanation] | None) -> Any:
        thunks = [self.thunk(a, env, out) for a in args]
        return rt.and_(*thunks) if op == "AND" else rt.or_(*thunks)

    def call(self, node: Call, env: _Env, out: list[Explanation] | None) -> Any:
        name, args = node.name, node.args
        if name in ("AND", "OR"):
            return self.logic(name, args, env, out)
        if name == "IF":
            cond = self.sub(args[0], env, out)
            other = self.thunk(args[2], env, out) if len(args) == 3 else (lambda: False)
            return rt.if_(cond, self.thunk(args[1], env, out), other)
        if name == "IFS":
            return fns.fn_ifs(*(self.thunk(a, env, out) for a in args))
        if name == "COALESCE":
            return fns.fn_coalesce(*(self.thunk(a, env, out) for a in args))
        if name == "IFERROR":
            return fns.fn_iferror(self.thunk(args[0], env, out), self.thunk(args[1], env, out))
        if name == "LET":
            return self.let(node, env, out)
        if node.mode != "plain":
            return self.aggregate(node, env, out)
        values = [self.sub(a, env, out) for a in args]
        impl = fns.FUNCTIONS[name].impl
        assert impl is not None
        return impl(*values)

    def let(self, node: Call, env: _Env, out: list[Explanation] | None) -> Any:
        ids = [int(spec.rsplit(":", 1)[1]) for spec in node.locals]
        saved = dict(env.locals)
        try:
            for local, i in zip(ids, range(1, len(node.args) - 1, 2), strict=True):
                env.locals[local] = self.sub(node.args[i], env, out)
            return self.sub(node.args[-1], env, out)
        finally:
            env.locals = saved

    def aggregate(self, node: Call, env: _Env, out: list[Explanation] | None) -> Any:
        items = self.sub(node.args[0], env, out)
        body_node = node.args[1]
        body_text = self.text[body_node.start : body_node.end]
        explained = 0

        def body(record: Any) -> Any:
            nonlocal explained
            saved = env.records.get(node.scope)
            env.records[node.scope] = record
            try:
                if out is None or explained >= MAX_EXPLAINED_RECORDS:
                    return self.sub(body_node, env, None)
                explained += 1
                kids: list[Explanation] = []
                value = self.value(body_node, env, kids)
                label = f"{body_text}  [#{explained}]" if record is not None else body_text
                out.append(Explanation(label, value, kids))
                return value
            finally:
                env.records[node.scope] = saved

        if node.mode == "dynamic":
            result = fns.aggregate_dynamic(node.name, items, body)
        else:
            result = fns.aggregate(node.name, items, body)
        if out is not None and isinstance(items, list) and len(items) > explained > 0:
            out.append(Explanation(f"... {len(items) - explained} more records", None, []))
        return result
