"""Positions, installed apps, cycles and their stages."""

from __future__ import annotations

from perfloop.store.models import Base

__all__ = ["Base"]
