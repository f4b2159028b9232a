"""The demo tenant: a small company with departments, teams, people and accounts."""

from __future__ import annotations

from perfloop.demo.loader import DEMO_DOMAIN, DEMO_TENANT, DemoUser, demo_users, load_demo

__all__ = ["DEMO_DOMAIN", "DEMO_TENANT", "DemoUser", "demo_users", "load_demo"]
