"""A cycle scored by a scoring template of the test's own: the template published,
an app that uses it (the standard app with its scoring swapped), installed tenant-wide
and a quarterly cycle opened from it — all through the API, as HR."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from perfloop.templates import load_builtin_templates
from support.company import Company

PUBLISH_TEMPLATE = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message path } }
}"""
INSTALL = """
mutation($app: String!) {
  installApp(app: $app) { installedApp { id } errors { code message path detail } }
}"""
OPEN = """
mutation($app: ID!, $period: String!) {
  openCycle(app: $app, cycle: "quarterly-review", period: $period) {
    cycle { id } errors { message }
  }
}"""

_apps = itertools.count()


async def cycle_with_scoring(
    company: Company, scoring: dict[str, Any], *, period: str = "2026-Q3"
) -> str:
    """Publish ``scoring`` (version 1), an app using it, install it and open a cycle
    for ``period``; returns the cycle's id."""
    published = await company.ok(PUBLISH_TEMPLATE, {"document": scoring}, as_user="hr")
    assert published["publishTemplate"]["errors"] == [], published
    builtin = load_builtin_templates().get("standard-performance", 1)
    assert builtin is not None
    app = copy.deepcopy(dict(builtin.document))
    app["key"] = f"{scoring['key']}-app-{next(_apps)}"
    app["components"]["scoring"] = f"{scoring['key']}@1"
    published = await company.ok(PUBLISH_TEMPLATE, {"document": app}, as_user="hr")
    assert published["publishTemplate"]["errors"] == [], published
    installed = await company.ok(INSTALL, {"app": f"{app['key']}@1"}, as_user="hr")
    assert installed["installApp"]["errors"] == [], installed
    opened = await company.ok(
        OPEN, {"app": installed["installApp"]["installedApp"]["id"], "period": period},
        as_user="hr",
    )  # fmt: skip
    assert opened["openCycle"]["errors"] == [], opened
    return str(opened["openCycle"]["cycle"]["id"])
