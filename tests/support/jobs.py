"""Job tests follow a job part by part, one department each: jobs put departments
together into parts of up to ``PART_PEOPLE`` people, so these tests make that one
person (a department is never split). ``tests/jobs/test_parts.py`` tests the
putting together itself."""

from __future__ import annotations

import pytest

from perfloop.services.jobs import refresh


@pytest.fixture(autouse=True)
def a_department_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "PART_PEOPLE", 1)
