"""The jobs and job_parts tables: long work, its parts and its progress, read by clients."""

from __future__ import annotations

from perfloop.store.jobs.models import Job, JobPart

__all__ = ["Job", "JobPart"]
