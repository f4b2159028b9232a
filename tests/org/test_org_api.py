"""Org units, positions and employees over GraphQL: CRUD, moves, scopes, permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from support.company import Company
from perfloop.store.core import AuditEvent
from perfloop.store.org import OrgUnit
from support import GraphQLClient, nodes

UNITS = "query { orgUnits { totalCount edges { node { id code kind name parent { code } } } } }"
EMPLOYEES = """
query($unit: ID, $first: Int, $after: String) {
  employees(orgUnit: $unit, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { employeeNo email position manager { email } orgUnit { code } } }
  }
}"""
CREATE_UNIT = """
mutation($input: CreateOrgUnitInput!) {
  createOrgUnit(input: $input) { orgUnit { id code parent { code } } errors { code message path } }
}"""
UPDATE_UNIT = """
mutation($id: ID!, $input: UpdateOrgUnitInput!) {
  updateOrgUnit(id: $id, input: $input) { orgUnit { code name nameEn } errors { code path } }
}"""
MOVE = """
mutation($id: ID!, $parent: ID) {
  moveOrgUnit(id: $id, parent: $parent) {
    orgUnit { code parent { code } } errors { code message path }
  }
}"""
CREATE_POSITION = """
mutation($input: CreatePositionInput!) {
  createPosition(input: $input) { position { id code name orgUnit { code } } errors { code path } }
}"""
UPDATE_POSITION = """
mutation($id: ID!, $input: UpdatePositionInput!) {
  updatePosition(id: $id, input: $input) { position { name } errors { code path } }
}"""
POSITIONS = "query { positions { code name grade } }"
CREATE_EMPLOYEE = """
mutation($input: CreateEmployeeInput!) {
  createEmployee(input: $input) {
    employee { id email position manager { email } orgUnit { code } }
    errors { code message path }
  }
}"""
UPDATE_EMPLOYEE = """
mutation($id: ID!, $input: UpdateEmployeeInput!) {
  updateEmployee(id: $id, input: $input) {
    employee { email grade manager { email } } errors { code message path }
  }
}"""
EMPLOYEE = "query($id: ID!) { employee(id: $id) { email } }"


async def _paths(session: AsyncSession, company: Company) -> dict[str, str]:
    rows = await session.execute(
        select(OrgUnit.code, OrgUnit.path).where(OrgUnit.id.in_(list(company.units.values())))
    )
    return dict(rows.all())


async def test_create_update_and_list_units(company: Company) -> None:
    # given HR creates a team under d1
    made = await company.ok(
        CREATE_UNIT,
        {
            "input": {
                "code": "t2",
                "name": "二组",
                "kind": "team",
                "parent": str(company.units["d1"]),
            }
        },
        as_user="hr",
    )
    unit = made["createOrgUnit"]
    assert unit["errors"] == []
    assert unit["orgUnit"]["parent"] == {"code": "d1"}
    # when it is renamed, and a taken code or an unknown kind is tried
    renamed = await company.ok(
        UPDATE_UNIT,
        {"id": unit["orgUnit"]["id"], "input": {"name": "第二组", "nameEn": "Team two"}},
        as_user="hr",
    )
    taken = await company.ok(
        CREATE_UNIT, {"input": {"code": "t1", "name": "x", "kind": "team"}}, as_user="hr"
    )
    odd = await company.ok(
        CREATE_UNIT, {"input": {"code": "zz", "name": "x", "kind": "guild"}}, as_user="hr"
    )
    # then the rename holds, the others are errors as data
    assert renamed["updateOrgUnit"]["orgUnit"] == {
        "code": "t2",
        "name": "第二组",
        "nameEn": "Team two",
    }
    assert taken["createOrgUnit"]["errors"][0]["code"] == "CONFLICT"
    assert odd["createOrgUnit"]["errors"][0]["path"] == ["kind"]
    listing = await company.ok(UNITS, as_user="hr")
    codes = [u["code"] for u in nodes(listing["orgUnits"])]
    assert codes[0] == "co"
    assert set(codes) == {"co", "d1", "t1", "d2", "t2"}


async def test_move_rewrites_subtree_paths_and_refuses_cycles(
    company: Company, session: AsyncSession
) -> None:
    # given t1 under d1 under co, and d2 under co
    before = await _paths(session, company)
    d1, d2, t1 = company.units["d1"], company.units["d2"], company.units["t1"]
    # when d1 (with t1) moves under d2
    moved = await company.ok(MOVE, {"id": str(d1), "parent": str(d2)}, as_user="hr")
    # then d1 and its descendant carry the new prefix
    assert moved["moveOrgUnit"] == {
        "orgUnit": {"code": "d1", "parent": {"code": "d2"}},
        "errors": [],
    }
    session.expire_all()
    after = await _paths(session, company)
    assert after["d1"] == f"{before['d2']}{d1}/"
    assert after["t1"] == f"{before['d2']}{d1}/{t1}/"
    assert after["co"] == before["co"]
    assert after["d2"] == before["d2"]
    # and a move under its own subtree (or itself) is refused, changing nothing
    for parent in (t1, d1):
        refused = await company.ok(MOVE, {"id": str(d1), "parent": str(parent)}, as_user="hr")
        assert refused["moveOrgUnit"]["errors"][0]["code"] == "INVALID"
    session.expire_all()
    assert await _paths(session, company) == after
    # and a move to the root works too
    root = await company.ok(MOVE, {"id": str(t1), "parent": None}, as_user="hr")
    assert root["moveOrgUnit"]["orgUnit"]["parent"] is None
    session.expire_all()
    assert (await _paths(session, company))["t1"] == f"/{t1}/"
    actions = (
        (
            await session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.object_type == "org_unit",
                    AuditEvent.object_id.in_([str(d1), str(t1)]),
                )
            )
        )
        .scalars()
        .all()
    )
    assert actions.count("org.unit.move") == 2


async def test_positions_and_employees(company: Company) -> None:
    # given a position
    pos = await company.ok(
        CREATE_POSITION,
        {"input": {"code": "se", "name": "软件工程师", "orgUnit": str(company.units["t1"])}},
        as_user="hr",
    )
    assert pos["createPosition"]["position"]["orgUnit"] == {"code": "t1"}
    # when HR adds an employee under the lead, holding it by code
    new = {
        "employeeNo": "N900",
        "name": "新人",
        "email": "Newbie@Example.com",
        "orgUnit": str(company.units["t1"]),
        "position": "se",
        "grade": "P2",
        "hireDate": "2026-03-01",
        "manager": str(company.people["lead"]),
    }
    made = (await company.ok(CREATE_EMPLOYEE, {"input": new}, as_user="hr"))["createEmployee"]
    assert made["errors"] == []
    assert made["employee"]["email"] == "newbie@example.com"
    assert made["employee"]["position"] == "软件工程师"
    assert made["employee"]["manager"] == {"email": company.email("lead")}
    # and the same number, an unknown position or a manager from elsewhere are refused
    again = (await company.ok(CREATE_EMPLOYEE, {"input": new}, as_user="hr"))["createEmployee"]
    assert again["errors"][0]["code"] == "CONFLICT"
    unknown = {**new, "employeeNo": "N901", "email": "x@example.com", "position": "nope"}
    bad = (await company.ok(CREATE_EMPLOYEE, {"input": unknown}, as_user="hr"))["createEmployee"]
    assert bad["errors"][0]["path"] == ["position"]
    foreign = {**new, "employeeNo": "N902", "email": "y@example.com", "manager": "1"}
    bad = (await company.ok(CREATE_EMPLOYEE, {"input": foreign}, as_user="hr"))["createEmployee"]
    assert bad["errors"][0]["path"] == ["manager"]
    # when the position is renamed, its holder follows
    await company.ok(
        UPDATE_POSITION,
        {"id": pos["createPosition"]["position"]["id"], "input": {"name": "高级工程师"}},
        as_user="hr",
    )
    emp = await company.ok(EMPLOYEES, {"unit": str(company.units["t1"]), "first": 50}, as_user="hr")
    held = {e["node"]["employeeNo"]: e["node"]["position"] for e in emp["employees"]["edges"]}
    assert held["N900"] == "高级工程师"
    listed = await company.ok(POSITIONS, as_user="emp")
    assert {"code": "se", "name": "高级工程师", "grade": None} in listed["positions"]


async def test_manager_loops_are_refused(company: Company) -> None:
    # given exec > head > lead > emp
    people = company.people
    # when head is put under emp (a loop), or someone manages themselves
    loop = await company.ok(
        UPDATE_EMPLOYEE,
        {"id": str(people["head"]), "input": {"manager": str(people["emp"])}},
        as_user="hr",
    )
    me = await company.ok(
        UPDATE_EMPLOYEE,
        {"id": str(people["emp"]), "input": {"manager": str(people["emp"])}},
        as_user="hr",
    )
    # then both are refused
    assert loop["updateEmployee"]["errors"][0]["path"] == ["manager"]
    assert me["updateEmployee"]["errors"][0]["path"] == ["manager"]
    # while a legal change and removing a manager work
    fine = await company.ok(
        UPDATE_EMPLOYEE,
        {"id": str(people["emp"]), "input": {"manager": str(people["head"]), "grade": "P4"}},
        as_user="hr",
    )
    assert fine["updateEmployee"]["employee"]["manager"] == {"email": company.email("head")}
    assert fine["updateEmployee"]["employee"]["grade"] == "P4"
    gone = await company.ok(
        UPDATE_EMPLOYEE, {"id": str(people["emp"]), "input": {"manager": None}}, as_user="hr"
    )
    assert gone["updateEmployee"]["employee"]["manager"] is None


async def test_reads_follow_the_org_read_scope(company: Company) -> None:
    async def emails(who: str) -> set[str]:
        data = await company.ok(EMPLOYEES, {"first": 100}, as_user=who)
        return {e["node"]["email"] for e in data["employees"]["edges"]}

    everyone = {company.email(h) for h in ("hr", "exec", "head", "lead", "emp", "other")}
    assert await emails("hr") == everyone
    assert await emails("exec") == everyone
    assert await emails("head") == {company.email(h) for h in ("head", "lead", "emp")}
    assert await emails("lead") == {company.email(h) for h in ("lead", "emp")}
    assert await emails("emp") == {company.email("emp")}
    # units: the head sees the subtree, the employee the unit they are in
    heads = await company.ok(UNITS, as_user="head")
    assert {u["code"] for u in nodes(heads["orgUnits"])} == {"d1", "t1"}
    mine = await company.ok(UNITS, as_user="emp")
    assert {u["code"] for u in nodes(mine["orgUnits"])} == {"t1"}
    # one employee outside the scope reads as null
    other = await company.ok(EMPLOYEE, {"id": str(company.people["other"])}, as_user="lead")
    assert other == {"employee": None}


MY_CHAIN = """
query {
  me {
    employee {
      email
      manager { email manager { email } }
      orgUnit { code parent { code parent { code } } }
    }
  }
}"""


async def test_nested_fields_apply_the_root_querys_scope(company: Company) -> None:
    # given the chain emp -> lead -> head -> exec, units t1 < d1 < co
    # when each person reads their managers and units through nested fields
    chains = {who: (await company.ok(MY_CHAIN, as_user=who))["me"]["employee"] for who in
              ("emp", "lead", "head", "hr")}  # fmt: skip
    # then the employee reaches neither their manager nor the unit above theirs
    assert chains["emp"]["manager"] is None
    assert chains["emp"]["orgUnit"] == {"code": "t1", "parent": None}
    # a manager reaches their team only: their own manager is outside it
    assert chains["lead"]["manager"] is None
    assert chains["lead"]["orgUnit"] == {"code": "t1", "parent": None}
    # a department head reaches their unit's subtree: d1, not the company above
    assert chains["head"]["manager"] is None
    assert chains["head"]["orgUnit"] == {"code": "d1", "parent": None}
    # HR reads the whole tenant (HR has no manager here)
    assert chains["hr"]["orgUnit"] == {"code": "co", "parent": None}
    emp_for_hr = await company.ok(
        "query($id: ID!) { employee(id: $id) { manager { email manager { email } } } }",
        {"id": str(company.people["emp"])},
        as_user="hr",
    )
    assert emp_for_hr["employee"]["manager"] == {
        "email": company.email("lead"),
        "manager": {"email": company.email("head")},
    }


USERS = "query { users(first: 100) { totalCount edges { node { email } } } }"


async def test_user_accounts_follow_the_org_read_scope(company: Company) -> None:
    # when each person lists the accounts they may see
    async def emails(who: str) -> set[str]:
        data = await company.ok(USERS, as_user=who)
        return {e["node"]["email"] for e in data["users"]["edges"]}

    # then HR sees every account, others theirs and those of the people they reach
    handles = ("hr", "exec", "head", "lead", "emp", "other")
    assert await emails("hr") == {company.email(h) for h in handles}
    assert await emails("head") == {company.email(h) for h in ("head", "lead", "emp")}
    assert await emails("lead") == {company.email(h) for h in ("lead", "emp")}
    assert await emails("emp") == {company.email("emp")}


async def test_pages_through_employees(company: Company) -> None:
    seen: list[str] = []
    after = None
    while True:
        data = await company.ok(EMPLOYEES, {"first": 2, "after": after}, as_user="hr")
        conn = data["employees"]
        seen += [e["node"]["employeeNo"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == conn["totalCount"] == 6


async def test_other_tenants_are_invisible(company: Company, gql: GraphQLClient) -> None:
    # the demo tenant's HR sees none of this tenant's people or units
    data = await gql.ok(EMPLOYEE, {"id": str(company.people["emp"])}, as_user="hr")
    assert data == {"employee": None}
    moved = await gql.ok(MOVE, {"id": str(company.units["t1"]), "parent": None}, as_user="hr")
    assert moved["moveOrgUnit"]["errors"][0]["code"] == "NOT_FOUND"
    units = (await gql.ok(UNITS, as_user="hr"))["orgUnits"]
    assert units["totalCount"] == len(units["edges"])  # every demo unit fits the first page
    assert not {u["id"] for u in nodes(units)} & {str(i) for i in company.units.values()}


async def test_roles_without_org_manage_are_refused(company: Company) -> None:
    for who in ("emp", "lead", "head", "exec"):
        body = await company.raw(
            CREATE_UNIT, {"input": {"code": "nope", "name": "x", "kind": "team"}}, as_user=who
        )
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_position_name_taken_is_a_conflict(company: Company) -> None:
    # given a position named 软件工程师
    first = {"code": "se1", "name": "软件工程师"}
    await company.ok(CREATE_POSITION, {"input": first}, as_user="hr")
    # when HR adds another position with the same name and another code
    data = await company.ok(
        CREATE_POSITION, {"input": {"code": "se2", "name": "软件工程师"}}, as_user="hr"
    )
    # then it is a CONFLICT naming the name (the unique key failed at flush: INTERNAL)
    payload = data["createPosition"]
    assert payload["position"] is None
    assert payload["errors"] == [{"code": "CONFLICT", "path": ["name"]}]
