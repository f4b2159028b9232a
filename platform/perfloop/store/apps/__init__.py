"""The apps tables: installed_apps: an `app` template (key@version) installed into a
tenant, with parameters.
"""

from __future__ import annotations

from perfloop.store.apps.models import InstalledApp

__all__ = ["InstalledApp"]
