"""The ``perfloop`` command line."""

from __future__ import annotations

from perfloop.cli.main import app, main

__all__ = ["app", "main"]
