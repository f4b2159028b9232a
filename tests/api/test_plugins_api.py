"""Metric plugins over GraphQL: the catalog (`metricPlugins`), and a KPI library's
plugin sources checked against it when validated, published or installed."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from perfloop.plugins import Plugin, Registry
from perfloop.plugins import metric as make_metric
from perfloop.plugins.registry import use_registry
from perfloop.templates import load_builtin_templates
from support import GraphQLClient
from support.plugins import DISTRIBUTION, VERSION, WINDOW, acme_registry

if TYPE_CHECKING:
    from support.company import Company

CATALOG = """
query {
  metricPlugins {
    plugins {
      name version distribution builtin title { zhCN en }
      metrics {
        key provider title { zhCN en } unit direction paramsSchema reads { dataset history }
      }
    }
    broken { name value distribution error }
    templateFailures { plugin error }
  }
}"""
VALIDATE = """
query($document: JSON!) {
  validateTemplate(document: $document) {
    valid problems { pointer code message } warnings { pointer code message }
  }
}"""
PUBLISH = """
mutation($document: JSON!) {
  publishTemplate(document: $document) {
    created template { version } warnings { pointer code message }
    errors { code message path detail }
  }
}"""
INSTALL = """
mutation($app: String!) {
  installApp(app: $app) {
    installedApp { app } warnings { pointer code message } errors { code message path detail }
  }
}"""


@pytest.fixture
def acme() -> Iterator[Registry]:
    with use_registry(acme_registry()) as registry:
        yield registry


def _library(source: dict[str, Any], key: str = "acme-kpis") -> tuple[dict[str, Any], int]:
    """The built-in sales library under ``key``, its churn rate computed by ``source``;
    and that indicator's index."""
    builtin = next(t for t in load_builtin_templates() if t.ref == "sales-kpis@1")
    document = copy.deepcopy(dict(builtin.document))
    document["key"] = key
    index = next(n for n, i in enumerate(document["indicators"]) if i["source"]["type"] == "plugin")
    document["indicators"][index]["source"] = source
    return document, index


def _plugin_warnings(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [w for w in warnings if w["code"] == "plugin-missing"]


async def test_the_catalog_lists_providers_and_the_broken_plugin(
    gql: GraphQLClient, acme: Registry
) -> None:
    # when an employee (anyone who reads templates) asks
    data = (await gql.ok(CATALOG, as_user="employee"))["metricPlugins"]
    # then perfloop's own plugin and acme are there, with their metrics
    by_name = {p["name"]: p for p in data["plugins"]}
    assert sorted(by_name) == ["acme", "perfloop"]
    own = by_name["perfloop"]
    assert (own["builtin"], own["distribution"]) == (True, None)
    assert [m["key"] for m in own["metrics"]] == ["dataset", "formula", "manual"]
    plugin = by_name["acme"]
    assert (plugin["version"], plugin["distribution"], plugin["builtin"]) == (
        VERSION, DISTRIBUTION, False,
    )  # fmt: skip
    assert plugin["title"] == {"zhCN": "演示插件", "en": "Acme"}
    [metric] = plugin["metrics"]
    assert metric == {
        "key": "revenue",
        "provider": "acme.revenue",
        "title": {"zhCN": "回款额", "en": "Collected revenue"},
        "unit": "CNY",
        "direction": "higher",
        "paramsSchema": WINDOW,
        "reads": [{"dataset": "sales-orders", "history": "previous"}],
    }
    # and the broken one, with its error
    [broken] = data["broken"]
    assert (broken["name"], broken["value"], broken["distribution"]) == (
        "ghost", "nonexistent.module:plugin", None,
    )  # fmt: skip
    assert broken["error"].startswith("ModuleNotFoundError")
    assert data["templateFailures"] == []


async def test_the_catalog_needs_a_signed_in_caller(gql: GraphQLClient) -> None:
    body = await gql.raw(CATALOG)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_parameters_that_do_not_fit_are_errors_at_their_place(
    gql: GraphQLClient, acme: Registry
) -> None:
    # given a library whose acme source has a window out of range and a stray parameter
    source = {"type": "plugin", "plugin": "acme", "metric": "revenue",
              "params": {"window": 40, "colour": "red"}}  # fmt: skip
    document, index = _library(source)
    # when HR validates it
    checked = (await gql.ok(VALIDATE, {"document": document}, as_user="hr"))["validateTemplate"]
    # then it is invalid, each problem at its place in the parameters
    assert checked["valid"] is False
    problems = {(p["pointer"], p["code"]) for p in checked["problems"]}
    assert problems == {
        (f"/indicators/{index}/source/params", "plugin-params"),  # colour: not allowed
        (f"/indicators/{index}/source/params/window", "plugin-params"),
    }
    assert all(p["message"].startswith("acme.revenue: ") for p in checked["problems"])
    # and publishing it is refused, naming the place, nothing published
    published = (await gql.ok(PUBLISH, {"document": document}, as_user="hr"))["publishTemplate"]
    assert published["template"] is None
    paths = {tuple(e["path"]) for e in published["errors"]}
    assert ("indicators", str(index), "source", "params", "window") in paths
    assert {e["code"] for e in published["errors"]} == {"TEMPLATE_INVALID"}
    assert {e["detail"] for e in published["errors"]} == {"plugin-params"}
    # and without any parameters, the required window is missing
    bare, _ = _library({"type": "plugin", "plugin": "acme", "metric": "revenue"})
    checked = (await gql.ok(VALIDATE, {"document": bare}, as_user="hr"))["validateTemplate"]
    [problem] = checked["problems"]
    assert problem["pointer"] == f"/indicators/{index}/source/params"
    assert "'window' is a required property" in problem["message"]


async def test_fitting_parameters_publish_without_a_plugin_warning(
    gql: GraphQLClient, acme: Registry
) -> None:
    source = {"type": "plugin", "plugin": "acme", "metric": "revenue", "params": {"window": 3}}
    document, _ = _library(source)
    checked = (await gql.ok(VALIDATE, {"document": document}, as_user="hr"))["validateTemplate"]
    assert (checked["valid"], checked["problems"]) == (True, [])
    assert _plugin_warnings(checked["warnings"]) == []
    published = (await gql.ok(PUBLISH, {"document": document}, as_user="hr"))["publishTemplate"]
    assert published["errors"] == []
    assert published["template"] == {"version": 1}


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ({"plugin": "crm", "metric": "churn_rate"}, "plugin", "'crm' is not installed"),
        ({"plugin": "ghost", "metric": "x"}, "plugin", "'ghost' is installed but broken"),
        ({"plugin": "acme", "metric": "margin"}, "metric", "'acme' has no metric 'margin'"),
    ],
)
async def test_a_plugin_not_usable_here_is_a_warning_and_publishes(
    gql: GraphQLClient, acme: Registry, source: dict[str, str], where: str, message: str
) -> None:
    # given a library naming a provider this server cannot run
    document, index = _library({"type": "plugin", **source}, key=f"acme-kpis-{where}")
    # when HR validates and publishes it
    checked = (await gql.ok(VALIDATE, {"document": document}, as_user="hr"))["validateTemplate"]
    published = (await gql.ok(PUBLISH, {"document": document}, as_user="hr"))["publishTemplate"]
    # then both accept it with a warning at the source's plugin (or metric)
    assert (checked["valid"], checked["problems"]) == (True, [])
    for warnings in (checked["warnings"], published["warnings"]):
        [warning] = _plugin_warnings(warnings)
        assert warning["pointer"] == f"/indicators/{index}/source/{where}"
        assert message in warning["message"]
    assert published["errors"] == []
    assert published["created"] is True


