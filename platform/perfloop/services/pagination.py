"""Relay-style pages: opaque keyset cursors, a hard page cap, a total count."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from perfloop.services.errors import ErrorCode, ServiceError

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


def encode_cursor(key: Sequence[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str) -> list[object]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list):
        raise ServiceError.one(
            ErrorCode.INVALID, "`after` is not a cursor from this API", ("after",)
        )
    return value


def check_first(first: int | None, cap: int) -> int:
    """Validate a ``first`` argument against the page cap."""
    if first is None:
        return min(20, cap)
    if first < 0 or first > cap:
        raise ServiceError.one(
            ErrorCode.INVALID, f"`first` must be between 0 and {cap} (got {first})", ("first",)
        )
    return first
