"""The job tests follow a job part by part, one department each: parts are put
together up to ``PART_PEOPLE`` people, so here that is one person (a department is
never split), and ``test_parts.py`` tests the putting together itself."""

from __future__ import annotations

import pytest

from perfloop.services.jobs import refresh


@pytest.fixture(autouse=True)
def _a_department_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "PART_PEOPLE", 1)
