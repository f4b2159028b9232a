"""The appeals tables: appeals against published results and feedback meetings."""

from __future__ import annotations

from perfloop.store.appeals.models import Appeal, FeedbackMeeting

__all__ = ["Appeal", "FeedbackMeeting"]
