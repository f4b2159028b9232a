"""Parse formula text into a syntax tree (lark, LALR, built once per process).

The grammar has no attribute access, no subscripts, no statements and no
loops; a name is a dotted path of identifiers into the caller's data.

`NOT` followed by `(` is Excel's function, an atom: `NOT(a) = b` compares
NOT(a) with b. Without parentheses, `NOT x` is a prefix operator that binds
looser than comparisons (`NOT a = b` is NOT(a = b)), which Excel lacks. The
tree is built by lark's LALR callbacks, bottom-up and without recursion, so
a deeply nested input cannot exhaust the Python stack before the depth
limit rejects it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from perfloop.engine.formulas import limits
from perfloop.engine.formulas.errors import FormulaError
from perfloop.engine.formulas.nodes import Binary, Call, ListExpr, Literal, Name, Node, Unary

GRAMMAR = r"""
?start: or_expr

?or_expr: and_expr
        | or_expr OR and_expr -> binop
?and_expr: not_expr
         | and_expr AND not_expr -> binop
?not_expr: comparison
         | NOT not_expr -> unop
?comparison: concat
           | concat COMP_OP concat -> binop
?concat: additive
       | concat AMP additive -> binop
?additive: term
         | additive (PLUS | MINUS) term -> binop
?term: unary
     | term (STAR | SLASH) unary -> binop
?unary: power
      | (PLUS | MINUS) unary -> unop
?power: postfix
      | postfix CARET unary -> binop
?postfix: atom
        | postfix PERCENT -> percent
?atom: NUMBER -> number
     | STRING -> string
     | TRUE -> true
     | FALSE -> false
     | NULL -> null
     | NAME (DOT NAME)* -> name
     | (NAME | AND | OR | NOT_CALL) LPAR [args] RPAR -> call
     | LSQB [args] RSQB -> list_
     | LPAR or_expr RPAR -> paren
args: or_expr (COMMA or_expr)*

AND.2: /and(?!\w)/i
OR.2: /or(?!\w)/i
NOT_CALL.3: /not(?=\s*\()/i
NOT.2: /not(?!\w)/i
TRUE.2: /true(?!\w)/i
FALSE.2: /false(?!\w)/i
NULL.2: /null(?!\w)/i
NAME: /[^\W\d]\w*/
NUMBER: /(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/
STRING: /"(?:[^"]|"")*"/ | /'(?:[^']|'')*'/
COMP_OP: /==|!=|<>|<=|>=|=|<|>/
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
CARET: "^"
PERCENT: "%"
AMP: "&"
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
DOT: "."

