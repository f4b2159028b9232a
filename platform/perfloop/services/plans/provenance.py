"""Where a computed actual came from, as ``refreshActuals`` stores it on the actual
(``Actual.provenance``, JSON)::

    {"provider": "sales.revenue", "version": "1.0.0", "params": {"window": 3},
     "from": "2026-04-01", "to": "2026-06-30", "datasets": ["sales-orders"],
     "cached": false}

``provider`` is ``plugin.metric``; ``from``/``to`` the first and last day of the
records read (wider than the period for a metric that reads the previous one;
``from`` is null for one that reads all history); ``cached`` whether this refresh
reused a stored result. Manual entries and overrides have none.

Read leniently: a stored value of another shape (a row written by hand, an older
writer) gives None or leaves a field empty, never an error on a read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Provenance:
    provider: str
    version: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    data_from: dt.date | None = None
    data_to: dt.date | None = None
    datasets: list[str] = field(default_factory=list)
    cached: bool = False

    @classmethod
    def of(cls, value: object) -> Provenance | None:
        """From the stored JSON; None when it names no provider."""
        if not isinstance(value, Mapping) or not isinstance(value.get("provider"), str):
            return None
        version, params, datasets = value.get("version"), value.get("params"), value.get("datasets")
        return cls(
            provider=value["provider"],
            version=str(version) if version is not None else None,
            params=dict(params) if isinstance(params, Mapping) else {},
            data_from=_date(value.get("from")),
            data_to=_date(value.get("to")),
            datasets=[str(d) for d in datasets] if isinstance(datasets, list) else [],
            cached=value.get("cached") is True,
        )

    def explained(self) -> dict[str, Any]:
        """What a result keeps of it to explain its actual: all but ``cached`` (which
        changes from one refresh to the next while the value does not)."""
        return {
            "provider": self.provider,
            "version": self.version,
            "params": self.params,
            "from": self.data_from.isoformat() if self.data_from else None,
            "to": self.data_to.isoformat() if self.data_to else None,
            "datasets": self.datasets,
        }
