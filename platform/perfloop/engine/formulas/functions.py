"""The formula functions: what each one does, and what the checker knows about it.

Strict functions receive evaluated values. Lazy ones (IF, IFS, AND, OR,
COALESCE, IFERROR, LET) and the aggregates (SUM, AVG, MIN, MAX, COUNT,
STREAK, MAXSTREAK, CHANGE over a list of records) are compiled specially, but their
meaning is still defined here, in plain functions over thunks.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal, InvalidOperation
from typing import Any

from perfloop.engine.formulas import limits
from perfloop.engine.formulas.completion import DIRECTIONS, completion_ratio
from perfloop.engine.formulas.errors import DIV0, LIMIT, NA, NUM, VALUE, FormulaErrorValue
from perfloop.engine.formulas.runtime import (
    ERR,
    RANGE_TEXT,
    checked,
    concat,
    err,
    in_range,
    is_num,
    kind,
    number_result,
    sub,
    truth,
)
from perfloop.engine.formulas.vartypes import ANY, BOOL_T, LIST_T, NUM_T, TEXT_T, SType

Thunk = Callable[[], Any]

# --------------------------------------------------------------------------- values


def _scalars(args: Iterable[Any]) -> list[Any] | FormulaErrorValue:
    """Arguments with lists expanded one level; null dropped; first error returned
    (a number out of range is `#NUM!`)."""
    out: list[Any] = []
    for a in args:
        items = a if isinstance(a, list | tuple) else (a,)
        if len(items) > limits.MAX_LIST:
            return err(LIMIT, f"a list longer than {limits.MAX_LIST} items")
        for v in items:
            if v is None:
                continue
            v = checked(v)
            if v.__class__ is ERR:
                return v
            out.append(v)
    return out


def _numbers(args: Iterable[Any], fname: str) -> list[Any] | FormulaErrorValue:
    """The numbers among the arguments; TRUE and FALSE count as 1 and 0."""
    values = _scalars(args)
    if isinstance(values, FormulaErrorValue):
        return values
    for i, v in enumerate(values):
        if not is_num(v):
            return err(VALUE, f"{fname} needs numbers, got {kind(v)}")
        if isinstance(v, bool):
            values[i] = int(v)
    return values


def plain_sum(values: Iterable[Any]) -> Any:
    """Left-to-right addition from 0: what SUM means on every Python version
    (the builtin sum() of Python 3.12+ compensates float rounding)."""
    total: Any = 0
    for v in values:
        total = total + v
    return total


def _total(values: list[Any]) -> Any:
    """The sum of in-range numbers; only the total is checked (each term is at
    most MAX_NUMBER, so a sum of a million of them stays small)."""
    try:
        total = plain_sum(values)
    except TypeError:  # Decimal mixed with float
        total = plain_sum(float(v) for v in values)
    return number_result(total, "SUM")


def fn_sum(*args: Any) -> Any:
    values = _numbers(args, "SUM")
    if isinstance(values, FormulaErrorValue):
        return values
    return _total(values)


def fn_avg(*args: Any) -> Any:
    values = _numbers(args, "AVG")
    if isinstance(values, FormulaErrorValue):
        return values
    if not values:
        return err(DIV0, "AVG of no values")
    total = _total(values)
    return total if total.__class__ is ERR else total / len(values)


def fn_min(*args: Any) -> Any:
    values = _numbers(args, "MIN")
    if isinstance(values, FormulaErrorValue) or not values:
        return values or None
    return min(values)


def fn_max(*args: Any) -> Any:
    values = _numbers(args, "MAX")
    if isinstance(values, FormulaErrorValue) or not values:
        return values or None
    return max(values)


def fn_count(*args: Any) -> Any:
    values = _scalars(args)
    return values if isinstance(values, FormulaErrorValue) else len(values)


def _run(values: Sequence[Any]) -> tuple[int, int] | FormulaErrorValue:
    """(current streak at the end, longest streak) of TRUE values."""
    current = longest = 0
    for v in values:
        t = truth(v)
        if t.__class__ is ERR:
            return t
        current = current + 1 if t is True else 0
        longest = max(longest, current)
    return current, longest


def fn_streak(values: Any) -> Any:
    if values is None or values.__class__ is ERR:
        return values
    if not isinstance(values, list | tuple):
        return err(VALUE, f"STREAK needs a list, got {kind(values)}")
    run = _run(values)
    return run if isinstance(run, FormulaErrorValue) else run[0]


def fn_maxstreak(values: Any) -> Any:
    if values is None or values.__class__ is ERR:
        return values
    if not isinstance(values, list | tuple):
        return err(VALUE, f"MAXSTREAK needs a list, got {kind(values)}")
    run = _run(values)
    return run if isinstance(run, FormulaErrorValue) else run[1]


def fn_change(values: Any) -> Any:
    """The last value minus the one before it: the change over the previous period.

    Null when the list has fewer than two values or either of the last two is null
    (a period without a result); an error value in either is the result.
    """
    if values is None or values.__class__ is ERR:
        return values
    if not isinstance(values, list | tuple):
        return err(VALUE, f"CHANGE needs a list, got {kind(values)}")
    if len(values) < 2:
        return None
    before, last = values[-2], values[-1]
    if isinstance(before, bool) or isinstance(last, bool):
        return err(VALUE, "CHANGE needs numbers, got a boolean")
    return sub(last, before)


#: The plain reducers of the aggregate functions.
REDUCERS: dict[str, Callable[..., Any]] = {
    "SUM": fn_sum,
    "AVG": fn_avg,
    "MIN": fn_min,
    "MAX": fn_max,
    "AVERAGE": fn_avg,
    "COUNT": fn_count,
    "STREAK": fn_streak,
    "MAXSTREAK": fn_maxstreak,
    "CHANGE": fn_change,
}


def is_records(value: Any) -> bool:
    """A list whose elements are all records (an empty list counts as one)."""
    return isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value)


def aggregate(fname: str, items: Any, body: Callable[[Any], Any]) -> Any:
    """`FNAME(items, body)` with the body evaluated once per record.

    COUNT counts the records whose body is TRUE; STREAK/MAXSTREAK count runs of
    them; the others reduce the body's values (nulls skipped, errors propagate).
    An element that is not a record has no fields: its fields read as null.
    """
    if items is None or items.__class__ is ERR:
        return 0 if items is None and fname == "COUNT" else items
    if not isinstance(items, list | tuple):
        return err(VALUE, f"{fname} over records needs a list, got {kind(items)}")
    if len(items) > limits.MAX_LIST:
        return err(LIMIT, f"a list longer than {limits.MAX_LIST} items")
    values = [body(record) for record in items]
    if fname == "COUNT":
        count = 0
        for v in values:
            t = truth(v)
            if t.__class__ is ERR:
                return t
            count += t is True
        return count
    if fname in ("STREAK", "MAXSTREAK"):
        return REDUCERS[fname](values)
    return REDUCERS[fname](values)


def aggregate_dynamic(fname: str, items: Any, body: Callable[[Any], Any]) -> Any:
    """Two-argument aggregate whose first argument's type was unknown at compile time."""
    if items is None or items.__class__ is ERR or is_records(items):
        return aggregate(fname, items, body)
    if fname in ("STREAK", "MAXSTREAK", "CHANGE"):
        return err(VALUE, f"{fname}(list, value) needs a list of records")
    if fname == "COUNT":
        return fn_count(items, body(None))
    return REDUCERS[fname](items, body(None))


