"""The templates tables: templates: the tenant's and the built-in template versions
(immutable once published).
"""

from __future__ import annotations

from perfloop.store.templates.models import TemplateRecord

__all__ = ["TemplateRecord"]