%ignore /\s+/
"""

_OPS = {"==": "=", "!=": "<>"}

_TERMINAL_NAMES = {
    "NUMBER": "a number",
    "STRING": "text",
    "NAME": "a name",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
    "NULL": "NULL",
    "AND": "AND",
    "OR": "OR",
    "NOT": "NOT",
    "NOT_CALL": "NOT(",
    "COMP_OP": "a comparison",
    "$END": "the end of the formula",
}

_FULL_WIDTH = {
    "，": ",",
    "（": "(",
    "）": ")",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "；": ",",
    "【": "[",
    "】": "]",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "＝": "=",
    "＜": "<",
    "＞": ">",
    "％": "%",
    "＆": "&",
    "。": ".",
    "×": "*",
    "÷": "/",
}


def _pos(item: Token | Node) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.start_pos or 0, item.end_pos or 0
    return item.start, item.end


class _Build(Transformer[Token, Node]):
    """LALR callbacks: tokens and child nodes in, one Node out."""

    def number(self, children: list[Token]) -> Node:
        (tok,) = children
        text = str(tok)
        start, end = _pos(tok)
        digits = sum(ch.isdigit() for ch in text.split("e")[0].split("E")[0])
        if digits > limits.MAX_NUMBER_DIGITS:
            raise _Fail("limit", f"number has more than {limits.MAX_NUMBER_DIGITS} digits", start)
        value: int | float
        if any(ch in text for ch in ".eE"):
            value = float(text)
            if value > limits.MAX_NUMBER:
                raise _Fail("limit", f"number {text} is beyond 9.99999999999999E+307", start, end)
        else:
            value = int(text)
        return Literal(start, end, value=value)

    def string(self, children: list[Token]) -> Node:
        (tok,) = children
        raw = str(tok)
        quote = raw[0]
        start, end = _pos(tok)
        return Literal(start, end, value=raw[1:-1].replace(quote * 2, quote))

    def true(self, children: list[Token]) -> Node:
        return Literal(*_pos(children[0]), value=True)

    def false(self, children: list[Token]) -> Node:
        return Literal(*_pos(children[0]), value=False)

    def null(self, children: list[Token]) -> Node:
        return Literal(*_pos(children[0]), value=None)

    def name(self, children: list[Token]) -> Node:
        parts = [str(t) for t in children if t.type == "NAME"]
        for tok in children:
            if tok.type == "NAME" and "__" in str(tok):
                raise _Fail("syntax", f"names may not contain '__': {tok}", *_pos(tok))
        return Name(_pos(children[0])[0], _pos(children[-1])[1], path=tuple(parts))

    def call(self, children: list[Any]) -> Node:
        fname, _lpar, args, rpar = children
        start, name_end = _pos(fname)
        if fname.type == "NOT_CALL":
            nodes = list(args or [])
            if len(nodes) != 1:
                raise _Fail(
                    "arity", f"NOT takes 1 argument, not {len(nodes)}", start, _pos(rpar)[1]
                )
            return Unary(start, _pos(rpar)[1], op="NOT", operand=nodes[0], call=True)
        return Call(
            start,
            _pos(rpar)[1],
            name=str(fname).upper(),
            args=list(args or []),
            name_end=name_end,
        )

    def list_(self, children: list[Any]) -> Node:
        lsqb, items, rsqb = children
        items = list(items or [])
        if len(items) > limits.MAX_LIST_LITERAL:
            raise _Fail(
                "limit",
                f"a list may have at most {limits.MAX_LIST_LITERAL} items, this has {len(items)}",
                _pos(lsqb)[0],
                _pos(lsqb)[1],
            )
        return ListExpr(_pos(lsqb)[0], _pos(rsqb)[1], items=items)

    def args(self, children: list[Any]) -> list[Node]:
        nodes = [c for c in children if isinstance(c, Node)]
        if len(nodes) > limits.MAX_ARGS:
            raise _Fail("limit", f"at most {limits.MAX_ARGS} arguments", nodes[0].start)
        return nodes

    def paren(self, children: list[Any]) -> Node:
        lpar, inner, rpar = children
        node: Node = inner
        # The node spans its parentheses, so an explanation shows "(a + b)".
        node.start, node.end = _pos(lpar)[0], _pos(rpar)[1]
        return node

    def binop(self, children: list[Any]) -> Node:
        left, op, right = children
        opname = _OPS.get(str(op), str(op).upper())
        return Binary(
            _pos(left)[0], _pos(right)[1], op=opname, left=left, right=right, op_pos=_pos(op)[0]
        )

    def unop(self, children: list[Any]) -> Node:
        op, operand = children
        return Unary(_pos(op)[0], _pos(operand)[1], op=str(op).upper(), operand=operand)

    def percent(self, children: list[Any]) -> Node:
        operand, op = children
        return Unary(_pos(operand)[0], _pos(op)[1], op="%", operand=operand)


class _Fail(Exception):
    def __init__(self, code: str, message: str, pos: int, end: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.pos, self.end = code, message, pos, end


@cache
def _parser() -> Lark:
    return Lark(
        GRAMMAR,
        parser="lalr",
        lexer="contextual",
        transformer=_Build(),
        maybe_placeholders=True,
    )


def parse(text: str) -> Node:
    """Parse formula text into a syntax tree, or raise FormulaError."""
    if not isinstance(text, str):
        raise FormulaError("syntax", "a formula must be text")
    if len(text) > limits.MAX_LENGTH:
        raise FormulaError(
            "limit",
            f"formula is {len(text)} characters long; the limit is {limits.MAX_LENGTH}",
            text=text,
            pos=limits.MAX_LENGTH,
        )
    if not text.strip():
        raise FormulaError("syntax", "the formula is empty", text=text, pos=0)
    try:
        tree = _parser().parse(text)
    except _Fail as fail:
        raise FormulaError(fail.code, fail.message, text=text, pos=fail.pos, end=fail.end) from None
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    if not isinstance(tree, Node):  # pragma: no cover - the grammar always builds a Node
        raise FormulaError("syntax", "cannot parse the formula", text=text, pos=0)
    _check_size(text, tree)
    return tree


def _check_size(text: str, root: Node) -> None:
    count = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > limits.MAX_DEPTH:
            raise FormulaError(
                "limit",
                f"the formula is nested more than {limits.MAX_DEPTH} levels deep; "
                "split it, or use SUM/AND/OR over a list instead of long chains",
                text=text,
                pos=node.start,
            )
        if count > limits.MAX_NODES:
            raise FormulaError(
                "limit",
                f"the formula has more than {limits.MAX_NODES} parts; split it",
                text=text,
                pos=node.start,
            )
        stack.extend((child, depth + 1) for child in node.children())


def _expected(names: set[str] | frozenset[str]) -> str:
    shown = sorted({_TERMINAL_NAMES.get(n, "") or _literal(n) for n in names})
    shown = [s for s in shown if s]
    if not shown:
        return ""
    if len(shown) > 6:
        shown = [*shown[:6], "..."]
    return "; expected " + ", ".join(shown)


def _literal(terminal: str) -> str:
    pattern = _parser().get_terminal(terminal).pattern
    value = getattr(pattern, "value", "")
    return f"'{value}'" if pattern.type == "str" else ""


def _syntax_error(text: str, exc: UnexpectedInput) -> FormulaError:
    pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    if isinstance(exc, UnexpectedCharacters):
        char = text[pos] if pos < len(text) else ""
        if char in _FULL_WIDTH:
            return FormulaError(
                "syntax",
                f"full-width character '{char}' (Chinese input mode?): type '{_FULL_WIDTH[char]}'",
                text=text,
                pos=pos,
                suggestion=_FULL_WIDTH[char],
            )
        if char in "\"'":
            return FormulaError(
                "syntax", f"text is not closed: the closing {char} is missing", text=text, pos=pos
            )
        return FormulaError(
            "syntax",
            f"unexpected character {char!r}{_expected(exc.allowed or set())}",
            text=text,
            pos=pos,
        )
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        expected = exc.accepts or exc.expected
        if tok.type == "$END":
            return FormulaError(
                "syntax",
                f"the formula ends too early{_expected(expected)}",
                text=text,
                pos=len(text.rstrip()),
            )
        end = tok.end_pos
        if tok.type == "COMP_OP" and "COMP_OP" not in expected:
            return FormulaError(
                "syntax",
                f"comparisons cannot be chained ({tok}); write AND(a < b, b < c)",
                text=text,
                pos=pos,
                end=end,
            )
        if tok.type == "STAR" and pos > 0 and text[pos - 1] == "*":
            return FormulaError(
                "syntax", "'**' is not an operator: use ^ for powers", text=text, pos=pos - 1
            )
        return FormulaError(
            "syntax", f"unexpected {str(tok)!r}{_expected(expected)}", text=text, pos=pos, end=end
        )
    return FormulaError(
        "syntax", "cannot parse the formula", text=text, pos=pos
    )  # pragma: no cover