def fn_sumproduct(*lists: Any) -> Any:
    for v in lists:
        if v is None or v.__class__ is ERR:
            return v
        if not isinstance(v, list | tuple):
            return err(VALUE, f"SUMPRODUCT needs lists, got {kind(v)}")
    if len({len(v) for v in lists}) > 1:
        return err(VALUE, "SUMPRODUCT needs lists of the same length")
    total: Any = 0
    for row in zip(*lists, strict=True):
        product: Any = 1
        for v in row:
            v = checked(v)
            if v.__class__ is ERR:
                return v
            if v is None:
                v = 0
            if not is_num(v):
                return err(VALUE, f"SUMPRODUCT needs numbers, got {kind(v)}")
            product = product * v if not isinstance(v, Decimal) else float(product) * float(v)
            product = number_result(product, "SUMPRODUCT")
            if product.__class__ is ERR:
                return product
        total = (
            total + product if not isinstance(product, Decimal) else float(total) + float(product)
        )
    return number_result(total, "SUMPRODUCT")


# --------------------------------------------------------------------------- numbers


def _num_args(fname: str, *args: Any) -> FormulaErrorValue | bool | None:
    """An error value or None (null argument) to return, or True when all are numbers."""
    for a in args:
        a = checked(a)
        if a.__class__ is ERR:
            return a
    for a in args:
        if a is None:
            return None
        if not is_num(a):
            return err(VALUE, f"{fname} needs numbers, got {kind(a)}")
    return True


