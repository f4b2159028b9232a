"""Granting new permissions to the tenants that existed before a migration.

A new tenant gets every grant of the default policy (``perfloop.authz.policies``); a
tenant created before a revision that adds permissions gets them from that revision.
Each revision keeps its own frozen list of grants, as the default policy granted them
when it was written, and calls :func:`grant_to_existing_tenants` with it.

Migrations depend on this function's behaviour as it is: change it only in ways every
revision that calls it still wants (or write another function for a new need).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: a grant: (role, resource, action, scope), e.g. ("hr", "result", "manage", "tenant")
Grant = tuple[str, str, str, str]


def _missing(role: str, resource: str, action: str) -> str:
    # the values are a revision's own constants, never input
    where = f"p.v0 = '{role}' AND p.v2 = '{resource}' AND p.v3 = '{action}'"
    return (
        "FROM tenants t WHERE NOT EXISTS (SELECT 1 FROM policy_rules p"  # noqa: S608
        f" WHERE p.tenant_id = t.id AND p.ptype = 'p' AND {where})"
    )


def grant_to_existing_tenants(execute: Callable[[str], object], grants: Iterable[Grant]) -> None:
    """Give every tenant each grant it lacks (``p`` lines of Casbin, the tenant's slug as
    domain), and bump once the policy version of each tenant that lacked any, so every
    worker's cached enforcer reloads. Running it again changes nothing. ``execute`` runs
    one SQL statement (``alembic.op.execute`` in a revision)."""
    grants = tuple(grants)
    if not grants:
        return
    stale = " UNION ".join(f"SELECT t.id {_missing(r, s, a)}" for r, s, a, _ in grants)
    execute(f"UPDATE tenants SET policy_version = policy_version + 1 WHERE id IN ({stale})")  # noqa: S608
    for role, resource, action, scope in grants:
        execute(
            "INSERT INTO policy_rules (tenant_id, ptype, v0, v1, v2, v3, v4) "
            f"SELECT t.id, 'p', '{role}', t.slug, '{resource}', '{action}', '{scope}' "
            f"{_missing(role, resource, action)}"
        )
