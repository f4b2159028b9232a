"""Installing apps with parameter overrides, listing them, upgrading explicitly."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from support.company import Company
from perfloop.store.apps import InstalledApp
from perfloop.store.core import AuditEvent
from perfloop.store.identity import Tenant
from perfloop.templates import load_builtin_templates
from support import GraphQLClient

INSTALL = """
mutation($app: String!, $parameters: JSON, $unit: ID) {
  installApp(app: $app, parameters: $parameters, orgUnit: $unit) {
    installedApp { id app appVersion overrides parameters orgUnit { code } installedBy { email } }
    errors { code message path detail }
  }
}"""
UPGRADE = """
mutation($id: ID!, $to: Int!) {
  upgradeApp(id: $id, toVersion: $to) {
    installedApp { id appVersion parameters overrides } errors { code message path detail }
  }
}"""
LIST = "query { installedApps { id app status orgUnit { code } } }"
ONE = "query($id: ID!) { installedApp(id: $id) { id app } }"
PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { version } errors { message } }
}"""
APP = "standard-performance@1"


async def _installs(session: AsyncSession, company: Company) -> int:
    query = (
        select(func.count())
        .select_from(InstalledApp)
        .join(Tenant, Tenant.id == InstalledApp.tenant_id)
        .where(Tenant.slug == company.slug)
    )
    return int((await session.execute(query)).scalar_one())


async def test_install_with_valid_overrides(company: Company, session: AsyncSession) -> None:
    # given department-specific rater weights that still add up to 100
    overrides = {"rater_weights": {"manager": 40, "peer": 30}}
    # when HR installs the app for d1
    data = await company.ok(
        INSTALL,
        {"app": APP, "parameters": overrides, "unit": str(company.units["d1"])},
        as_user="hr",
    )
    payload = data["installApp"]
    # then the install keeps the overrides and the merged values
    assert payload["errors"] == []
    installed = payload["installedApp"]
    assert installed["app"] == APP
    assert installed["orgUnit"] == {"code": "d1"}
    assert installed["installedBy"] == {"email": company.email("hr")}
    assert installed["overrides"] == overrides
    weights = installed["parameters"]["rater_weights"]
    assert weights == {"self": 10, "peer": 30, "manager": 40, "subordinate": 10, "customer": 10}
    assert installed["parameters"]["section_weights"] == {"kpi": 70, "review": 30}
    # and it is listed to everyone, its unit only to those whose org.read reaches it
    listing = await company.ok(LIST, as_user="hr")
    assert [(a["app"], a["orgUnit"]) for a in listing["installedApps"]] == [(APP, {"code": "d1"})]
    listing = await company.ok(LIST, as_user="emp")  # d1 is above the employee's team
    assert [(a["app"], a["orgUnit"]) for a in listing["installedApps"]] == [(APP, None)]
    # and audited
    audited = await session.execute(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "installed_app", AuditEvent.object_id == installed["id"]
        )
    )
    assert audited.scalars().all() == ["app.install"]
    # and a tenant-wide install can sit next to it, but not a second one for d1
    # (a bare key installs the latest built-in version)
    wide = await company.ok(INSTALL, {"app": "standard-performance"}, as_user="hr")
    assert wide["installApp"]["installedApp"]["app"] == "standard-performance@2"  # the latest
    again = await company.ok(INSTALL, {"app": APP, "unit": str(company.units["d1"])}, as_user="hr")
    assert again["installApp"]["errors"][0]["code"] == "CONFLICT"


async def test_invalid_overrides_are_pointed_at_and_nothing_is_written(
    company: Company, session: AsyncSession
) -> None:
    before = await _installs(session, company)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        # weights that no longer add up to 100
        ({"rater_weights": {"manager": 90}}, ["parameters", "rater_weights"]),
        # a value of the wrong type, deep inside
        ({"section_weights": {"kpi": "lots"}}, ["parameters", "section_weights", "kpi"]),
        # bands out of order
        (
            {"rating_bands": [{"band": "A", "min_score": 50}, {"band": "S", "min_score": 90}]},
            ["parameters", "rating_bands"],
        ),
    ]
    for overrides, path in cases:
        data = await company.ok(INSTALL, {"app": APP, "parameters": overrides}, as_user="hr")
        payload = data["installApp"]
        assert payload["installedApp"] is None
        assert path in [e["path"] for e in payload["errors"]], payload["errors"]
        assert all(e["code"] == "INVALID" for e in payload["errors"])
    for app, code in (
        ("no-such-app@1", "NOT_FOUND"),
        ("sales-kpis@1", "NOT_FOUND"),
        ("x@y", "INVALID"),
    ):
        data = await company.ok(INSTALL, {"app": app}, as_user="hr")
        assert data["installApp"]["errors"][0]["code"] == code
    unknown_unit = await company.ok(INSTALL, {"app": APP, "unit": "999999"}, as_user="hr")
    assert unknown_unit["installApp"]["errors"][0]["path"] == ["orgUnit"]
    not_object = await company.ok(INSTALL, {"app": APP, "parameters": [1, 2]}, as_user="hr")
    assert not_object["installApp"]["errors"][0]["path"] == ["parameters"]
    assert await _installs(session, company) == before