#: Wide enough to round any in-range number to any of ±400 places exactly.
_ROUNDING = Context(prec=800, Emax=2000, Emin=-2000)
#: The common case, a float below 10^15 to 0-12 places, needs no wide context.
_FAST_PLACES = 12
_FAST_BOUND = 1e15
_QUANTA = [Decimal(1).scaleb(-n) for n in range(_FAST_PLACES + 1)]
#: ROUND half up without Decimal: up to 6 places, for |x| * 10^places below 1e8,
#: whose binary value is within 3e-8 of its shortest decimal, far less than the
#: distance kept from one half.
_QUICK_PLACES = 6
_QUICK_BOUND = 1e8
_NEAR_HALF = 1e-5
_SCALES = [10**n for n in range(_QUICK_PLACES + 1)]


def _round(fname: str, x: Any, digits: Any, mode: str) -> Any:
    """As Excel: any number of digits (truncated to a whole number); past the
    last digit a float has, nothing changes; far left of it, 0 (or, rounding
    up, a power of ten, `#NUM!` beyond the range)."""
    if (
        x.__class__ is float
        and digits.__class__ is int
        and 0 <= digits <= _FAST_PLACES
        and -_FAST_BOUND < x < _FAST_BOUND
    ):
        # at most 15 + 12 digits: the default context (28) rounds exactly as _ROUNDING
        done = Decimal(repr(x)).quantize(_QUANTA[digits], rounding=mode)
        return float(done) if digits else int(done)
    check = _num_args(fname, x, digits)
    if check is not True:
        return check
    places = max(-400, min(400, int(digits)))
    try:
        d = Decimal(repr(float(x))) if isinstance(x, float) else Decimal(x)
        quantum = Decimal(1).scaleb(-places)
        result = d.quantize(quantum, rounding=mode, context=_ROUNDING)
    except (InvalidOperation, ValueError, OverflowError):  # pragma: no cover - in range
        return err(NUM, f"{fname} of {x!r} is beyond {RANGE_TEXT}")
    if not in_range(result):
        return err(NUM, f"{fname} of {x!r} is beyond {RANGE_TEXT}")
    return int(result) if places <= 0 else float(result)


def fn_round(x: Any, digits: Any = 0) -> Any:
    """Half away from zero, as Excel: ROUND(2.5) = 3, ROUND(-2.5) = -3, ROUND(2.675, 2) = 2.68."""
    if (
        x.__class__ is float
        and digits.__class__ is int
        and 0 <= digits <= _QUICK_PLACES
        and (y := (x if x > 0 else -x) * _SCALES[digits]) < _QUICK_BOUND
        and y
    ):
        # The digits past the place, from the binary value: when they are not
        # near one half, the shortest decimal (what _round's Decimal(repr(x))
        # reads) rounds the same way, and a whole number over a power of ten is
        # the float nearest that decimal, as float(Decimal) gives it.
        whole = int(y)
        rest = y - whole
        if not -_NEAR_HALF < rest - 0.5 < _NEAR_HALF:
            whole += rest > 0.5
            if not digits:
                return whole if x > 0 else -whole
            done = whole / _SCALES[digits]
            return done if x > 0 else -done
    return _round("ROUND", x, digits, ROUND_HALF_UP)


