"""chunked(): lists cut to statements both drivers take, in the order given."""

from __future__ import annotations

import pytest

from perfloop.store.core import chunked, chunks


def test_values_are_cut_in_order_and_nothing_is_lost() -> None:
    values = list(range(2_500))
    cut = list(chunked(values))
    assert [len(c) for c in cut] == [1_000, 1_000, 500]
    assert [v for c in cut for v in c] == values
    assert list(chunked([])) == []


def test_wide_rows_stay_under_the_parameter_cap() -> None:
    # 40 columns a row: 1,000 rows would be 40,000 parameters, past both drivers' caps
    cut = list(chunked(range(5_000), width=40))
    assert max(len(c) for c in cut) * 40 <= chunks.MAX_PARAMETERS < 32_767
    assert sum(len(c) for c in cut) == 5_000


def test_the_chunk_size_is_read_when_cutting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_SIZE", 1)
    assert list(chunked("abc")) == [["a"], ["b"], ["c"]]
