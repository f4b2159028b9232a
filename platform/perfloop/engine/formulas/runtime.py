"""The meaning of every operator, as total functions over formula values.

Values are: null (None), booleans, numbers (int, float; a Decimal from the
data is accepted), text (str), lists, records (mappings) and error values.
Every helper here accepts any value and never raises: a wrong type gives
`#VALUE!`, a division by zero `#DIV/0!`, an overflow `#NUM!`. Error values
win over null, and the left operand's error wins over the right one's.

Numbers are bounded: every number a helper reads (NaN, infinity or beyond
±9.99999999999999E+307 in the data) and every result it computes outside
that range is `#NUM!` (`limits.MAX_NUMBER`, Excel's limit), so an exact
integer can never grow past about 1,024 bits and an overflow is caught where
it happens, not at the end.

Generated code calls these helpers by name (they are the whitelisted free
names of a compiled formula), and so does the explaining interpreter, so
both share one definition of the language.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

from perfloop.engine.formulas import limits
from perfloop.engine.formulas.errors import DIV0, LIMIT, NUM, VALUE, FormulaErrorValue

ERR: Final = FormulaErrorValue
NUMBER_TYPES: Final = (int, float, Decimal)
MAX: Final = limits.MAX_NUMBER
#: The bound as a Decimal (exactly the float's value): a Decimal compared with a
#: float converts the float on every comparison, ten times slower.
_MAX_DECIMAL: Final = Decimal(MAX)
_MIN_DECIMAL: Final = Decimal(-MAX)  # not -_MAX_DECIMAL: unary minus rounds to 28 digits
RANGE_TEXT: Final = "±9.99999999999999E+307"


def err(code: str, message: str) -> FormulaErrorValue:
    return FormulaErrorValue(code, message)


def is_num(v: Any) -> bool:
    return isinstance(v, NUMBER_TYPES)


def in_range(v: Any) -> bool:
    """A number (bool, int, float, Decimal) that is neither NaN, infinite nor
    beyond ±MAX_NUMBER. Comparisons with a float are exact for ints and Decimals."""
    if isinstance(v, Decimal):
        return v.is_finite() and _MIN_DECIMAL <= v <= _MAX_DECIMAL
    return bool(-MAX <= v <= MAX)


def out_of_range(where: str) -> FormulaErrorValue:
    return err(NUM, f"{where} is not a number within {RANGE_TEXT}")


def checked(v: Any, where: str = "a number in the data") -> Any:
    """A value as the language reads it: a number out of range is `#NUM!`."""
    if v.__class__ is float or v.__class__ is int:
        return v if -MAX <= v <= MAX else out_of_range(where)
    if is_num(v) and not in_range(v):
        return out_of_range(where)
    return v


def number_result(v: Any, sym: str) -> Any:
    """An arithmetic result: `#NUM!` when it left the range."""
    if is_num(v) and not in_range(v):
        return err(NUM, f"the result of {sym} is beyond {RANGE_TEXT}")
    return v


def kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if is_num(v):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list | tuple):
        return "a list"
    if isinstance(v, Mapping):
        return "a record"
    return "an unsupported value"


def _arith(a: Any, b: Any, fn: Callable[[Any, Any], Any], sym: str) -> Any:
    a, b = checked(a), checked(b)
    if a.__class__ is ERR:
        return a
    if b.__class__ is ERR:
        return b
    if a is None or b is None:
        return None
    if not (is_num(a) and is_num(b)):
        bad = a if not is_num(a) else b
        return err(VALUE, f"cannot use {kind(bad)} with {sym}")
    try:
        try:
            result = fn(a, b)
        except TypeError:  # Decimal mixed with float
            result = fn(float(a), float(b))
    except ZeroDivisionError:
        return err(DIV0, "division by zero")
    except (ArithmeticError, ValueError):
        return err(NUM, f"the result of {sym} is beyond {RANGE_TEXT}")
    return number_result(result, sym)


def add(a: Any, b: Any) -> Any:
    return _arith(a, b, operator.add, "+")


def sub(a: Any, b: Any) -> Any:
    return _arith(a, b, operator.sub, "-")


def mul(a: Any, b: Any) -> Any:
    return _arith(a, b, operator.mul, "*")


def div(a: Any, b: Any) -> Any:
    return _arith(a, b, operator.truediv, "/")


def _pow(a: Any, b: Any) -> Any:
    if (
        isinstance(a, int)
        and isinstance(b, int)
        and b >= 0
        and (a in (0, 1, -1) or abs(a).bit_length() * b <= limits.MAX_POWER_BITS)
    ):
        return a**b  # exact; a larger one is beyond MAX_NUMBER anyway
    result = float(a) ** float(b)  # OverflowError, ZeroDivisionError handled by _arith
    if isinstance(result, complex):
        raise ValueError("complex result")
    return result


def power(a: Any, b: Any) -> Any:
    if is_num(a) and is_num(b) and a == 0 and b == 0 and in_range(a) and in_range(b):
        return err(NUM, "0^0 has no value (#NUM!, as in Excel)")
    return _arith(a, b, _pow, "^")


def _unary(a: Any, fn: Callable[[Any], Any], sym: str) -> Any:
    a = checked(a)
    if a is None or a.__class__ is ERR:
        return a
    if not is_num(a):
        return err(VALUE, f"cannot use {kind(a)} with {sym}")
    try:
        return number_result(fn(a), sym)
    except (ArithmeticError, ValueError):
        return err(NUM, f"the result of {sym} is beyond {RANGE_TEXT}")


def neg(a: Any) -> Any:
    return _unary(a, operator.neg, "-")


def pos(a: Any) -> Any:
    return _unary(a, operator.pos, "+")


def percent(a: Any) -> Any:
    return _unary(a, lambda x: x / 100, "%")


def text_of(v: Any) -> str | None:
    """The text form of a scalar, as `&` shows it; None when it has none."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v.is_finite() else str(v)
    return None


