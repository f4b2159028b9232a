"""The checked syntax tree of a formula.

The parser builds these nodes; the checker annotates them (`type`, `binding`,
`mode`); the code generator and the explaining interpreter walk them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfloop.engine.formulas.vartypes import ANY, SType


@dataclass(slots=True, eq=False)
class Node:
    start: int
    end: int
    type: SType = field(default=ANY, init=False)

    def children(self) -> list[Node]:
        return []


@dataclass(slots=True, eq=False)
class Literal(Node):
    value: Any = None


@dataclass(slots=True, eq=False)
class Binding:
    """Where a name's value comes from, decided by the checker.

    `scopes` are the aggregate scopes (1 = outermost record variable) to try,
    innermost first; `data` says whether the caller's data is tried last.
    A name whose place is known statically has one entry in total.
    """

    scopes: tuple[int, ...]
    data: bool
    local: int = 0  #: > 0: the LET variable with this number


@dataclass(slots=True, eq=False)
class Name(Node):
    path: tuple[str, ...] = ()
    binding: Binding = field(default_factory=lambda: Binding((), True))


@dataclass(slots=True, eq=False)
class ListExpr(Node):
    items: list[Node] = field(default_factory=list)

    def children(self) -> list[Node]:
        return self.items


@dataclass(slots=True, eq=False)
class Unary(Node):
    op: str = ""  # "-", "+", "NOT", "%"
    operand: Node | None = None
    call: bool = False  #: NOT written as Excel's function, NOT(x)

    def children(self) -> list[Node]:
        assert self.operand is not None
        return [self.operand]


@dataclass(slots=True, eq=False)
class Binary(Node):
    op: str = ""  # + - * / ^ & = <> < <= > >= AND OR
    left: Node | None = None
    right: Node | None = None
    op_pos: int = 0

    def children(self) -> list[Node]:
        assert self.left is not None
        assert self.right is not None
        return [self.left, self.right]


@dataclass(slots=True, eq=False)
class Call(Node):
    name: str = ""  # upper case
    args: list[Node] = field(default_factory=list)
    name_end: int = 0
    #: for SUM/AVG/MIN/MAX/COUNT/STREAK...: "plain", "records" or "dynamic";
    #: for LET: the local variable names
    mode: str = "plain"
    scope: int = 0  #: the record scope number an aggregate body runs in
    locals: tuple[str, ...] = ()

    def children(self) -> list[Node]:
        return self.args


def walk(node: Node) -> list[Node]:
    """All nodes, parents before children, without recursion."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children()))
    return out
