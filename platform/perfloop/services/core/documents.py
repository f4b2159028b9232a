"""How large a JSON document a client may store.

A template, an app's parameters, a dataset record: every JSON value a client
writes into a JSON column is at most ``PERFLOOP_MAX_DOCUMENT_BYTES`` (1 MB by
default) as compact UTF-8 JSON, checked before the database is asked, and
refused with ``TOO_LARGE`` on the path of the field. The request body limit
(8 MB) keeps a request small enough to read; this keeps what is stored small
enough to read back, list and send many times.
"""

from __future__ import annotations

import json

import orjson

from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.settings import DEFAULT_MAX_DOCUMENT_BYTES

__all__ = ["DEFAULT_MAX_DOCUMENT_BYTES", "check_document_size", "document_size"]


def document_size(value: object) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (the size of any key order)."""
    try:
        return len(orjson.dumps(value))
    except TypeError:  # what orjson does not take (an integer past 64 bits, a lone
        # surrogate, which its own check reports): measured the slow way
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return len(text.encode(errors="surrogatepass"))


def check_document_size(value: object, path: tuple[str, ...], limit: int) -> None:
    """Refuse ``value`` with TOO_LARGE on ``path`` when it is over ``limit`` bytes."""
    size = document_size(value)
    if size > limit:
        raise ServiceError.one(
            ErrorCode.TOO_LARGE,
            f"`{'.'.join(path)}` is {size:,} bytes of JSON; the most a stored document "
            f"may be is {limit:,} (PERFLOOP_MAX_DOCUMENT_BYTES)",
            path,
        )
