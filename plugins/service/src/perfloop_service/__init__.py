"""perfloop's first-party customer service metrics: satisfaction (average stars),
average first-response time and complaint rate, from perfloop's ``support-tickets``
dataset (one record per ticket, dated when it was opened, credited to its agent).

An average over no rated or answered ticket, and a rate over no ticket, has no value
(None).
"""

from __future__ import annotations

from pathlib import Path

from perfloop.plugins import Plugin
from perfloop_service.metrics import METRICS

plugin = Plugin(
    name="service",
    title={"zh-CN": "客服指标", "en": "Customer service metrics"},
    description={
        "zh-CN": "满意度（星级）、平均首次响应时长和投诉率，来自客服工单数据集。",
        "en": "Satisfaction (stars), average first response and complaint rate, "
        "from the support-tickets dataset.",
    },
    metrics=METRICS,
    templates=Path(__file__).parent / "templates",
)

__all__ = ["plugin"]
