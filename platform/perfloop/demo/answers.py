"""What the demo's raters write in the review forms, as plain data (no database).

A rating follows how the subject did last quarter (their performance factor) with
a little repeatable noise per rater, and a lean per relation: people rate
themselves a bit higher than their manager does, customers are kind. Texts are
short bilingual sentences picked by how the subject did.
"""

from __future__ import annotations

import random
from typing import Any, Final

#: the lean of each relation's ratings, in stars
LEAN: Final = {"self": 0.45, "manager": 0.0, "peer": 0.2, "subordinate": 0.3, "customer": 0.35}

ACHIEVEMENTS: Final = (  # (from factor, text)
    (
        1.2,
        "超额完成季度目标，主动承担了额外的重点工作。 / "
        "Beat the quarter's targets and took on extra key work.",
    ),
    (
        0.9,
        "完成了主要目标，按计划推进了重点工作。 / Met the main targets; the key work went to plan.",
    ),
    (
        0.0,
        "部分目标未达成，但完成了基础工作并总结了原因。 / "
        "Missed some targets; did the groundwork and found out why.",
    ),
)
CHALLENGES: Final = (
    "跨部门协作的节奏需要更好地对齐。 / Cross-team work needs a better shared rhythm.",
    "季度中段资源紧张，部分工作延后。 / Resources were tight mid-quarter; some work slipped.",
    "新工具上手花了比预期更多的时间。 / The new tools took longer to learn than expected.",
)
GOALS: Final = (
    "提升数据分析能力，提前识别风险。 / Build analysis skills to spot risks earlier.",
    "把经验沉淀为文档，帮助新同事上手。 / Write down what works to help newcomers.",
    "加强与客户的定期沟通。 / Talk to customers more regularly.",
)
STRENGTHS: Final = (
    (
        1.2,
        "结果导向，关键时刻能扛事。 / Delivers results and steps up when it counts.",
    ),
    (
        0.9,
        "可靠稳定，团队协作好。 / Reliable and a good team player.",
    ),
    (
        0.0,
        "态度积极，愿意学习。 / Positive and willing to learn.",
    ),
)
IMPROVEMENTS: Final = (
    (
        1.2,
        "可以更多地带教同事，分享方法。 / Could coach colleagues and share the methods more.",
    ),
    (
        0.9,
        "在优先级判断上还可以更果断。 / Could prioritise more decisively.",
    ),
    (
        0.0,
        "需要制定清晰的改进计划并每周跟进。 / Needs a clear improvement plan, followed up weekly.",
    ),
)
PEER_COMMENTS: Final = (
    "合作顺畅，响应及时。 / Easy to work with, answers quickly.",
    "愿意分享经验，乐于助人。 / Shares what they know and helps out.",
    "沟通可以更主动一些。 / Could keep others informed more often.",
    "",
)
CUSTOMER_COMMENTS: Final = (
    "服务专业，问题解决得很快。 / Professional, solved our problems fast.",
    "沟通顺畅，期待继续合作。 / Easy to talk to; we look forward to working together.",
    "响应速度可以再快一些。 / Could respond a little faster.",
)


def stars(factor: float, relation: str, rng: random.Random) -> int:
    """A 1-5 rating of someone doing at ``factor`` (1.0 on plan), by ``relation``."""
    value = 3.2 + (factor - 1.0) * 3 + LEAN.get(relation, 0.0) + rng.uniform(-0.9, 0.9)
    return max(1, min(5, round(value)))


def _by_factor(options: tuple[tuple[float, str], ...], factor: float) -> str:
    return next(text for least, text in options if factor >= least)


def answers(form: str, relation: str, factor: float, rng: random.Random) -> dict[str, Any]:
    """The answers to the form (its key) about someone doing at ``factor``."""
    overall = stars(factor, relation, rng)
    if form == "self-review":
        return {
            "overall_rating": overall,
            "achievements": _by_factor(ACHIEVEMENTS, factor),
            "challenges": rng.choice(CHALLENGES),
            "development_goals": rng.choice(GOALS),
        }
    if form == "manager-review":
        return {
            "overall_rating": overall,
            "competencies": {
                key: stars(factor, relation, rng)
                for key in ("ownership", "collaboration", "expertise")
            },
            "strengths": _by_factor(STRENGTHS, factor),
            "improvements": _by_factor(IMPROVEMENTS, factor),
            "promotion_recommended": factor >= 1.3 and overall == 5,
        }
    if form == "peer-review":
        out: dict[str, Any] = {
            "collaboration": stars(factor, relation, rng),
            "communication": stars(factor, relation, rng),
            "overall_rating": overall,
        }
        comment = rng.choice(PEER_COMMENTS)
        return {**out, "comments": comment} if comment else out
    if form == "customer-feedback":
        return {
            "satisfaction_stars": overall,
            "responsiveness": stars(factor, relation, rng),
            "would_recommend": overall >= 4,
            "comments": rng.choice(CUSTOMER_COMMENTS),
        }
    raise ValueError(f"the demo has no answers for the form {form!r}")


__all__ = ["answers", "stars"]