def fn_roundup(x: Any, digits: Any = 0) -> Any:
    return _round("ROUNDUP", x, digits, ROUND_UP)


def fn_rounddown(x: Any, digits: Any = 0) -> Any:
    return _round("ROUNDDOWN", x, digits, ROUND_DOWN)


def fn_abs(x: Any) -> Any:
    check = _num_args("ABS", x)
    return abs(x) if check is True else check


def fn_clamp(x: Any, lo: Any, hi: Any) -> Any:
    """MIN(MAX(x, lo), hi); a null bound is no bound."""
    x, lo, hi = (int(a) if isinstance(a, bool) else checked(a) for a in (x, lo, hi))
    for a in (x, lo, hi):
        if a.__class__ is ERR:
            return a
    if x is None:
        return None
    for a in (x, lo, hi):
        if a is not None and not is_num(a):
            return err(VALUE, f"CLAMP needs numbers, got {kind(a)}")
    try:
        if lo is not None:
            x = max(x, lo)
        if hi is not None:
            x = min(x, hi)
    except TypeError:
        return fn_clamp(
            float(x), None if lo is None else float(lo), None if hi is None else float(hi)
        )
    return x


def fn_mod(a: Any, b: Any) -> Any:
    check = _num_args("MOD", a, b)
    if check is not True:
        return check
    if b == 0:
        return err(DIV0, "MOD by zero")
    try:
        return a % b
    except TypeError:
        return float(a) % float(b)


def _ascending(values: Any, fname: str, what: str) -> list[Any] | FormulaErrorValue:
    if not isinstance(values, list | tuple):
        return err(VALUE, f"{fname} {what} must be a list, got {kind(values)}")
    values = [checked(v) for v in values]
    for v in values:
        if v.__class__ is ERR:
            return v
        if not is_num(v):
            return err(VALUE, f"{fname} {what} must be numbers, got {kind(v)}")
    if any(b < a for a, b in itertools.pairwise(values)):
        return err(VALUE, f"{fname} {what} must be in ascending order")
    return list(values)


def fn_band(value: Any, thresholds: Any, results: Any) -> Any:
    """results[i] where i is how many thresholds are <= value."""
    value = checked(value)
    if value is None or value.__class__ is ERR:
        return value
    if not is_num(value):
        return err(VALUE, f"BAND needs a number, got {kind(value)}")
    limits_ = _ascending(thresholds, "BAND", "thresholds")
    if isinstance(limits_, FormulaErrorValue):
        return limits_
    if not isinstance(results, list | tuple) or len(results) != len(limits_) + 1:
        return err(VALUE, "BAND needs one more result than thresholds")
    return checked(results[bisect.bisect_right(limits_, value)])


def fn_interp(value: Any, xs: Any, ys: Any) -> Any:
    """Straight-line interpolation through the points (xs[i], ys[i]), flat outside."""
    value = checked(value)
    if value is None or value.__class__ is ERR:
        return value
    if not is_num(value):
        return err(VALUE, f"INTERP needs a number, got {kind(value)}")
    px = _ascending(xs, "INTERP", "points")
    if isinstance(px, FormulaErrorValue):
        return px
    py = _numbers([ys], "INTERP") if isinstance(ys, list | tuple) else None
    if not isinstance(py, list) or len(py) != len(px) or len(ys) != len(px) or not px:
        return err(VALUE, "INTERP needs two lists of numbers of the same, non-zero length")
    v = float(value)
    if v <= px[0]:
        return py[0]
    if v >= px[-1]:
        return py[-1]
    i = bisect.bisect_right(px, v)
    x0, x1, y0, y1 = float(px[i - 1]), float(px[i]), float(py[i - 1]), float(py[i])
    return number_result(y0 + (y1 - y0) * (v - x0) / (x1 - x0), "INTERP")


