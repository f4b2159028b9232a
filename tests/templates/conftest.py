from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from perfloop import paths

Documents = dict[tuple[str, int], dict[str, Any]]

# The scoring scheme is another template kind with its own owner; where a test
# needs the app's scoring reference to resolve without depending on it, this
# stands in for it.
SCORING_STUB = {"kind": "scoring", "key": "standard-scoring", "version": 1}


@pytest.fixture(scope="session")
def _builtin_files() -> Documents:
    found: Documents = {}
    for path in sorted(paths.builtin_templates_dir().rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[(document["key"], document["version"])] = document
    return found


@pytest.fixture
def documents(_builtin_files: Documents) -> Documents:
    """Fresh copies of every built-in document (edit them freely)."""
    return copy.deepcopy(_builtin_files)


@pytest.fixture
def resolver(documents: Documents) -> Callable[[str, int], Mapping[str, Any] | None]:
    """Resolves among the built-in files, plus the scoring stub when the real one is absent."""
    table = {("standard-scoring", 1): SCORING_STUB, **documents}
    return lambda key, version: table.get((key, version))
