"""Hard limits that keep every formula cheap to compile and to run.

They are deliberately generous for business formulas and small enough that
no formula can exhaust memory or time (`9^9^9`, a `LET` chain of squarings,
`"a" & ...` growing, deep nesting, huge lists).
"""

from __future__ import annotations

from typing import Final

MAX_LENGTH: Final = 4000  #: characters of formula text (the meta-schema allows 4000)
MAX_DEPTH: Final = 64  #: nesting depth of the syntax tree
MAX_NODES: Final = 1000  #: syntax tree nodes
MAX_LIST_LITERAL: Final = 500  #: items in one [ ... ] literal
MAX_ARGS: Final = 255  #: arguments of one function call (as Excel)
MAX_NUMBER_DIGITS: Final = 30  #: digits of one number literal
MAX_TEXT: Final = 100_000  #: characters of a text value built by a formula
MAX_POWER_BITS: Final = 2048  #: an exact integer power is computed up to this many bits
#: Every number a formula reads or computes lies within ±MAX_NUMBER, Excel's own
#: limit (9.99999999999999E+307); beyond it, and NaN or infinity, is `#NUM!`.
#: Exact integers are bounded too, so no arithmetic can grow a number's memory.
MAX_NUMBER: Final = 9.99999999999999e307
MAX_LIST: Final = 1_000_000  #: elements a formula function will walk over
