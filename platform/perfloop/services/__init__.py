"""Use-cases: authorize, validate, run the engine, persist, audit.

One package per domain (`apps`, `cycles`, `datasets`, `formulas`, `goals`,
`identity`, `org`, `plans`, `templates`), each exporting its public
functions from its `__init__`; shared machinery lives in `services.core`.
"""
