"""The improvement tables: improvement plans with their check-ins, and candidate lists."""

from __future__ import annotations

from perfloop.store.improvement.models import CandidateEntry, ImprovementCheckin, ImprovementPlan

__all__ = ["CandidateEntry", "ImprovementCheckin", "ImprovementPlan"]
