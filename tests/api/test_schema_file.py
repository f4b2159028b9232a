"""The committed SDL is the printed schema.

Regenerate it with `perfloop export-schema --output schema.graphql`.
"""

from __future__ import annotations

from pathlib import Path

from perfloop.api.schema import print_schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_current() -> None:
    assert SDL.read_text(encoding="utf-8") == print_schema(), (
        "schema.graphql is stale: run `perfloop export-schema --output schema.graphql`"
    )
