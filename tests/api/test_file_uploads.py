"""File imports over GraphQL: a real multipart body (the GraphQL multipart request
spec) to importOrgChart and importDatasetFile, as the web console sends it."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import httpx
import openpyxl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import EnforcerCache
from perfloop.services.core.caller import resolve_caller
from perfloop.services.templates import publish_template
from perfloop.store.datasets import DatasetRecord
from perfloop.store.org import Employee, OrgUnit
from perfloop.templates import load_builtin_templates

if TYPE_CHECKING:
    from support import GraphQLClient
    from support.company import Company

ORG = """
mutation($file: Upload!, $dryRun: Boolean!, $sheet: String) {
  importOrgChart(file: $file, dryRun: $dryRun, sheet: $sheet) {
    dryRun rows unitsCreated unitsUpdated positionsCreated employeesCreated employeesUpdated
    sheet encoding
    rowErrors { row column letter message messageZh }
    errors { code message path }
  }
}"""
DATASET = """
mutation($dataset: String!, $file: Upload!, $dryRun: Boolean!) {
  importDatasetFile(dataset: $dataset, file: $file, dryRun: $dryRun) {
    dataset dryRun ok batches committed rejected received inserted invalidRows
    rowErrors { row column message }
    errors { code message path }
  }
}"""
ORG_HEADER = [
    "employee_no", "name", "email", "org_unit_code", "org_unit_name", "parent_unit_code",
    "position", "grade", "hire_date", "manager_email",
]  # fmt: skip
ORDER_HEADER = [
    "order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type",
]  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def org_rows(company: Company) -> list[list[str]]:
    return [
        ["U001", "销售总监", "boss@up.test", "u-sales", "销售部", "co", "销售总监", "M3",
         "2019-04-01", company.email("exec")],
        ["U002", "组长", "lead@up.test", "u-east", "华东组", "u-sales", "组长", "M1",
         "2021-06-15", "boss@up.test"],
    ]  # fmt: skip


def xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "员工"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


async def upload(
    gql: GraphQLClient,
    token: str,
    query: str,
    variables: dict[str, Any],
    file: tuple[str, bytes, str],
) -> httpx.Response:
    """A multipart request as the spec has it: operations, map, then the file."""
    operations = {"query": query, "variables": {**variables, "file": None}}
    return await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": file},
        headers={"Authorization": f"Bearer {token}"},
    )


def token(company: Company, who: str) -> str:
    return company.gql.token(company.email(who), tenant=company.slug)


async def payload(response: httpx.Response, field: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][field]
    return result


async def count_of(
    sessions: async_sessionmaker[AsyncSession], company: Company, table: type[Any]
) -> int:
    """How many rows of ``table`` the company's tenant has."""
    async with sessions() as session:
        unit = await session.get(OrgUnit, company.units["co"])
        assert unit is not None
        found = await session.execute(
            select(func.count()).select_from(table).where(table.tenant_id == unit.tenant_id)
        )
        return int(found.scalar_one())


async def count_people(sessions: async_sessionmaker[AsyncSession], company: Company) -> int:
    return await count_of(sessions, company, Employee)


async def count_records(sessions: async_sessionmaker[AsyncSession], company: Company) -> int:
    return await count_of(sessions, company, DatasetRecord)


# -- org chart --------------------------------------------------------------------


