"""Templates: the tenant's library, validation against the meta-schemas and the engine,
publishing, and the built-ins.

Other domains use these names only; the modules behind them are this
domain's own.
"""

from __future__ import annotations

from perfloop.services.templates.library import (
    PublishResult,
    get_template,
    list_templates,
    publish_template,
    referenced_templates,
    sync_builtin_templates,
    template_bodies,
    template_warnings,
    validate_template,
)

__all__ = [
    "PublishResult",
    "get_template",
    "list_templates",
    "publish_template",
    "referenced_templates",
    "sync_builtin_templates",
    "template_bodies",
    "template_warnings",
    "validate_template",
]
