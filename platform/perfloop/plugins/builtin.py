"""perfloop's own sources, registered as the plugin ``perfloop`` through the same
:meth:`~perfloop.plugins.Registry.register` as any installed plugin (as datasette does
with its built-ins), so every refresh exercises the plugin API.

- ``dataset``: a declarative aggregation over a dataset (the source's own fields are
  its parameters), computed by the database through :meth:`MetricContext.aggregate`;
- ``formula``: a formula over the subject's other indicators (``context.inputs``);
- ``manual``: entered by hand; nothing to compute.

A KPI library writes these as ``{"type": "dataset", …}``, ``{"type": "formula", …}``
and ``{"type": "manual", …}``; ``{"type": "plugin", "plugin": P, "metric": M}`` names
any other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

from perfloop.engine import FormulaError, compile
from perfloop.plugins.context import MetricContext, aggregate_any
from perfloop.plugins.sdk import Metric, MetricError, Plugin, Value

NAME = "perfloop"
_TEXT = {"type": "string", "maxLength": 200}


@functools.cache
def builtin_version() -> str:
    try:
        return version("perfloop")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


async def _aggregate(context: MetricContext) -> Mapping[str, Value]:
    return await aggregate_any(context, context.params)  # its dataset: from its params


def _formula(context: MetricContext) -> Mapping[str, Value]:
    try:
        formula = compile(str(context.params.get("formula", "")))
    except FormulaError as exc:
        error = MetricError(f"the formula does not compile: {exc}")
        return dict.fromkeys(context.subjects, error)
    out: dict[str, Value] = {}
    for subject in context.subjects:
        try:
            out[subject] = formula.evaluate(dict(context.inputs.get(subject) or {}))
        except FormulaError as exc:  # e.g. text where a number was expected
            out[subject] = MetricError(f"the formula could not be evaluated: {exc}")
    return out


DATASET = Metric(
    key="dataset",
    title={"zh-CN": "数据集汇总", "en": "Dataset aggregation"},
    unit="any",
    direction="higher",
    compute=_aggregate,
    params={
        "type": "object",
        "properties": {
            "dataset": _TEXT,
            "op": {"enum": ["sum", "count", "avg", "min", "max"]},
            "field": _TEXT,
            "filter": {"type": "array", "maxItems": 20},
            "subjectField": _TEXT,
            "dateField": _TEXT,
        },
        "required": ["dataset", "op"],
    },
    description={
        "zh-CN": "对数据集中每个对象在周期内的记录做求和、计数、平均、最小或最大（可带筛选条件）。",
        "en": "Sum, count, average, minimum or maximum of a dataset's records per subject "
        "over the period, with optional filter clauses.",
    },
)
FORMULA = Metric(
    key="formula",
    title={"zh-CN": "公式", "en": "Formula"},
    unit="any",
    direction="higher",
    compute=_formula,
    params={
        "type": "object",
        "properties": {"formula": {"type": "string"}},
        "required": ["formula"],
    },
    description={
        "zh-CN": "用同一指标库中其他指标的值计算（如 投诉数 / 工单数 * 100）。",
        "en": "Computed from the subject's other indicators of the same library "
        "(complaints / tickets_received * 100).",
    },
)
MANUAL = Metric(
    key="manual",
    title={"zh-CN": "手工录入", "en": "Entered by hand"},
    unit="any",
    direction="higher",
    compute=None,
    params={"type": "object", "properties": {"enteredBy": {"type": "array"}}},
    description={
        "zh-CN": "由有权限的人录入，记录录入人和时间。",
        "en": "Entered by someone allowed to; who and when are kept.",
    },
)

BUILTIN = Plugin(
    name=NAME,
    title={"zh-CN": "perfloop 内置来源", "en": "perfloop's own sources"},
    metrics=[DATASET, FORMULA, MANUAL],
)
