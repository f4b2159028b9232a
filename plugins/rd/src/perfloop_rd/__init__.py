"""perfloop's first-party R&D metrics: on-time delivery rate, features shipped,
problems solved and defect escape rate, from the ``issues`` dataset this plugin ships
(``templates/datasets/issues.v1.json``): one record per resolved issue, as exported
from an issue tracker, dated by when it was resolved and credited to its assignee.

A rate whose base is empty (nothing with a due date delivered, no defect resolved) has
no value (None); counts without records are 0.
"""

from __future__ import annotations

from pathlib import Path

from perfloop.plugins import Plugin
from perfloop_rd.metrics import METRICS

plugin = Plugin(
    name="rd",
    title={"zh-CN": "研发指标", "en": "R&D metrics"},
    description={
        "zh-CN": "按时交付率、交付功能数、解决问题数和缺陷逃逸率，"
        "来自缺陷/需求跟踪系统导出的 issues 数据集。",
        "en": "On-time delivery rate, features shipped, problems solved and defect escape "
        "rate, from the issues dataset exported from an issue tracker.",
    },
    metrics=METRICS,
    templates=Path(__file__).parent / "templates",
)

__all__ = ["plugin"]
