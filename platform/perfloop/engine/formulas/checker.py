"""Check a parsed formula: resolve names, check arity and the types it can know.

Name resolution, innermost first: LET variables, then the fields of the
records an aggregate walks over (`SUM(items, weight * score)`), then the
constants given to compile(), then the caller's data. With a variables
schema, a name found nowhere is an error with a "did you mean" suggestion;
without one, any name is allowed and a missing one reads as null.

Where a formula that compiles relies on a deliberate difference from Excel,
the checker adds a FormulaWarning (`WARNING_CODES`): people bring their
formulas from Excel, and the same text must not silently mean something else.
The more the variables schema says about types, the more it can see.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from perfloop.engine.formulas.completion import DIRECTIONS
from perfloop.engine.formulas.errors import FormulaError, FormulaWarning
from perfloop.engine.formulas.functions import FUNCTIONS, RECORD_AGGREGATES
from perfloop.engine.formulas.nodes import (
    Binary,
    Binding,
    Call,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
)
from perfloop.engine.formulas.vartypes import (
    ANY,
    BOOL,
    BOOL_T,
    LIST,
    NULL,
    NULL_T,
    NUM_T,
    NUMBER,
    RECORD,
    TEXT,
    TEXT_T,
    UNKNOWN,
    SType,
    from_schema,
)

_ARITH = {"+", "-", "*", "/", "^"}
_ORDER = {"<", "<=", ">", ">="}
_ALIASES = {"AVERAGE": "AVG"}


@dataclass
class _Frame:
    kind: str  # "let" or "record"
    names: dict[str, tuple[int, SType]] = field(default_factory=dict)  # let: name -> (id, type)
    scope: int = 0
    record: SType = ANY  # record: the element type (ANY: fields unknown)


def literal_type(value: Any) -> SType:
    if value is None:
        return NULL_T
    if isinstance(value, bool):
        return BOOL_T
    if isinstance(value, int | float):
        return NUM_T
    if isinstance(value, str):
        return TEXT_T
    if isinstance(value, list):
        kinds = {literal_type(v).kind for v in value} - {NULL}
        item = literal_type(value[0]) if len(kinds) == 1 and value[0] is not None else ANY
        return SType(LIST, item)
    if isinstance(value, Mapping):
        return SType(
            RECORD, fields={str(k): literal_type(v) for k, v in value.items()}, closed=True
        )
    return ANY


class Checker:
    def __init__(
        self,
        text: str,
        variables: Mapping[str, Any] | None,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.root = from_schema(variables) if variables is not None else None
        if self.root is not None and self.root.kind != RECORD:
            self.root = SType(RECORD, fields={}, closed=True)
        self.constants = dict(constants or {})
        self.frames: list[_Frame] = []
        self.names: set[str] = set()
        self.warnings: list[FormulaWarning] = []
        self.locals = 0
        self.scopes = 0

    # ------------------------------------------------------------------ helpers

    def fail(self, code: str, message: str, node: Node, suggestion: str | None = None) -> None:
        raise FormulaError(
            code, message, text=self.text, pos=node.start, end=node.end, suggestion=suggestion
        )

    def warn(self, code: str, message: str, node: Node) -> None:
        self.warnings.append(FormulaWarning.at(code, message, self.text, node.start, node.end))

    def parenthesized(self, node: Node) -> bool:
        return self.text[node.start : node.start + 1] == "("

    def src(self, node: Node) -> str:
        snippet = self.text[node.start : node.end]
        return snippet if len(snippet) <= 40 else snippet[:37] + "..."

    def expect(self, node: Node, allowed: Iterable[str], what: str) -> None:
        t = node.type
        if t.known and t.kind not in allowed:
            self.fail(
                "type",
                f"{what} needs {_needs(allowed)}, but {self.src(node)} is {t.describe()}",
                node,
            )

    # ------------------------------------------------------------------ walk

    def check(self, node: Node) -> Node:
        if isinstance(node, Literal):
            node.type = literal_type(node.value)
        elif isinstance(node, Name):
            return self.name(node)
        elif isinstance(node, ListExpr):
            node.items = [self.check(n) for n in node.items]
            kinds = {n.type.kind for n in node.items} - {NULL}
            node.type = SType(
                LIST,
                node.items[0].type if len(kinds) == 1 and node.items[0].type.kind != NULL else ANY,
            )
        elif isinstance(node, Unary):
            assert node.operand is not None
            node.operand = self.check(node.operand)
            if node.op == "NOT":
                self.expect(node.operand, (NUMBER, BOOL), "NOT")
                node.type = BOOL_T
            else:
                self.expect(node.operand, (NUMBER, BOOL), f"'{node.op}'")
                node.type = NUM_T
                operand = node.operand
                if (
                    node.op == "-"
                    and isinstance(operand, Binary)
                    and operand.op == "^"
                    and not self.parenthesized(operand)
                ):
                    self.warn(
                        "excel-power",
                        f"{self.src(node)} is -({self.src(operand)}) here, as in mathematics; "
                        "Excel negates first. Add parentheses to say which you mean",
                        node,
                    )
        elif isinstance(node, Binary):
            self.binary(node)
        elif isinstance(node, Call):
            self.call(node)
        return node

    def binary(self, node: Binary) -> None:
        assert node.left is not None
        assert node.right is not None
        node.left, node.right = self.check(node.left), self.check(node.right)
        op, lt, rt = node.op, node.left.type, node.right.type
        if (
            op == "^"
            and isinstance(node.right, Binary)
            and node.right.op == "^"
            and not self.parenthesized(node.right)
        ):
            self.warn(
                "excel-power",
                f"{self.src(node)} is worked out from the right here, as in mathematics "
                "(2^3^2 = 512); Excel goes from the left (64). Add parentheses",
                node,
            )
        if op in _ARITH:
            hint = " (use & to join text)" if op == "+" else ""
            for side in (node.left, node.right):
                if side.type.known and side.type.kind not in (NUMBER, BOOL):
                    self.fail(
                        "type",
                        f"'{op}' needs numbers, but {self.src(side)} is "
                        f"{side.type.describe()}{hint}",
                        side,
                    )
            node.type = NUM_T
        elif op == "&":
            for side in (node.left, node.right):
                self.expect(side, (NUMBER, BOOL, TEXT), "'&'")
            node.type = TEXT_T
        elif op in ("AND", "OR"):
            for side in (node.left, node.right):
                self.expect(side, (NUMBER, BOOL), op)
            node.type = BOOL_T
        else:
            for side in (node.left, node.right):
                self.expect(side, (NUMBER, BOOL, TEXT), f"'{op}'")
            if op in _ORDER and lt.known and rt.known and (lt.kind == TEXT) != (rt.kind == TEXT):
                self.fail(
                    "type",
                    f"cannot compare {lt.describe()} with {rt.describe()} using '{op}'",
                    node,
                )
            if lt.known and rt.known and {lt.kind, rt.kind} == {BOOL, NUMBER}:
                if op in _ORDER:
                    self.fail(
                        "type",
                        f"cannot order {lt.describe()} and {rt.describe()} using '{op}' "
                        "(Excel puts TRUE above every number); compare TRUE/FALSE with "
                        "TRUE/FALSE",
                        node,
                    )
                always = "FALSE" if op == "=" else "TRUE"
                self.warn(
                    "excel-boolean-equals",
                    f"{self.src(node)} is always {always}: TRUE/FALSE never equals a number, "
                    "as in Excel; compare with TRUE or FALSE",
                    node,
                )
            left = node.left
            if isinstance(left, Unary) and left.op == "NOT" and left.call:
                self.warn(
                    "excel-not",
                    f"{self.src(node)} compares {self.src(left)} with "
                    f"{self.src(node.right)}, as in Excel; to negate the comparison, "
                    "write NOT(... " + op + " ...)",
                    node,
                )
            node.type = BOOL_T

    # ------------------------------------------------------------------ names

    def visible_names(self) -> list[str]:
        out: list[str] = []
        for frame in self.frames:
            out.extend(frame.names)
            if frame.record.fields:
                out.extend(frame.record.fields)
        out.extend(self.constants)
        if self.root is not None and self.root.fields:
            out.extend(self.root.fields)
        return out

    def name(self, node: Name) -> Node:
        head = node.path[0]
        pending: list[int] = []
        binding: Binding | None = None
        typ = ANY
        for frame in reversed(self.frames):
            if frame.kind == "let" and head in frame.names:
                local_id, typ = frame.names[head]
                binding = Binding(tuple(pending), data=False, local=local_id)
                break
            if frame.kind == "record":
                fields = frame.record.fields
                if fields is not None and head in fields:
                    pending.append(frame.scope)
                    typ = fields[head] if len(pending) == 1 else ANY
                    binding = Binding(tuple(pending), data=False)
                    break
                if fields is None or not frame.record.closed:
                    pending.append(frame.scope)
        if binding is None and head in self.constants:
            value = self.constant(node)
            lit = Literal(node.start, node.end, value=value)
            lit.type = literal_type(value)
            return lit
        if binding is None:
            if self.root is None:
                binding = Binding(tuple(pending), data=True)
            elif self.root.fields is not None and head in self.root.fields:
                binding = Binding(tuple(pending), data=True)
                typ = self.root.fields[head] if not pending else ANY
            elif pending or not self.root.closed:
                binding = Binding(tuple(pending), data=not self.root.closed)
            else:
                close = difflib.get_close_matches(head, self.visible_names(), n=1, cutoff=0.6)
                self.fail(
                    "unknown-name",
                    f"unknown name {head!r}",
                    Node(node.start, node.start + len(head)),
                    close[0] if close else None,
                )
            if binding is not None and binding.data:
                self.names.add(head)
        assert binding is not None
        node.binding = binding
        node.type = self.navigate(node, typ)
        return node

    def constant(self, node: Name) -> Any:
        """A constant's value; its records are closed, so a wrong field is an error."""
        value = self.constants[node.path[0]]
        offset = node.start + len(node.path[0])
        for i, segment in enumerate(node.path[1:], start=1):
            seg_start = self.text.find(segment, offset, node.end)
            offset = seg_start + len(segment)
            where = ".".join(node.path[:i])
            if not isinstance(value, Mapping):
                self.fail(
                    "type",
                    f"{where} is {literal_type(value).describe()}; it has no fields",
                    Node(seg_start, seg_start + len(segment)),
                )
            if segment not in value:
                close = difflib.get_close_matches(segment, [str(k) for k in value], n=1, cutoff=0.6)
                self.fail(
                    "unknown-name",
                    f"{where} has no field {segment!r}",
                    Node(seg_start, seg_start + len(segment)),
                    close[0] if close else None,
                )
            value = value[segment]
        return value

    def navigate(self, node: Name, typ: SType) -> SType:
        offset = node.start + len(node.path[0])
        for i, segment in enumerate(node.path[1:], start=1):
            seg_start = self.text.find(segment, offset, node.end)
            offset = seg_start + len(segment)
            where = ".".join(node.path[:i])
            if typ.kind == RECORD and typ.fields is not None:
                if segment in typ.fields:
                    typ = typ.fields[segment]
                    continue
                if typ.closed:
                    close = difflib.get_close_matches(segment, list(typ.fields), n=1, cutoff=0.6)
                    self.fail(
                        "unknown-name",
                        f"{where} has no field {segment!r}",
                        Node(seg_start, seg_start + len(segment)),
                        close[0] if close else None,
                    )
                typ = ANY
            elif typ.known and typ.kind != RECORD:
                self.fail(
                    "type",
                    f"{where} is {typ.describe()}; it has no fields",
                    Node(seg_start, seg_start + len(segment)),
                )
            else:
                typ = ANY
        return typ

    # ------------------------------------------------------------------ calls

    def call(self, node: Call) -> None:
        name = _ALIASES.get(node.name, node.name)
        spec = FUNCTIONS.get(name)
        if spec is None:
            pool = sorted(set(FUNCTIONS) | {"NOT"})
            close = difflib.get_close_matches(node.name, pool, n=1, cutoff=0.6)
            self.fail(
                "unknown-function",
                f"unknown function {node.name}",
                Node(node.start, node.name_end),
                close[0] if close else None,
            )
        assert spec is not None
        node.name = name
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            self.fail(
                "arity", f"{name} takes {spec.arity_text()}, not {n}", Node(node.start, node.end)
            )
        if spec.special == "let":
            self.let(node)
            return
        if spec.special == "agg" and n == 2 and name in RECORD_AGGREGATES:
            first = self.check(node.args[0])
            node.args[0] = first
            if (
                first.type.kind == LIST
                and first.type.item is not None
                and first.type.item.kind == RECORD
            ):
                node.mode = "records"
            elif first.type.kind in (UNKNOWN, NULL) or (
                first.type.kind == LIST
                and first.type.item is not None
                and first.type.item.kind == UNKNOWN
                and not isinstance(first, ListExpr)
            ):
                node.mode = "dynamic"
            elif name in ("STREAK", "MAXSTREAK", "CHANGE"):
                self.fail(
                    "type",
                    f"{name}(list, {'value' if name == 'CHANGE' else 'condition'}) needs a "
                    "list of records, "
                    f"but {self.src(first)} is {first.type.describe()}",
                    first,
                )
            if node.mode != "plain":
                self.scopes += 1
                node.scope = self.scopes
                item = first.type.item if first.type.kind == LIST and first.type.item else ANY
                self.frames.append(
                    _Frame("record", scope=node.scope, record=item if item.kind == RECORD else ANY)
                )
                try:
                    node.args[1] = self.check(node.args[1])
                finally:
                    self.frames.pop()
                body = node.args[1]
                if name in ("COUNT", "STREAK", "MAXSTREAK"):
                    self.expect(body, (NUMBER, BOOL), f"the condition of {name}")
                else:
                    self.expect(body, (NUMBER, BOOL), f"{name} over records")
                    if body.type.kind == BOOL:
                        self.boolean_aggregate(node, body)
                node.type = NUM_T
                return
            node.args[1] = self.check(node.args[1])
        else:
            node.args = [self.check(a) for a in node.args]
        self.arguments(node, spec.params)
        self.result(node, spec.result)

    def arguments(self, node: Call, params: tuple[str, ...]) -> None:
        name = node.name
        for i, arg in enumerate(node.args):
            param = params[min(i, len(params) - 1)]
            t = arg.type
            if param in ("num", "cond"):
                self.expect(arg, (NUMBER, BOOL), f"{name} argument {i + 1}")
            elif param == "numlist":
                self.expect(arg, (NUMBER, BOOL, LIST), f"{name} argument {i + 1}")
                if t.kind == LIST and t.item is not None and t.item.kind == BOOL:
                    self.boolean_aggregate(node, arg)
                if t.kind == LIST and t.item is not None and t.item.kind == RECORD:
                    self.fail(
                        "type",
                        f"{name}({self.src(arg)}) over records needs an expression for each "
                        f"record, e.g. {name}({self.src(arg)}, weight)",
                        arg,
                    )
            elif param == "list":
                self.expect(arg, (LIST,), f"{name} argument {i + 1}")
            elif param == "scalar":
                self.expect(arg, (NUMBER, BOOL, TEXT), f"{name} argument {i + 1}")
            elif param == "textlist":
                self.expect(arg, (TEXT, LIST), f"{name} argument {i + 1}")
            elif param == "text":
                self.expect(arg, (TEXT,), f"{name} argument {i + 1}")
            elif param == "record":
                self.expect(arg, (RECORD,), f"{name} argument {i + 1}")
            elif param == "direction":
                self.expect(arg, (TEXT,), f"{name} direction")
                if (
                    isinstance(arg, Literal)
                    and isinstance(arg.value, str)
                    and arg.value.lower() not in DIRECTIONS
                ):
                    close = difflib.get_close_matches(arg.value.lower(), DIRECTIONS, n=1)
                    self.fail(
                        "argument",
                        f"direction must be one of {', '.join(DIRECTIONS)}, not {arg.value!r}",
                        arg,
                        close[0] if close else None,
                    )
        if name == "IFS" and len(node.args) % 2:
            self.fail(
                "arity", "IFS takes condition, value pairs (an even number of arguments)", node
            )
        if name in ("BAND", "INTERP"):
            self.bands(node)

    def boolean_aggregate(self, node: Call, values: Node) -> None:
        name = node.name
        self.warn(
            "excel-boolean-aggregate",
            f"{name} counts TRUE as 1 and FALSE as 0 in {self.src(values)}; Excel's {name} "
            "skips TRUE/FALSE in a range"
            + (" (COUNT(list, condition) counts the TRUE ones)" if name == "SUM" else ""),
            node,
        )

    def bands(self, node: Call) -> None:
        _, xs, ys = node.args
        if isinstance(xs, ListExpr) and all(isinstance(x, Literal) for x in xs.items):
            values = [x.value for x in xs.items if isinstance(x, Literal)]
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                self.fail("argument", f"{node.name} thresholds must be numbers", xs)
            if values != sorted(values):
                self.fail("argument", f"{node.name} thresholds must be in ascending order", xs)
            if isinstance(ys, ListExpr):
                want = len(values) + 1 if node.name == "BAND" else len(values)
                if len(ys.items) != want:
                    self.fail(
                        "argument",
                        f"{node.name} with {len(values)} thresholds needs {want} results, "
                        f"not {len(ys.items)}",
                        ys,
                    )

    def result(self, node: Call, declared: SType) -> None:
        name = node.name
        branches: list[Node] = []
        if name == "IF":
            branches = (
                node.args[1:] if len(node.args) == 3 else [node.args[1], Literal(0, 0, value=False)]
            )
            self.expect(node.args[0], (NUMBER, BOOL), "the condition of IF")
        elif name == "IFS":
            branches = node.args[1::2]
            for cond in node.args[::2]:
                self.expect(cond, (NUMBER, BOOL), "an IFS condition")
        elif name in ("COALESCE", "IFERROR"):
            branches = node.args
        elif name == "BAND" and isinstance(node.args[2], ListExpr):
            branches = node.args[2].items
        if branches:
            for b in branches:
                if isinstance(b, Literal) and b.type is ANY:
                    b.type = literal_type(b.value)
            kinds = {b.type.kind for b in branches} - {NULL}
            node.type = (
                branches[0].type if len(kinds) == 1 and branches[0].type.kind != NULL else ANY
            )
            if len(kinds) == 1 and branches[0].type.kind == NULL:
                node.type = next((b.type for b in branches if b.type.kind != NULL), ANY)
        else:
            node.type = declared

    def let(self, node: Call) -> None:
        if len(node.args) % 2 == 0:
            self.fail("arity", "LET takes name, value pairs and then one result", node)
        frame = _Frame("let")
        self.frames.append(frame)
        try:
            names: list[str] = []
            for i in range(0, len(node.args) - 1, 2):
                target = node.args[i]
                if not isinstance(target, Name) or len(target.path) != 1:
                    self.fail("syntax", f"LET argument {i + 1} must be a simple name", target)
                assert isinstance(target, Name)
                value = self.check(node.args[i + 1])
                node.args[i + 1] = value
                self.locals += 1
                frame.names[target.path[0]] = (self.locals, value.type)
                names.append(f"{target.path[0]}:{self.locals}")
            node.args[-1] = self.check(node.args[-1])
        finally:
            self.frames.pop()
        node.locals = tuple(names)
        node.type = node.args[-1].type


def _needs(kinds: Iterable[str]) -> str:
    words = {
        NUMBER: "a number",
        BOOL: "TRUE/FALSE",
        TEXT: "text",
        LIST: "a list",
        RECORD: "a record",
    }
    return " or ".join(words.get(k, k) for k in kinds if k != BOOL or NUMBER not in kinds)


def check(
    text: str,
    tree: Node,
    variables: Mapping[str, Any] | None,
    constants: Mapping[str, Any] | None = None,
) -> tuple[Node, frozenset[str], tuple[FormulaWarning, ...]]:
    """The checked tree, the data names it reads and its warnings; raises FormulaError."""
    checker = Checker(text, variables, constants)
    root = checker.check(tree)
    return root, frozenset(checker.names), tuple(checker.warnings)