def fn_completion(actual: Any, target: Any, direction: Any = "higher") -> Any:
    actual, target = checked(actual), checked(target)
    for a in (actual, target, direction):
        if a.__class__ is ERR:
            return a
    if actual is None or target is None or direction is None:
        return None
    if not (is_num(actual) and is_num(target)):
        return err(VALUE, "COMPLETION needs a number actual and target")
    if not isinstance(direction, str) or direction.lower() not in DIRECTIONS:
        return err(VALUE, f"COMPLETION direction must be one of {', '.join(DIRECTIONS)}")
    try:
        try:
            ratio = completion_ratio(actual, target, direction.lower())
        except TypeError:  # Decimal mixed with float
            ratio = completion_ratio(float(actual), float(target), direction.lower())
    except (ArithmeticError, ValueError):
        return err(NUM, f"COMPLETION is beyond {RANGE_TEXT}")
    return number_result(ratio, "COMPLETION")


def fn_tier(value: Any, table: Any, key: Any, result: Any) -> Any:
    """`result` field of the row of `table` with the largest `key` field <= value."""
    value = checked(value)
    for a in (value, table, key, result):
        if a.__class__ is ERR:
            return a
    if value is None or table is None:
        return None
    if not is_num(value):
        return err(VALUE, f"TIER needs a number, got {kind(value)}")
    if (
        not isinstance(table, list | tuple)
        or not isinstance(key, str)
        or not isinstance(result, str)
    ):
        return err(VALUE, "TIER needs a list of records and two field names")
    best: Any = None
    for row in table:
        if not isinstance(row, Mapping):
            return err(VALUE, f"TIER needs a list of records, got {kind(row)} in it")
        bound = checked(row.get(key))
        if bound.__class__ is ERR:
            return bound
        if (
            is_num(bound)
            and not isinstance(bound, bool)
            and bound <= value
            and (best is None or bound > best.get(key))
        ):
            best = row
    return None if best is None else checked(best.get(result))


def fn_field(record: Any, name: Any) -> Any:
    """The field `name` of a record (null when it has none)."""
    for a in (record, name):
        if a is None or a.__class__ is ERR:
            return a
    if not isinstance(record, Mapping):
        return err(VALUE, f"FIELD needs a record, got {kind(record)}")
    if not isinstance(name, str):
        return err(VALUE, f"FIELD needs a field name as text, got {kind(name)}")
    return checked(record.get(name))


# --------------------------------------------------------------------------- text & tests


def fn_concat(*args: Any) -> Any:
    result: Any = ""
    for a in args:
        result = concat(result, a)
        if result.__class__ is ERR:
            break
    return result


def fn_len(x: Any) -> Any:
    x = checked(x)
    if x is None or x.__class__ is ERR:
        return x
    if isinstance(x, list | tuple):
        return len(x)
    if not isinstance(x, str):
        return err(VALUE, f"LEN needs text or a list, got {kind(x)}")
    return len(x)


def fn_isblank(x: Any) -> bool:
    return x is None


def fn_iserror(x: Any) -> bool:
    return checked(x).__class__ is ERR


def fn_isnumber(x: Any) -> bool:
    return is_num(x) and not isinstance(x, bool) and in_range(x)


def fn_istext(x: Any) -> bool:
    return isinstance(x, str)


# --------------------------------------------------------------------------- lazy


def fn_ifs(*pairs: Thunk) -> Any:
    for cond, value in zip(pairs[::2], pairs[1::2], strict=True):
        t = truth(cond())
        if t is True:
            return value()
        if t is not False:
            return t
    return err(NA, "no IFS condition is TRUE")


def fn_coalesce(*thunks: Thunk) -> Any:
    for thunk in thunks:
        v = checked(thunk())
        if v is not None:
            return v
    return None


def fn_iferror(value: Thunk, fallback: Thunk) -> Any:
    v = checked(value())
    return fallback() if v.__class__ is ERR else v


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class Function:
    """What the checker and code generator know about one function."""

    name: str
    min_args: int
    max_args: int | None  #: None: any number
    params: tuple[str, ...]  #: expected kinds by position; the last one repeats
    result: SType
    impl: Callable[..., Any] | None = None  #: strict implementation
    special: str = ""  #: "if", "ifs", "and", "or", "coalesce", "iferror", "let", "agg"
    summary: str = ""

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _f(
    name: str,
    arity: tuple[int, int | None],
    params: str,
    result: SType,
    impl: Callable[..., Any] | None = None,
    special: str = "",
    summary: str = "",
) -> Function:
    return Function(name, arity[0], arity[1], tuple(params.split()), result, impl, special, summary)


