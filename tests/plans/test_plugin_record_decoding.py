"""A plugin's records are read as text and decoded with orjson, falling back to the
standard library for what orjson refuses (NaN, which SQLite's JSON text may hold)."""

from __future__ import annotations

import math

from perfloop.services.plans.metrics import _decode


def test_records_decode_as_the_standard_library_does() -> None:
    assert _decode('{"amount": 12.5, "owner_email": "a@x", "tags": [1, null]}') == {
        "amount": 12.5, "owner_email": "a@x", "tags": [1, None],
    }  # fmt: skip
    assert math.isnan(_decode('{"amount": NaN}')["amount"])