async def test_hr_imports_an_org_chart_workbook(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a workbook of two new people in two new units
    content = xlsx(ORG_HEADER, org_rows(company))
    # when HR uploads it
    response = await upload(
        gql, token(company, "hr"), ORG, {"dryRun": False}, ("组织架构.xlsx", content, XLSX)
    )
    # then both are stored, and the payload counts them
    result = await payload(response, "importOrgChart")
    assert result["errors"] == []
    assert result["rowErrors"] == []
    assert result["rows"] == 2
    assert result["employeesCreated"] == 2
    assert result["unitsCreated"] == 2
    assert result["sheet"] == "员工"
    assert await count_people(sessions, company) == 6 + 2


async def test_a_dry_run_counts_and_stores_nothing(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    content = csv_bytes(ORG_HEADER, org_rows(company))
    response = await upload(
        gql, token(company, "hr"), ORG, {"dryRun": True}, ("org.csv", content, "text/csv")
    )
    result = await payload(response, "importOrgChart")
    assert result["dryRun"] is True
    assert result["errors"] == []
    assert result["employeesCreated"] == 2
    assert result["unitsCreated"] == 2
    assert result["encoding"] == "utf-8-sig"
    assert await count_people(sessions, company) == 6
    # and the real import afterwards stores what the dry run counted
    again = await upload(
        gql, token(company, "hr"), ORG, {"dryRun": False}, ("org.csv", content, "text/csv")
    )
    assert (await payload(again, "importOrgChart"))["employeesCreated"] == 2
    assert await count_people(sessions, company) == 8


async def test_row_errors_name_row_and_column_and_nothing_is_stored(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # given a good row, then a row with a bad email and a bad date
    rows = org_rows(company)
    rows[1][2] = "not-an-email"
    rows[1][8] = "yesterday"
    content = xlsx(ORG_HEADER, rows)
    response = await upload(
        gql, token(company, "hr"), ORG, {"dryRun": False}, ("org.xlsx", content, XLSX)
    )
    result = await payload(response, "importOrgChart")
    # then every problem is listed where the spreadsheet shows it, and nothing is stored
    where = {(e["row"], e["column"], e["letter"]) for e in result["rowErrors"]}
    assert {(3, "email", "C"), (3, "hire_date", "I")} <= where
    assert all(e["message"] and e["messageZh"] for e in result["rowErrors"])
    assert [e["path"] for e in result["errors"]] == [["file"]]
    assert result["errors"][0]["code"] == "INVALID"
    assert result["employeesCreated"] == 0
    assert await count_people(sessions, company) == 6


async def test_an_employee_may_not_import_an_org_chart(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    content = csv_bytes(ORG_HEADER, org_rows(company))
    response = await upload(
        gql, token(company, "emp"), ORG, {"dryRun": False}, ("org.csv", content, "text/csv")
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count_people(sessions, company) == 6


async def test_without_a_token_an_upload_is_anonymous_and_refused(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # a cross-site form can post multipart, but cannot set the Authorization header
    operations = {"query": ORG, "variables": {"file": None, "dryRun": False}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("org.csv", csv_bytes(ORG_HEADER, org_rows(company)), "text/csv")},
        headers={"Cookie": "session=stolen"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count_people(sessions, company) == 6


async def test_files_that_are_not_spreadsheets_are_refused_naming_the_file(
    company: Company, gql: GraphQLClient
) -> None:
    hr = token(company, "hr")
    cases = [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        ("chart.xlsx", b"%PDF-1.7\n" + b"x" * 200, XLSX),  # a PDF with a workbook's name
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "application/vnd.ms-excel"),
        ("noname", b"a,b\n1,2\n", "text/plain"),
        ("binary.csv", bytes(range(256)) * 8, "text/csv"),
    ]
    for case in cases:
        result = await payload(
            await upload(gql, hr, ORG, {"dryRun": False}, case), "importOrgChart"
        )
        assert [e["path"] for e in result["errors"]] == [["file"]], (case[0], result)
        assert result["errors"][0]["code"] == "INVALID"
        assert case[0] in result["errors"][0]["message"] or "file" in result["errors"][0]["message"]


async def test_an_unknown_sheet_or_encoding_names_its_argument(
    company: Company, gql: GraphQLClient
) -> None:
    hr = token(company, "hr")
    book = ("org.xlsx", xlsx(ORG_HEADER, org_rows(company)), XLSX)
    sheet = await upload(gql, hr, ORG, {"dryRun": True, "sheet": "Nope"}, book)
    assert [e["path"] for e in (await payload(sheet, "importOrgChart"))["errors"]] == [["sheet"]]
    query = ORG.replace("$sheet: String", "$encoding: String").replace(
        "sheet: $sheet", "encoding: $encoding"
    )
    text = ("org.csv", csv_bytes(ORG_HEADER, org_rows(company)), "text/csv")
    encoding = await upload(gql, hr, query, {"dryRun": True, "encoding": "klingon"}, text)
    errors = (await payload(encoding, "importOrgChart"))["errors"]
    assert [e["path"] for e in errors] == [["encoding"]]


async def test_a_file_variable_sent_as_json_is_refused_naming_it(
    company: Company, gql: GraphQLClient
) -> None:
    body = await company.raw(ORG, {"file": "org.csv", "dryRun": False}, as_user="hr")
    errors = body["data"]["importOrgChart"]["errors"]
    assert [e["path"] for e in errors] == [["file"]]
    assert errors[0]["code"] == "INVALID"


async def test_an_oversized_upload_is_refused_before_anything(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    limit = gql.settings.max_request_bytes
    content = csv_bytes(ORG_HEADER, org_rows(company)) + b"," * limit
    response = await upload(
        gql, token(company, "hr"), ORG, {"dryRun": False}, ("org.csv", content, "text/csv")
    )
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "TOO_LARGE"
    assert f"{limit:,} bytes" in error["message"]
    assert await count_people(sessions, company) == 6


async def test_a_map_that_does_not_fit_is_a_bad_request(
    company: Company, gql: GraphQLClient
) -> None:
    operations = json.dumps({"query": ORG, "variables": {"file": None, "dryRun": True}})
    for bad_map in ('["variables.file"]', '{"0": ["variables.nope.file"]}', '{"0": [3]}',
                    '{"9": ["variables.file"]}', '{"0": ["0.variables.file"]}'):  # fmt: skip
        response = await gql.http.post(
            "/graphql",
            data={"operations": operations, "map": bad_map},
            files={"0": ("org.csv", b"a,b\n", "text/csv")},
            headers={"Authorization": f"Bearer {token(company, 'hr')}"},
        )
        assert response.status_code == 400, (bad_map, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# -- datasets ---------------------------------------------------------------------


async def publish_orders(sessions: async_sessionmaker[AsyncSession], company: Company) -> str:
    """A copy of the built-in sales-orders dataset in the company's tenant."""
    builtin = load_builtin_templates().resolve("sales-orders", 1)
    assert builtin is not None
    async with sessions() as session:
        hr = await resolve_caller(session, EnforcerCache(), company.slug, company.email("hr"))
        result = await publish_template(session, hr, dict(builtin) | {"key": "up-orders"})
        return f"{result.template.key}@{result.template.version}"


def orders(company: Company, n: int, *, bad: int | None = None) -> list[list[Any]]:
    owner = company.email("emp")
    return [
        [f"SO-{i:05d}", owner, "C1", "2026-03-01", "oops" if i == bad else "100", "paid", "new"]
        for i in range(n)
    ]


async def test_hr_imports_a_dataset_file_csv_and_xlsx(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    dataset = await publish_orders(sessions, company)
    hr = token(company, "hr")
    # a dry run validates every row and stores nothing
    text = ("orders.csv", csv_bytes(ORDER_HEADER, orders(company, 30)), "text/csv")
    dry = await payload(
        await upload(gql, hr, DATASET, {"dataset": dataset, "dryRun": True}, text),
        "importDatasetFile",
    )
    assert dry["ok"]
    assert dry["dryRun"]
    assert dry["received"] == 30
    assert dry["inserted"] == 30
    assert await count_records(sessions, company) == 0
    # the CSV file is stored
    stored = await payload(
        await upload(gql, hr, DATASET, {"dataset": dataset, "dryRun": False}, text),
        "importDatasetFile",
    )
    assert stored["ok"]
    assert stored["committed"] == 1
    assert stored["inserted"] == 30
    assert stored["errors"] == []
    assert stored["dataset"] == dataset
    # and a workbook of other orders too
    rows = [[f"SO-X{i}", *r[1:]] for i, r in enumerate(orders(company, 5))]
    book = ("orders.xlsx", xlsx(ORDER_HEADER, rows), XLSX)
    more = await payload(
        await upload(gql, hr, DATASET, {"dataset": dataset, "dryRun": False}, book),
        "importDatasetFile",
    )
    assert more["ok"]
    assert more["inserted"] == 5
    assert await count_records(sessions, company) == 35


async def test_a_dataset_row_error_names_row_and_field(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    dataset = await publish_orders(sessions, company)
    text = ("orders.csv", csv_bytes(ORDER_HEADER, orders(company, 10, bad=4)), "text/csv")
    for dry_run in (True, False):  # a dry run finds what the import would refuse
        result = await payload(
            await upload(
                gql, token(company, "hr"), DATASET, {"dataset": dataset, "dryRun": dry_run}, text
            ),
            "importDatasetFile",
        )
        # the sixth row of the sheet (header, then orders 0..4) has the bad amount
        assert not result["ok"]
        assert result["rejected"] == 1
        assert result["inserted"] == 0
        assert [(e["row"], e["column"]) for e in result["rowErrors"]] == [(6, "amount")]
        assert [e["path"] for e in result["errors"]] == [["file"]]
        assert await count_records(sessions, company) == 0


async def test_dataset_file_refusals(
    company: Company, gql: GraphQLClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    dataset = await publish_orders(sessions, company)
    text = ("orders.csv", csv_bytes(ORDER_HEADER, orders(company, 3)), "text/csv")
    # an employee may not ingest
    refused = await upload(
        gql, token(company, "emp"), DATASET, {"dataset": dataset, "dryRun": False}, text
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hr = token(company, "hr")
    # an unknown dataset names `dataset`
    unknown = await payload(
        await upload(gql, hr, DATASET, {"dataset": "nope", "dryRun": False}, text),
        "importDatasetFile",
    )
    assert [e["path"] for e in unknown["errors"]] == [["dataset"]]
    # a file that is no spreadsheet names `file`
    for case in (("a.pdf", b"%PDF-1.7", "application/pdf"), ("a.xlsx", b"%PDF-1.7", XLSX)):
        bad = await payload(
            await upload(gql, hr, DATASET, {"dataset": dataset, "dryRun": False}, case),
            "importDatasetFile",
        )
        assert [e["path"] for e in bad["errors"]] == [["file"]], bad
        assert bad["errors"][0]["code"] == "INVALID"
