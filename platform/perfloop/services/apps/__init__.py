"""Installed apps: an `app` template installed into a tenant or an org unit, its
parameters, upgrades, and the install that applies to a unit.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.apps.installs import (
    effective_install,
    get_installed_app,
    install_app,
    install_warnings,
    installs_for_units,
    list_installed_apps,
    load_template,
    upgrade_app,
)

__all__ = [
    "effective_install",
    "get_installed_app",
    "install_app",
    "install_warnings",
    "installs_for_units",
    "list_installed_apps",
    "load_template",
    "upgrade_app",
]
