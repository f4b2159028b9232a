"""The jobs table: long work and its progress, read by clients."""

from __future__ import annotations

from perfloop.store.jobs.models import Job

__all__ = ["Job"]
