"""Every String(n) column refuses a longer text when it is assigned, on any database."""

from __future__ import annotations

import pytest
from sqlalchemy import String
from sqlalchemy.orm import configure_mappers

from perfloop.store.core import Base, TextTooLong
from perfloop.store.schema import DOMAINS  # noqa: F401 - registers every model


def text_columns() -> list[tuple[type, str, int]]:
    configure_mappers()
    found = []
    for mapper in Base.registry.mappers:
        for prop in mapper.column_attrs:
            column_type = prop.columns[0].type
            if isinstance(column_type, String) and column_type.length:
                found.append((mapper.class_, prop.key, column_type.length))
    return found


COLUMNS = text_columns()


def test_the_models_have_text_columns_to_guard() -> None:
    assert len(COLUMNS) > 40


@pytest.mark.parametrize(
    ("model", "attribute", "limit"), COLUMNS, ids=[f"{m.__name__}.{a}" for m, a, _ in COLUMNS]
)
def test_a_text_longer_than_its_column_is_refused_when_assigned(
    model: type, attribute: str, limit: int
) -> None:
    row = model()
    # a text of exactly the column's length is taken
    setattr(row, attribute, "x" * limit)
    # one character more is refused, naming the column and its length
    with pytest.raises(TextTooLong) as refused:
        setattr(row, attribute, "x" * (limit + 1))
    assert (refused.value.attribute, refused.value.limit) == (attribute, limit)
    # and so it is through the constructor
    with pytest.raises(TextTooLong):
        model(**{attribute: "é" * (limit + 1)})
