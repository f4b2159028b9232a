"""The goals tables: goals (company → department → team/position → employee) and bottom-up
proposals.
"""

from __future__ import annotations

from perfloop.store.goals.models import Goal, GoalProposal

__all__ = ["Goal", "GoalProposal"]
