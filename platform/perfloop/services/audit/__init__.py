"""The audit log read per object and per person (``audit.read``).

Other domains use these names only; the modules behind them are this domain's own.
"""

from __future__ import annotations

from perfloop.services.audit.reads import AuditEntry, AuditFilter, audit_page

__all__ = ["AuditEntry", "AuditFilter", "audit_page"]