def concat(a: Any, b: Any) -> Any:
    a, b = checked(a), checked(b)
    if a.__class__ is ERR:
        return a
    if b.__class__ is ERR:
        return b
    ta, tb = text_of(a), text_of(b)
    if ta is None or tb is None:
        return err(VALUE, f"cannot join {kind(a if ta is None else b)} as text")
    if len(ta) + len(tb) > limits.MAX_TEXT:
        return err(LIMIT, f"text longer than {limits.MAX_TEXT} characters")
    return ta + tb


def _comparable(a: Any, b: Any, sym: str) -> Any:
    """(x, y) ready for Python comparison, or an error value / None.

    Numbers order with numbers, text with text (case-insensitively), TRUE/FALSE
    with TRUE/FALSE; anything else is `#VALUE!` (Excel would put every text
    after every number and TRUE after both: perfloop refuses to guess)."""
    a, b = checked(a), checked(b)
    if a.__class__ is ERR:
        return a
    if b.__class__ is ERR:
        return b
    if a is None or b is None:
        return None
    if isinstance(a, bool) is not isinstance(b, bool):
        return err(VALUE, f"cannot compare {kind(a)} with {kind(b)} using {sym}")
    if is_num(a) and is_num(b):
        if isinstance(a, Decimal) is not isinstance(b, Decimal):
            return float(a), float(b)
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold(), b.casefold()
    return err(VALUE, f"cannot compare {kind(a)} with {kind(b)} using {sym}")


def eq(a: Any, b: Any) -> Any:
    """`=`: as Excel, a number never equals text or TRUE/FALSE (`TRUE = 1` is FALSE)."""
    a, b = checked(a), checked(b)
    if a.__class__ is ERR:
        return a
    if b.__class__ is ERR:
        return b
    if a is None or b is None:
        return a is None and b is None
    if (is_num(a) and isinstance(b, str)) or (isinstance(a, str) and is_num(b)):
        return False
    if (isinstance(a, bool) or isinstance(b, bool)) and isinstance(a, bool) is not isinstance(
        b, bool
    ):
        return False if is_num(a) and is_num(b) else _comparable(a, b, "=")
    pair = _comparable(a, b, "=")
    if pair.__class__ is ERR:
        return pair
    return bool(pair[0] == pair[1])


def ne(a: Any, b: Any) -> Any:
    result = eq(a, b)
    return (not result) if isinstance(result, bool) else result


def _order(a: Any, b: Any, fn: Callable[[Any, Any], bool], sym: str) -> Any:
    pair = _comparable(a, b, sym)
    if pair is None or pair.__class__ is ERR:
        return pair
    return bool(fn(pair[0], pair[1]))


def lt(a: Any, b: Any) -> Any:
    return _order(a, b, operator.lt, "<")


def le(a: Any, b: Any) -> Any:
    return _order(a, b, operator.le, "<=")


def gt(a: Any, b: Any) -> Any:
    return _order(a, b, operator.gt, ">")


def ge(a: Any, b: Any) -> Any:
    return _order(a, b, operator.ge, ">=")


def truth(v: Any) -> Any:
    """A condition's truth: True, False, None (unknown) or an error value."""
    if v is True or v is False or v is None or v.__class__ is ERR:
        return v
    if is_num(v):
        return bool(v != 0) if in_range(v) else out_of_range("a condition")
    return err(VALUE, f"a condition must be TRUE or FALSE, not {kind(v)}")


def not_(v: Any) -> Any:
    t = truth(v)
    return (not t) if isinstance(t, bool) else t


def and_(*thunks: Callable[[], Any]) -> Any:
    """Kleene AND, left to right, stopping at the first FALSE."""
    result: Any = True
    for thunk in thunks:
        t = truth(thunk())
        if t is False or t.__class__ is ERR:
            return t
        if t is None:
            result = None
    return result


def or_(*thunks: Callable[[], Any]) -> Any:
    """Kleene OR, left to right, stopping at the first TRUE."""
    result: Any = False
    for thunk in thunks:
        t = truth(thunk())
        if t is True or t.__class__ is ERR:
            return t
        if t is None:
            result = None
    return result


def if_(cond: Any, then: Callable[[], Any], other: Callable[[], Any]) -> Any:
    t = truth(cond)
    if t is True:
        return then()
    if t is False:
        return other()
    return t


_MISSING: Final = object()


def get(scope: Any, key: str) -> Any:
    """A field of a record scope, or _MISSING when the scope has no such field."""
    if isinstance(scope, Mapping):
        return scope.get(key, _MISSING) if key in scope else _MISSING
    return _MISSING


def lookup(path: tuple[str, ...], scopes: tuple[Any, ...], data: Any) -> Any:
    """The value of a name: the innermost record that has the field, else the data."""
    value: Any = _MISSING
    for scope in scopes:
        value = get(scope, path[0])
        if value is not _MISSING:
            break
    if value is _MISSING:
        value = get(data, path[0]) if data is not None else _MISSING
    if value is _MISSING:
        return None
    return follow(value, path[1:], path[0])


def follow(value: Any, rest: tuple[str, ...], head: str) -> Any:
    """Walk the remaining dotted path; missing fields are null."""
    for i, key in enumerate(rest):
        if value is None or value.__class__ is ERR:
            return value
        if not isinstance(value, Mapping):
            where = ".".join((head, *rest[:i]))
            return err(VALUE, f"{where} is {kind(value)}, it has no field {key!r}")
        value = value.get(key)
    return value


def finish(value: Any) -> Any:
    """The last step of every evaluation: no number out of range escapes."""
    return checked(value, "the result")
