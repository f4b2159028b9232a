"""The declarative base every model shares: naming convention, JSON type, clock."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    MetaData,
    Text,
    bindparam,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.schema import Table

from perfloop.store.core.lengths import guard_text_lengths

__all__ = ["Base", "JSONType"]


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_text(name: str, dialect: str) -> ColumnElement[Any]:
    """A bound parameter ``name`` for a :data:`JSONType` column that takes the JSON
    already encoded as text (``json.dumps``; None is ``"null"``, as the type writes
    it). A set-based write of many rows encodes each distinct document once instead
    of the type encoding it again for every row (800,000 times for a company's
    plan items). PostgreSQL casts the text to JSONB; SQLite stores JSON as text."""
    text = bindparam(name, type_=Text)
    return sql_cast(text, JSONB) if dialect == "postgresql" else text


def table_of(model: type[Base]) -> Table:
    """The table behind a model, typed as one (for set-based Core statements)."""
    return cast(Table, model.__table__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


guard_text_lengths(Base)
