"""The demo tenant: a small company with departments, teams, people and accounts,
in the middle of its current quarter (goals, signed plans, business records)."""

from __future__ import annotations

from perfloop.demo.company import DEMO_DOMAIN, DEMO_TENANT
from perfloop.demo.loader import DemoUser, demo_users, load_demo

__all__ = ["DEMO_DOMAIN", "DEMO_TENANT", "DemoUser", "demo_users", "load_demo"]
