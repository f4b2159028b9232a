"""Stored JSON documents have a size limit, and one response cannot multiply a
large document with aliases past its budget: both answer TOO_LARGE, naming
the field, and a refused write stores nothing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.services.core.documents import check_document_size, document_size
from perfloop.services.core.errors import ErrorCode, ServiceError
from perfloop.templates import load_builtin_templates
from support import GraphQLClient
from support.statements import count_statements

PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) { template { key version } errors { code path message } }
}"""
VALIDATE = """
query($document: JSON!) { validateTemplate(document: $document) { valid } }"""
TEMPLATE = "query($key: String!) { template(key: $key) { key document } }"
INSTALL = """
mutation($parameters: JSON) {
  installApp(app: "standard-performance@1", parameters: $parameters) {
    installedApp { id } errors { code path }
  }
}"""
INGEST = """
mutation($records: [JSON!]!) {
  ingestRecords(dataset: "sales-orders", batchKey: "too-large", records: $records) {
    errors { code path message }
  }
}"""


def big_dataset(fields: int) -> dict[str, Any]:
    """A valid dataset template about 7.4 kB of JSON per extra field."""
    document = copy.deepcopy(dict(load_builtin_templates().resolve("sales-orders", 1) or {}))
    document["key"] = f"big-orders-{uuid.uuid4().hex[:8]}"
    properties = document["records"]["properties"]
    for i in range(fields):
        title = {"zh-CN": "字段" * 900, "en": "Field " + "x" * 1990}
        properties[f"extra_{i}"] = {"type": "string", "x-title": title}
    return document


async def test_a_template_past_the_limit_is_too_large_and_not_stored(gql: GraphQLClient) -> None:
    # given a valid template larger than a stored document may be
    document = big_dataset(150)
    assert document_size(document) > gql.settings.max_document_bytes
    # when HR publishes it, or checks it
    published = (await gql.ok(PUBLISH, {"document": document}, as_user="hr"))["publishTemplate"]
    checked = await gql.raw(VALIDATE, {"document": document}, as_user="hr")
    # then both are TOO_LARGE, naming the field and the setting
    (error,) = published["errors"]
    assert (error["code"], error["path"]) == ("TOO_LARGE", ["document"])
    assert "PERFLOOP_MAX_DOCUMENT_BYTES" in error["message"]
    assert published["template"] is None
    assert checked["errors"][0]["extensions"]["code"] == "TOO_LARGE"
    # and nothing was stored
    stored = await gql.ok(TEMPLATE, {"key": document["key"]}, as_user="hr")
    assert stored == {"template": None}


async def test_aliases_cannot_multiply_a_large_document_past_the_budget(
    gql: GraphQLClient,
) -> None:
    # given a template just under the document limit, published
    document = big_dataset(120)
    assert 800_000 < document_size(document) < gql.settings.max_document_bytes
    published = (await gql.ok(PUBLISH, {"document": document}, as_user="hr"))["publishTemplate"]
    assert published["errors"] == []
    key = document["key"]
    # when it is read twice in one request, it is served
    twice = await gql.ok(
        "query($key: String!) { a: template(key: $key) { document } "
        "b: template(key: $key) { document } }",
        {"key": key},
        as_user="employee",
    )
    assert twice["a"]["document"]["key"] == twice["b"]["document"]["key"] == key
    # but 25 aliases of it (over 20 MB) are refused as a whole, with one error
    fields = " ".join(f"a{i}: template(key: $key) {{ document }}" for i in range(25))
    body = await gql.raw(f"query($key: String!) {{ {fields} }}", {"key": key}, as_user="employee")
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TOO_LARGE"
    assert "PERFLOOP_MAX_RESPONSE_DOCUMENT_BYTES" in error["message"]


async def test_app_parameters_past_the_limit_are_too_large(gql: GraphQLClient) -> None:
    parameters = {"pad": "x" * (gql.settings.max_document_bytes + 1)}
    data = await gql.ok(INSTALL, {"parameters": parameters}, as_user="hr")
    assert data["installApp"]["installedApp"] is None
    assert [(e["code"], e["path"]) for e in data["installApp"]["errors"]] == [
        ("TOO_LARGE", ["parameters"])
    ]


async def test_a_record_past_the_limit_is_named(
    gql: GraphQLClient,
) -> None:
    small = {"order_id": "SO-1", "amount": 1}
    large = {"order_id": "SO-2", "note": "x" * gql.settings.max_document_bytes}
    data = await gql.ok(INGEST, {"records": [small, large]}, as_user="hr")
    (error,) = data["ingestRecords"]["errors"]
    assert (error["code"], error["path"]) == ("TOO_LARGE", ["records", "1"])


@pytest.mark.parametrize(
    "value",
    [{"名": "值" * 10}, ["x", 1, 2.5, None, True], {"n": 10**30}, {"s": "\ud800"}],
    ids=["utf-8", "list", "big-int", "lone-surrogate"],
)
def test_the_limit_counts_compact_utf8_json(value: Any) -> None:
    # a document exactly at the limit passes; one byte less and it is refused
    size = document_size(value)
    check_document_size(value, ("document",), size)
    with pytest.raises(ServiceError) as refused:
        check_document_size(value, ("document",), size - 1)
    assert refused.value.code is ErrorCode.TOO_LARGE
    assert refused.value.errors[0].path == ("document",)


async def test_template_documents_are_read_once_and_only_when_asked_for(
    gql: GraphQLClient, engine: AsyncEngine
) -> None:
    def reading_bodies(statements: list[str]) -> list[str]:
        return [s for s in statements if "templates.body" in s]

    # a list of templates without their documents reads no document
    with count_statements(engine) as listing:
        await gql.ok("{ templates(first: 100) { edges { node { key version } } } }", as_user="hr")
    assert reading_bodies(listing) == []
    # the same template asked for under ten aliases reads its document once
    fields = " ".join(f'a{i}: template(key: "sales-orders") {{ document }}' for i in range(10))
    with count_statements(engine) as aliased:
        data = await gql.ok(f"{{ {fields} }}", as_user="hr")
    assert {d["document"]["key"] for d in data.values()} == {"sales-orders"}
    assert len(reading_bodies(aliased)) == 1
