"""perfloop's first-party sales metrics: revenue, growth against the previous period,
new customers, churn rate and renewal rate, from the ``sales-orders`` dataset and the
``customers`` dataset this plugin ships (``templates/datasets/customers.v1.json``).

Every metric names its subjects as the datasets do (salespeople's emails, compared
without case). A rate whose base is empty (no customers held, no renewals due) has no
value (None), as an average over no records has none; growth against a period without
revenue is a :class:`~perfloop.plugins.MetricError`, since "grew from nothing" is not
a percentage.
"""

from __future__ import annotations

from pathlib import Path

from perfloop.plugins import Plugin
from perfloop_sales.metrics import METRICS

plugin = Plugin(
    name="sales",
    title={"zh-CN": "销售指标", "en": "Sales metrics"},
    description={
        "zh-CN": "销售额、环比增长、新客户数、客户流失率和续约率，来自销售订单与客户数据集。",
        "en": "Revenue, growth, new customers, churn rate and renewal rate, "
        "from the sales-orders and customers datasets.",
    },
    metrics=METRICS,
    templates=Path(__file__).parent / "templates",
)

__all__ = ["plugin"]
