"""The plugin a developer scaffolds in the tests (``perfloop plugins new``)."""

from __future__ import annotations

from importlib.metadata import EntryPoint, distributions
from pathlib import Path

from perfloop.plugins import ENTRY_POINT_GROUP

#: the name of the scaffolded plugin
NAME = "issue-tracker"


def entry_points_in(folder: Path) -> list[EntryPoint]:
    """The ``perfloop.metrics`` entry points of the distributions installed in ``folder``."""
    return [
        entry
        for dist in distributions(path=[str(folder)])
        for entry in dist.entry_points
        if entry.group == ENTRY_POINT_GROUP
    ]
