"""`me { permissions }`: what the caller's roles give them, with the widest scope,
so a client (the web console) offers only what the caller may do."""

from __future__ import annotations

from perfloop.authz import Permission
from support import GraphQLClient

QUERY = "{ me { roles permissions { permission scope } } }"


async def grants(gql: GraphQLClient, who: str) -> dict[str, str]:
    data = await gql.ok(QUERY, as_user=who)
    listed = data["me"]["permissions"]
    assert [g["permission"] for g in listed] == sorted(g["permission"] for g in listed)
    return {g["permission"]: g["scope"] for g in listed}


async def test_an_employee_holds_their_own_scope_and_no_hr_permission(gql: GraphQLClient) -> None:
    mine = await grants(gql, "employee")
    assert mine["me.read"] == "self"
    assert mine["scorecard.read"] == "self"
    assert mine["scorecard.sign"] == "self"
    assert mine["template.read"] == "tenant"
    assert "template.publish" not in mine
    assert "cycle.manage" not in mine


async def test_hr_holds_the_tenant_and_admin_every_permission(gql: GraphQLClient) -> None:
    hr = await grants(gql, "hr")
    assert hr["template.publish"] == "tenant"
    assert hr["org.read"] == "tenant"
    admin = await grants(gql, "admin")
    assert set(admin) == {p.value for p in Permission}
    assert set(admin.values()) == {"tenant"}