#: the version a tenant's own next version of the standard app gets
NEW = 3


def _version_two(drop_peer_reviewers: bool) -> dict[str, Any]:
    builtin = load_builtin_templates().get("standard-performance", 1)
    assert builtin is not None
    document = copy.deepcopy(dict(builtin.document))
    document["parameters"]["defaults"]["section_weights"] = {"kpi": 60, "review": 40}
    if drop_peer_reviewers:
        del document["parameters"]["schema"]["properties"]["min_peer_reviewers"]
        del document["parameters"]["defaults"]["min_peer_reviewers"]
    return document


async def test_upgrade_is_explicit_and_rechecks_overrides(
    company: Company, session: AsyncSession
) -> None:
    # given two installs of version 1, one overriding a parameter version 2 drops
    kept = await company.ok(
        INSTALL,
        {"app": APP, "parameters": {"rater_weights": {"manager": 40, "peer": 30}}},
        as_user="hr",
    )
    dropped = await company.ok(
        INSTALL, {"app": APP, "parameters": {"min_peer_reviewers": 5},
                  "unit": str(company.units["d2"])},
        as_user="hr",
    )  # fmt: skip
    kept_id = kept["installApp"]["installedApp"]["id"]
    dropped_id = dropped["installApp"]["installedApp"]["id"]
    # when the tenant publishes a new version of the app (3: the built-ins hold 1 and 2)
    published = await company.ok(PUBLISH, {"document": _version_two(True)}, as_user="hr")
    assert published["publishTemplate"]["template"]["version"] == NEW
    # then nothing moves by itself
    still = await company.ok(ONE, {"id": kept_id}, as_user="hr")
    assert still["installedApp"]["app"] == APP
    # when HR upgrades each one explicitly
    ok = (await company.ok(UPGRADE, {"id": kept_id, "to": NEW}, as_user="hr"))["upgradeApp"]
    bad = (await company.ok(UPGRADE, {"id": dropped_id, "to": NEW}, as_user="hr"))["upgradeApp"]
    # then the first takes version 2's defaults and keeps its overrides
    assert ok["errors"] == []
    assert ok["installedApp"]["appVersion"] == NEW
    assert ok["installedApp"]["parameters"]["section_weights"] == {"kpi": 60, "review": 40}
    assert ok["installedApp"]["parameters"]["rater_weights"]["manager"] == 40
    # and the second is refused because its override has no place in version 2
    assert bad["installedApp"] is None
    assert bad["errors"][0]["path"][0] == "parameters"
    assert "min_peer_reviewers" in bad["errors"][0]["message"]
    unchanged = await company.ok(ONE, {"id": dropped_id}, as_user="hr")
    assert unchanged["installedApp"]["app"] == APP
    # and downgrades or unknown versions are refused
    down = (await company.ok(UPGRADE, {"id": kept_id, "to": 1}, as_user="hr"))["upgradeApp"]
    assert down["errors"][0]["path"] == ["toVersion"]
    far = (await company.ok(UPGRADE, {"id": kept_id, "to": 9}, as_user="hr"))["upgradeApp"]
    assert far["errors"][0]["code"] == "NOT_FOUND"
    actions = await session.execute(
        select(AuditEvent.action, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.object_type == "installed_app", AuditEvent.object_id == kept_id)
        .order_by(AuditEvent.id)
    )
    trail = [(a, (b or {}).get("app"), c["app"]) for a, b, c in actions]
    assert trail == [
        ("app.install", None, APP),
        ("app.upgrade", APP, f"standard-performance@{NEW}"),
    ]


async def test_app_permissions_and_tenants(company: Company, gql: GraphQLClient) -> None:
    # employees, managers and heads may read but not install
    for who in ("emp", "lead", "head", "exec"):
        body = await company.raw(INSTALL, {"app": APP}, as_user=who)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "installedApps" in (await company.ok(LIST, as_user=who))
    made = await company.ok(INSTALL, {"app": APP}, as_user="hr")
    mine = made["installApp"]["installedApp"]["id"]
    # another tenant neither sees nor upgrades it
    assert (await gql.ok(ONE, {"id": mine}, as_user="hr")) == {"installedApp": None}
    listing = await gql.ok(LIST, as_user="hr")
    assert mine not in {a["id"] for a in listing["installedApps"]}
    foreign = await gql.ok(UPGRADE, {"id": mine, "to": 2}, as_user="hr")
    assert foreign["upgradeApp"]["errors"][0]["code"] == "NOT_FOUND"