_AGG = "agg"
FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        _f("IF", (2, 3), "cond any", ANY, special="if", summary="IF(condition, then, else)"),
        _f("IFS", (2, None), "any", ANY, special="ifs", summary="IFS(c1, v1, c2, v2, ...)"),
        _f("AND", (1, None), "cond", BOOL_T, special="and", summary="AND(a, b, ...)"),
        _f("OR", (1, None), "cond", BOOL_T, special="or", summary="OR(a, b, ...)"),
        _f("COALESCE", (1, None), "any", ANY, special="coalesce", summary="first non-null"),
        _f("IFERROR", (2, 2), "any", ANY, special="iferror", summary="IFERROR(x, fallback)"),
        _f("LET", (3, None), "any", ANY, special="let", summary="LET(name, value, ..., body)"),
        _f("SUM", (1, None), "numlist", NUM_T, fn_sum, _AGG),
        _f("AVG", (1, None), "numlist", NUM_T, fn_avg, _AGG),
        _f("AVERAGE", (1, None), "numlist", NUM_T, fn_avg, _AGG),
        _f("MIN", (1, None), "numlist", NUM_T, fn_min, _AGG),
        _f("MAX", (1, None), "numlist", NUM_T, fn_max, _AGG),
        _f("COUNT", (1, None), "any", NUM_T, fn_count, _AGG),
        _f("STREAK", (1, 2), "list cond", NUM_T, fn_streak, _AGG),
        _f("MAXSTREAK", (1, 2), "list cond", NUM_T, fn_maxstreak, _AGG),
        _f("CHANGE", (1, 2), "list num", NUM_T, fn_change, _AGG),
        _f("SUMPRODUCT", (1, None), "list", NUM_T, fn_sumproduct),
        _f("ROUND", (1, 2), "num num", NUM_T, fn_round),
        _f("ROUNDUP", (1, 2), "num num", NUM_T, fn_roundup),
        _f("ROUNDDOWN", (1, 2), "num num", NUM_T, fn_rounddown),
        _f("ABS", (1, 1), "num", NUM_T, fn_abs),
        _f("CLAMP", (3, 3), "num num num", NUM_T, fn_clamp),
        _f("MOD", (2, 2), "num num", NUM_T, fn_mod),
        _f("BAND", (3, 3), "num list list", ANY, fn_band),
        _f("INTERP", (3, 3), "num list list", NUM_T, fn_interp),
        _f("COMPLETION", (2, 3), "num num direction", NUM_T, fn_completion),
        _f("TIER", (4, 4), "num list text text", ANY, fn_tier),
        _f("FIELD", (2, 2), "record text", ANY, fn_field),
        _f("CONCAT", (1, None), "scalar", TEXT_T, fn_concat),
        _f("LEN", (1, 1), "textlist", NUM_T, fn_len),
        _f("ISBLANK", (1, 1), "any", BOOL_T, fn_isblank),
        _f("ISERROR", (1, 1), "any", BOOL_T, fn_iserror),
        _f("ISNUMBER", (1, 1), "any", BOOL_T, fn_isnumber),
        _f("ISTEXT", (1, 1), "any", BOOL_T, fn_istext),
    ]
}

#: Aggregates whose second argument is evaluated once per record.
RECORD_AGGREGATES = frozenset(
    {"SUM", "AVG", "AVERAGE", "MIN", "MAX", "COUNT", "STREAK", "MAXSTREAK", "CHANGE"}
)

#: Python names the code generator may use for strict functions.
STRICT_NAMES = {f.name: f"fn_{f.name.lower()}" for f in FUNCTIONS.values() if f.impl}

__all__ = ["FUNCTIONS", "LIST_T", "RECORD_AGGREGATES", "Function"]
