"""A text longer than its column is INVALID naming the field, on SQLite and
PostgreSQL alike (PostgreSQL used to fail the flush: INTERNAL; SQLite stored it)."""

from __future__ import annotations

from support.company import Company

UPDATE_TWO_UNITS = """
mutation($first: ID!, $second: ID!, $nameEn: String) {
  first: updateOrgUnit(id: $first, input: {code: "renamed", nameEn: $nameEn}) {
    errors { code message path }
  }
  second: updateOrgUnit(id: $second, input: {name: "Second"}) { errors { code } }
}"""
UNIT = "query($id: ID!) { orgUnit(id: $id) { code name nameEn } }"


async def test_a_text_longer_than_its_column_is_invalid_and_nothing_of_it_is_kept(
    company: Company,
) -> None:
    # given HR renaming a unit with an English name one character too long,
    # and changing another unit in the same request
    variables = {"first": company.units["d1"], "second": company.units["d2"], "nameEn": "x" * 201}
    # when it is sent
    data = await company.ok(UPDATE_TWO_UNITS, variables, as_user="hr")
    # then the first change is refused naming the field, the second is made
    [error] = data["first"]["errors"]
    assert (error["code"], error["path"]) == ("INVALID", ["nameEn"])
    assert "200" in error["message"]
    assert data["second"]["errors"] == []
    # and the refused change left nothing behind (its new code was not committed)
    unit = (await company.ok(UNIT, {"id": company.units["d1"]}, as_user="hr"))["orgUnit"]
    assert unit["code"] == "d1"
    assert unit["nameEn"] is None


async def test_a_text_as_long_as_its_column_is_kept(company: Company) -> None:
    # when HR gives a unit an English name of exactly 200 characters
    variables = {"first": company.units["d1"], "second": company.units["d2"], "nameEn": "é" * 200}
    data = await company.ok(UPDATE_TWO_UNITS, variables, as_user="hr")
    # then it is stored whole
    assert data["first"]["errors"] == []
    unit = (await company.ok(UNIT, {"id": company.units["d1"]}, as_user="hr"))["orgUnit"]
    assert unit["nameEn"] == "é" * 200