async def test_a_plugin_source_names_its_metric(gql: GraphQLClient) -> None:
    document, index = _library({"type": "plugin", "plugin": "crm"})
    checked = (await gql.ok(VALIDATE, {"document": document}, as_user="hr"))["validateTemplate"]
    assert checked["valid"] is False
    [problem] = checked["problems"]
    assert (problem["pointer"], problem["code"]) == (f"/indicators/{index}/source", "schema")
    assert "metric" in problem["message"]


async def test_installing_an_app_warns_of_the_plugins_it_lacks(company: Company) -> None:
    # given the built-in app, whose libraries name the crm, issue-tracker and monitoring
    # plugins, none installed here
    with use_registry(acme_registry(broken=False)):
        # when HR installs it
        payload = (await company.ok(INSTALL, {"app": "standard-performance@1"}, as_user="hr"))[
            "installApp"
        ]
    # then it is installed, with a warning per plugin source, at the library's place
    assert payload["errors"] == []
    assert payload["installedApp"] == {"app": "standard-performance@1"}
    app = load_builtin_templates().get("standard-performance", 1)
    assert app is not None
    libraries = app.document["components"]["kpiLibraries"]
    found = {(w["pointer"], w["code"]) for w in payload["warnings"]}
    assert found == {
        (f"/components/kpiLibraries/{libraries.index(ref)}", "plugin-missing")
        for ref in ("sales-kpis@1", "rd-kpis@1", "operations-kpis@1")
    }
    sales = next(w for w in payload["warnings"] if "sales-kpis@1" in w["message"])
    assert "/source/plugin: the metric plugin 'crm' is not installed" in sales["message"]


async def test_installing_an_app_whose_library_does_not_fit_an_installed_plugin_is_refused(
    company: Company,
) -> None:
    # given a crm plugin installed here whose churn rate needs a window the built-in
    # sales library (published before) does not give
    @make_metric(key="churn_rate", title="流失率", unit="percent", direction="lower",
                 params=WINDOW)  # fmt: skip
    def churn_rate(context: Any) -> dict[str, float]:
        return {}

    registry = acme_registry(broken=False)
    registry.register(
        Plugin(name="crm", title="CRM", metrics=[churn_rate]), version="2.0.0", distribution="crm"
    )
    with use_registry(registry):
        # when HR installs the app
        payload = (await company.ok(INSTALL, {"app": "standard-performance@1"}, as_user="hr"))[
            "installApp"
        ]
    # then nothing is installed; the error names the library and the place in it
    assert payload["installedApp"] is None
    [error] = payload["errors"]
    app = load_builtin_templates().get("standard-performance", 1)
    assert app is not None
    index = app.document["components"]["kpiLibraries"].index("sales-kpis@1")
    assert error["path"] == ["app", "components", "kpiLibraries", str(index)]
    assert (error["code"], error["detail"]) == ("TEMPLATE_INVALID", "plugin-params")
    assert error["message"].startswith("sales-kpis@1 /indicators/")
    assert "/source/params: crm.churn_rate: 'window' is a required property" in error["message"]
