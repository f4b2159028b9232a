"""A plan's items: what is sent (``ItemInput``, ``TaskInput``, ``TargetOverride``),
how it is resolved against KPI libraries and goals, checked against the
scoring template's rules (weights, thresholds), and written with its tasks.
The use-cases that call these are in ``scorecards.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from perfloop.engine import DIRECTIONS
from perfloop.services.core import audit
from perfloop.services.core.errors import ErrorCode, ServiceError, UserError
from perfloop.services.plans.common import (
    PlanRules,
    indicators_of,
    template_bodies,
)
from perfloop.services.plans.relative import RelativeTarget, relative_of
from perfloop.store.core import (
    check_lengths,
    chunked,
    insert_many,
    insert_or_ignore,
    keep_rows,
    lock_rows,
    table_of,
    update_many,
)
from perfloop.store.goals import Goal
from perfloop.store.org import OrgUnit
from perfloop.store.plans import ActionTask, Actual, Checkin, Scorecard, ScorecardItem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from perfloop.engine import ScoringScheme
    from perfloop.services.core.caller import Caller
    from perfloop.store.cycles import Cycle


TASK_STATUSES = ("open", "doing", "done", "dropped")
#: An item's score settings (``thresholds``), read from the scheme's parameters by default.
SCORE_SETTINGS = ("threshold", "floor", "cap")


@dataclass(frozen=True)
class TaskInput:
    title: str
    owner_id: int | None = None
    due_on: dt.date | None = None
    status: str = "open"
    #: the title per language (``zh-CN``, ``en``; either may be left out, then it reads
    #: as ``title``): see ``own_titles``
    titles: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class ItemInput:
    """An item from a KPI library (``library`` + ``indicator``), from a goal, or free."""

    weight: float
    target: float | None = None
    key: str | None = None
    library: str | None = None
    indicator: str | None = None
    goal_id: int | None = None
    title: str | None = None
    #: the title per language (``zh-CN``, ``en``; either may be left out): see ``titles_of``
    titles: Mapping[str, str | None] | None = None
    unit: str | None = None
    direction: str | None = None
    thresholds: Mapping[str, Any] | None = None
    tasks: Sequence[TaskInput] = field(default_factory=tuple)
    #: a target relative to an earlier period's actual, resolved per person (relative.py)
    relative: RelativeTarget | None = None


@dataclass(frozen=True)
class TargetOverride:
    employee_id: int
    key: str
    target: float


LANGS = ("zh-CN", "en")
#: each product language's field name in GraphQL (``I18nTextInput``), for error paths
LANG_FIELDS = {"zh-CN": "zhCN", "en": "en"}
#: the longest title an item takes, in each language (``scorecard_items.title``)
TITLE_LENGTH = 200


def both(name: Any) -> dict[str, str]:
    """A title (bilingual ``{"zh-CN": …, "en": …}`` or one string) in both languages:
    a language left out reads as the other one; one string stands for both."""
    if isinstance(name, Mapping):
        given = {lang: str(name.get(lang) or "").strip() for lang in LANGS}
        zh, en = given["zh-CN"], given["en"]
        return {"zh-CN": zh or en, "en": en or zh}
    text = str(name or "").strip()
    return {"zh-CN": text, "en": text}


def titles_of(item: ItemInput, fallback: Any = None) -> dict[str, str]:
    """An item's titles: what the assigner gave (``titles`` per language, ``title`` for
    a language ``titles`` leaves out) replaces the library's or goal's (``fallback``)
    in both languages; a language given in neither reads as the other one."""
    given = dict(item.titles or {})
    if item.title:
        for lang in LANGS:
            given[lang] = given.get(lang) or item.title
    if any((v or "").strip() for v in given.values()):
        return both(given)
    return both(fallback)


def own_titles(title: str | None, titles: Mapping[str, str | None] | None) -> dict[str, str]:
    """A goal's or task's titles: ``titles`` per language, ``title`` for a language it
    leaves out (so ``title`` alone stands for both languages), each stripped."""
    given = dict(titles or {})
    return {lang: (given.get(lang) or title or "").strip() for lang in LANGS}


def titles_errors(titles: object, path: tuple[str, ...]) -> list[UserError]:
    """Problems of ``titles`` given at ``path``: an object of the product languages,
    each one given a non-empty text of at most ``TITLE_LENGTH`` characters."""
    if not isinstance(titles, Mapping):
        return [
            UserError(
                ErrorCode.INVALID,
                "titles is an object of zh-CN and en titles",
                path,
                message_zh="标题须是包含中文（zh-CN）和英文（en）标题的对象",
            )
        ]
    errors = [
        UserError(ErrorCode.INVALID, f"no language {lang!r}: titles are zh-CN or en",
                  (*path, lang), message_zh=f"不支持的语言 {lang!r}：标题只能是 zh-CN 或 en")
        for lang in sorted(str(k) for k in titles if k not in LANG_FIELDS)
    ]  # fmt: skip
    for lang, name in LANG_FIELDS.items():
        text = titles.get(lang)
        if text is None:
            continue
        if not isinstance(text, str) or not text.strip():
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    f"the {lang} title is empty",
                    (*path, name),
                    message_zh=f"{lang} 标题不能为空",
                )
            )
        elif len(text.strip()) > TITLE_LENGTH:
            message = f"the {lang} title is longer than {TITLE_LENGTH} characters"
            zh = f"{lang} 标题不能超过 {TITLE_LENGTH} 个字符"
            errors.append(UserError(ErrorCode.INVALID, message, (*path, name), message_zh=zh))
    return errors


async def resolve_items(
    session: AsyncSession, caller: Caller, cycle: Cycle, items: Sequence[ItemInput]
) -> list[dict[str, Any]]:
    """Item inputs -> column values, with library indicators and goals looked up."""
    libraries = await template_bodies(
        session, caller.tenant_id, [i.library for i in items if i.library], "kpi-library"
    )
    goal_ids = {i.goal_id for i in items if i.goal_id is not None}
    goals = {
        g.id: g
        for g in (
            await session.execute(
                keep_rows(  # linked items refer to them: a goal deleted meanwhile waits
                    select(Goal)
                    .where(
                        Goal.id.in_(goal_ids),
                        Goal.tenant_id == caller.tenant_id,
                        Goal.cycle_id == cycle.id,
                    )
                    .order_by(Goal.id),
                    Goal,
                )
            )
        ).scalars()
    }
    errors: list[UserError] = []
    out: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        path = ("items", str(n))
        values: dict[str, Any] = {
            "library_ref": None,
            "indicator_key": item.indicator,
            "goal_id": item.goal_id,
            "unit": item.unit,
            "direction": item.direction,
            "aggregation": None,
            "source": {"type": "manual"},
            "title": titles_of(item),
            "target": item.target,
            "relative": item.relative,
        }
        if item.relative is not None and item.target is not None:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    "give a target or a relative target, not both",
                    (*path, "relative"),
                    message_zh="目标值与相对目标只能填写其一",
                )
            )
        if item.library is not None:
            library = libraries.get(item.library)
            indicator = indicators_of(library).get(item.indicator or "") if library else None
            if indicator is None:
                errors.append(
                    UserError(
                        ErrorCode.INVALID,
                        f"no indicator {item.indicator!r} in KPI library {item.library}",
                        (*path, "indicator"),
                        message_zh=f"KPI 指标库 {item.library} 中没有指标 {item.indicator!r}",
                    )
                )
                continue
            values.update(
                library_ref=item.library,
                unit=item.unit or indicator.get("unit"),
                direction=item.direction or indicator.get("direction"),
                aggregation=indicator.get("aggregation"),
                source=dict(indicator.get("source") or {"type": "manual"}),
                title=titles_of(item, indicator.get("name")),
                target=item.target if item.target is not None else indicator.get("defaultTarget"),
            )
            if item.target is None and item.relative is None:  # the library's suggestion
                suggested = relative_of(indicator.get("defaultRelativeTarget"))
                if suggested is not None:
                    values.update(relative=suggested, target=None)
        if item.goal_id is not None:
            goal = goals.get(item.goal_id)
            if goal is None:
                errors.append(
                    UserError(
                        ErrorCode.NOT_FOUND,
                        "goal not found",
                        (*path, "goal"),
                        message_zh="未找到该目标，或无权查看",
                    )
                )
                continue
            values["title"] = titles_of(item, goal.titles or goal.title)
            values["indicator_key"] = values["indicator_key"] or goal.indicator_key
            values["unit"] = values["unit"] or goal.unit
            values["direction"] = values["direction"] or goal.direction
            if values["target"] is None and values["relative"] is None:
                values["target"] = goal.target
            if goal.library_ref and values["library_ref"] is None:
                values["library_ref"] = goal.library_ref
        values["direction"] = values["direction"] or "higher"
        if values["direction"] not in DIRECTIONS:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    f"direction must be one of {', '.join(DIRECTIONS)}",
                    (*path, "direction"),
                    message_zh=f"方向须是以下之一：{', '.join(DIRECTIONS)}",
                )
            )
        # ``title`` keeps the zh-CN one (what it always held), ``titles`` both
        values["titles"] = values["title"]
        values["title"] = values["titles"]["zh-CN"]
        for lang, text in values["titles"].items():
            if len(text) > TITLE_LENGTH:
                errors.append(
                    UserError(
                        ErrorCode.INVALID,
                        f"the {lang} title is longer than {TITLE_LENGTH} characters",
                        (*path, "titles", "zhCN" if lang == "zh-CN" else "en"),
                        message_zh=f"{lang} 标题不能超过 {TITLE_LENGTH} 个字符",
                    )
                )
        if not values["title"]:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    "an item needs a title or an indicator",
                    path,
                    message_zh="指标项需要填写标题或选择指标",
                )
            )
        values["key"] = item.key or values["indicator_key"] or f"item-{n + 1}"
        values["weight"] = float(item.weight)
        values["thresholds"] = dict(item.thresholds) if item.thresholds is not None else None
        errors.extend(_threshold_errors(values["thresholds"], path))
        values["tasks"] = []
        for t, task in enumerate(item.tasks):
            if task.titles is not None:
                errors.extend(titles_errors(task.titles, (*path, "tasks", str(t), "titles")))
            # ``title`` keeps the zh-CN one, as an item's does
            titles = own_titles(task.title, task.titles)
            values["tasks"].append(replace(task, title=titles["zh-CN"], titles=titles))
            if task.status not in TASK_STATUSES:
                errors.append(
                    UserError(
                        ErrorCode.INVALID,
                        f"task status must be one of {', '.join(TASK_STATUSES)}",
                        (*path, "tasks", str(t), "status"),
                        message_zh=f"任务状态须是以下之一：{', '.join(TASK_STATUSES)}",
                    )
                )
        out.append(values)
    seen: set[str] = set()
    for values in out:
        if values["key"] in seen:
            errors.append(
                UserError(
                    ErrorCode.INVALID,
                    f"item key {values['key']!r} is used twice",
                    ("items",),
                    message_zh=f"指标项标识 {values['key']!r} 重复使用",
                )
            )
        seen.add(values["key"])
    if errors:
        raise ServiceError(errors)
    return out


def _threshold_errors(given: Mapping[str, Any] | None, path: tuple[str, ...]) -> list[UserError]:
    errors = []
    for name, value in (given or {}).items():
        if name not in SCORE_SETTINGS:
            message = f"thresholds are {', '.join(SCORE_SETTINGS)}; not {name!r}"
            zh = f"阈值只能是 {', '.join(SCORE_SETTINGS)}，不能是 {name!r}"
        elif isinstance(value, bool) or not isinstance(value, int | float):
            message, zh = f"{name} must be a number", f"{name} 须是数字"
        else:
            continue
        where = (*path, "thresholds", name)
        errors.append(UserError(ErrorCode.INVALID, message, where, message_zh=zh))
    return errors


def _plain(weight: float) -> float | int:
    """60.0 -> 60, so messages read "a 60 + b 30 = 90"."""
    return int(weight) if float(weight).is_integer() else weight


def weight_errors(
    scheme: ScoringScheme, items: Sequence[Mapping[str, Any]], whose: str = ""
) -> list[UserError]:
    """The scheme's weight rules broken by ``items``, each naming the items."""
    weights = [{"key": i["key"], "weight": _plain(i["weight"])} for i in items]
    problems = scheme.check_weights(weights)
    return [
        UserError(
            ErrorCode.INVALID,
            p.message + whose,
            ("items", *p.items),
            detail=f"weights.{p.code}",
            message_zh=p.message_zh + whose if p.message_zh else None,
        )
        for p in problems
    ]


async def check_rules(
    session: AsyncSession,
    caller: Caller,
    rules: Mapping[int, PlanRules],
    items: Sequence[Mapping[str, Any]],
    people: Mapping[int, int] | None = None,
) -> None:
    """Check the weights under every set of rules that applies to the employees; when an
    org unit's own install decides, the message says whose parameters were broken.
    ``rules`` is by employee id, or by any key with ``people`` saying how many employees
    each key stands for (the rules of org units, checked before a job assigns them)."""
    groups: dict[int | None, tuple[PlanRules, list[int]]] = {}
    for employee, r in rules.items():
        groups.setdefault(r.install_id, (r, []))[1].append(employee)
    units = {r.org_unit_id for r, _ in groups.values() if r.org_unit_id is not None}
    names: dict[int, str] = {}
    for chunk in chunked(sorted(units)):
        found = await session.execute(
            select(OrgUnit.id, OrgUnit.name).where(
                OrgUnit.id.in_(chunk), OrgUnit.tenant_id == caller.tenant_id
            )
        )
        for unit_id, name in found:
            names[unit_id] = name
    errors: list[UserError] = []
    for r, keys in groups.values():
        whose = ""
        if r.org_unit_id is not None:
            count = len(keys) if people is None else sum(people.get(k, 0) for k in keys)
            whose = (
                f" — under the parameters installed for {names.get(r.org_unit_id, r.org_unit_id)}"
                f" ({count} employee(s))"
            )
        errors.extend(weight_errors(r.scheme, items, whose))
    if errors:
        raise ServiceError(errors)


def _settings(scheme: ScoringScheme, given: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An item's score settings: the scheme's (as the app install sets them), then the item's."""
    found = {k: scheme.parameters.get(k) for k in SCORE_SETTINGS}
    merged = {
        k: float(v)
        for k, v in found.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    merged.update(given or {})
    return merged or None


def snapshot(card: Scorecard) -> dict[str, Any]:
    return {
        "status": card.status,
        "revision": card.revision,
        "employeeSigned": card.employee_signed_at is not None,
        "managerSigned": card.manager_signed_at is not None,
    }


def revision_error(
    card: Scorecard, expected: int | None, path: tuple[str, ...] = ("expectedRevision",)
) -> UserError | None:
    """The optimistic check: None while the plan is still at the revision the client
    saw, else the CONFLICT to answer."""
    if expected is None or card.revision == expected:
        return None
    return UserError(
        ErrorCode.CONFLICT,
        f"the plan changed since you read it (revision {expected}, now {card.revision});"
        " read it again and retry",
        path,
        detail="revision",
        message_zh=f"计划在你读取后已被修改（你读取的版本 {expected}，"
        f"当前版本 {card.revision}），请重新加载后重试",
    )


def check_revision(card: Scorecard, expected: int | None) -> None:
    """:func:`revision_error`, raised."""
    error = revision_error(card, expected)
    if error is not None:
        raise ServiceError([error])


def reopen(session: AsyncSession, caller: Caller, card: Scorecard, reason: str | None) -> None:
    """A change to a plan bumps its revision; a plan with any signature loses them, and a
    signed plan needs a reason (not just spaces) to change at all."""
    if card.status == "signed" and not (reason and reason.strip()):
        raise ServiceError.one(
            ErrorCode.CONFLICT,
            "the plan is signed and locked; give a reason to change it (signing starts again)",
            ("reason",),
            zh="计划已签署并锁定；修改需填写原因（修改后须重新签署）",
        )
    before = snapshot(card)
    card.revision += 1
    if card.status == "draft":
        return
    card.employee_signed_at = card.manager_signed_at = None
    card.employee_signed_by_id = card.manager_signed_by_id = None
    card.status = "draft"
    audit.record(
        session, caller, "scorecard.reopen", "scorecard", card.id,
        before=before, after=snapshot(card), note=reason,
    )  # fmt: skip


@dataclass(frozen=True)
class PlanEdit:
    """One plan whose items are being replaced, under its rules and target overrides."""

    card: Scorecard
    scheme: ScoringScheme
    overrides: Mapping[str, float] | None = None
    #: relative targets resolved for this person: item key -> (target, its base)
    relative: Mapping[str, tuple[float, Mapping[str, Any]]] | None = None

    def target(self, values: Mapping[str, Any]) -> tuple[float | None, str]:
        """The item's target for this plan and its base (JSON text): an override, else
        the resolved relative target, else the target sent."""
        key = values["key"]
        if self.overrides and key in self.overrides:
            return self.overrides[key], "null"
        if self.relative and key in self.relative:
            target, base = self.relative[key]
            return target, json.dumps(base)
        return values["target"], "null"


_NOT_COLUMNS = {"tasks", "target", "thresholds", "relative"}


async def replace_items(
    session: AsyncSession,
    caller: Caller,
    edits: Sequence[PlanEdit],
    items: Sequence[Mapping[str, Any]],
) -> dict[int, list[str]]:
    """Make each plan's items ``items``, by key: an item whose key remains is updated in
    place and keeps its actuals, check-ins and tasks (a task sent again under the same
    title keeps its status); an item whose key is gone is removed, with what it carried
    written to the audit trail first. Returns the removed keys per plan id.

    Set-based: the items are checked once (text lengths, as assigning them would), then
    written with one statement per kind of change and chunk — inserts, updates by id,
    task changes — on either database, so a department's assignment is a handful of
    statements, not one object (and one statement) per item."""
    for values in items:
        check_lengths(ScorecardItem, {k: v for k, v in values.items() if k not in _NOT_COLUMNS})
        for text in (values.get("titles") or {}).values():  # each as long as ``title`` may be
            check_lengths(ScorecardItem, {"title": text})
        for task in values["tasks"]:
            check_lengths(ActionTask, {"title": task.title})
    card_ids = [e.card.id for e in edits]
    existing: dict[int, dict[str, int]] = {i: {} for i in card_ids}  # plan -> key -> item id
    for chunk in chunked(card_ids):
        found = await session.execute(
            select(ScorecardItem.id, ScorecardItem.scorecard_id, ScorecardItem.key)
            .where(ScorecardItem.scorecard_id.in_(chunk))
            .order_by(ScorecardItem.id)
        )
        for item_id, card_id, key in found.all():
            existing[card_id][key] = item_id
    keys = {values["key"] for values in items}
    removed: dict[int, list[str]] = {i: [] for i in card_ids}
    gone_ids = sorted(i for e in edits for k, i in existing[e.card.id].items() if k not in keys)
    if gone_ids:
        await _remove(session, caller, gone_ids, removed)
    updates: list[dict[str, Any]] = []
    kept: list[tuple[int, Mapping[str, Any]]] = []
    inserts: list[dict[str, Any]] = []
    # what every plan's item shares, and its score settings per scheme, worked out once
    # (the JSON columns as text: store.core.insert_many and update_many bind it as it is)
    shared = [
        {
            **{k: v for k, v in values.items() if k not in _NOT_COLUMNS | {"source", "titles"}},
            "position": n,
            "source": json.dumps(values["source"]),
            "titles": json.dumps(values.get("titles") or both(values["title"])),
        }
        for n, values in enumerate(items)
    ]
    settings: dict[tuple[int, int], str] = {}
    for edit in edits:
        for n, values in enumerate(items):
            at = (id(edit.scheme), n)
            if at not in settings:
                settings[at] = json.dumps(_settings(edit.scheme, values["thresholds"]))
            target, base = edit.target(values)
            columns = {
                **shared[n],
                "target": target,
                "target_base": base,
                "thresholds": settings[at],
            }
            same_key = existing[edit.card.id].get(values["key"])
            if same_key is None:
                columns.update(tenant_id=caller.tenant_id, scorecard_id=edit.card.id)
                inserts.append(columns)
            else:
                updates.append({"id": same_key, **columns})
                kept.append((same_key, values))
    json_columns = ("source", "thresholds", "target_base", "titles")  # encoded once above
    await update_many(session, ScorecardItem, updates, encoded=json_columns)
    # new items (none of them there: their plans are locked), without RETURNING, which
    # SQLite would run a row at a time
    await insert_many(session, ScorecardItem, inserts, encoded=json_columns)
    written = list(kept)
    if inserts and any(values["tasks"] for values in items):
        written.extend(await _inserted(session, sorted({c["scorecard_id"] for c in inserts}),
                                       {i for i, _ in kept}, items))  # fmt: skip
    await _write_tasks(session, caller, [i for i, _ in kept], written)
    return removed


async def _inserted(
    session: AsyncSession,
    card_ids: Sequence[int],
    kept: set[int],
    items: Sequence[Mapping[str, Any]],
) -> list[tuple[int, Mapping[str, Any]]]:
    """The items just inserted into the plans ``card_ids`` (those not ``kept``), each
    with what was sent for it."""
    by_key = {values["key"]: values for values in items}
    out: list[tuple[int, Mapping[str, Any]]] = []
    for chunk in chunked(card_ids):
        found = await session.execute(
            select(ScorecardItem.id, ScorecardItem.key)
            .where(ScorecardItem.scorecard_id.in_(chunk))
            .order_by(ScorecardItem.id)
        )
        out.extend((i, by_key[key]) for i, key in found.all() if i not in kept)
    return out


async def _remove(
    session: AsyncSession, caller: Caller, ids: Sequence[int], removed: dict[int, list[str]]
) -> None:
    """Remove the items ``ids`` (sorted), their history written to the audit trail first;
    their keys go to ``removed`` by plan. Deleted in id order, as ``keep_rows`` holds
    rows, so a holder and this delete cannot deadlock."""
    gone: list[ScorecardItem] = []
    for chunk in chunked(ids):
        found = await session.execute(
            select(ScorecardItem).where(ScorecardItem.id.in_(chunk)).order_by(ScorecardItem.id)
        )
        gone.extend(found.scalars())
    await _record_removed(session, caller, gone)
    for row in gone:
        await session.delete(row)
        removed[row.scorecard_id].append(row.key)
    await session.flush()


async def _write_tasks(
    session: AsyncSession,
    caller: Caller,
    kept_ids: Sequence[int],
    written: Sequence[tuple[int, Mapping[str, Any]]],
) -> None:
    """Each written item's tasks as sent, by title: a task sent again keeps its row and
    status (its owner and due date follow what was sent), one no longer sent is deleted,
    a new one is inserted."""
    mine: dict[int, dict[str, int]] = {}  # item id -> title -> task id (the first one)
    for chunk in chunked(kept_ids):
        found = await session.execute(
            select(ActionTask.id, ActionTask.item_id, ActionTask.title)
            .where(ActionTask.item_id.in_(chunk))
            .order_by(ActionTask.id)
        )
        for task_id, item_id, title in found.all():
            mine.setdefault(item_id, {}).setdefault(title, task_id)
    dropped: list[int] = []
    changed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for item_id, values in written:
        had = mine.get(item_id, {})
        sent = {task.title for task in values["tasks"]}
        dropped.extend(task_id for title, task_id in had.items() if title not in sent)
        for task in values["tasks"]:
            same = had.get(task.title)
            # JSON text, as ``insert_many`` and ``update_many`` bind it (``encoded``)
            titles = json.dumps(own_titles(task.title, task.titles))
            if same is None:
                added.append(
                    {
                        "tenant_id": caller.tenant_id,
                        "item_id": item_id,
                        "title": task.title,
                        "titles": titles,
                        "owner_id": task.owner_id,
                        "due_on": task.due_on,
                        "status": task.status,
                    }
                )
            else:
                changed.append(
                    {"id": same, "titles": titles, "owner_id": task.owner_id, "due_on": task.due_on}
                )
    tasks = table_of(ActionTask)
    for ids in chunked(sorted(dropped)):
        await session.execute(delete(tasks).where(tasks.c.id.in_(ids)))
    await update_many(session, ActionTask, changed, encoded=("titles",))
    await insert_many(session, ActionTask, added, encoded=("titles",))


async def _record_removed(
    session: AsyncSession, caller: Caller, gone: Sequence[ScorecardItem]
) -> None:
    """What removed items carried (actuals, check-ins, tasks), kept in the audit trail."""
    ids = [row.id for row in gone]
    actuals: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    checkins: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    tasks: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in chunked(ids):
        await _carried(session, chunk, actuals, checkins, tasks)
    for row in gone:
        audit.record(
            session, caller, "scorecard.item.remove", "scorecard", row.scorecard_id,
            before={
                "key": row.key, "title": row.title, "target": row.target, "weight": row.weight,
                "actuals": actuals[row.id], "checkins": checkins[row.id], "tasks": tasks[row.id],
            },
        )  # fmt: skip


async def _carried(
    session: AsyncSession,
    ids: Sequence[int],
    actuals: dict[int, list[dict[str, Any]]],
    checkins: dict[int, list[dict[str, Any]]],
    tasks: dict[int, list[dict[str, Any]]],
) -> None:
    """The actuals, check-ins and tasks of the items ``ids`` (one chunk), by item."""
    for a in (await session.execute(select(Actual).where(Actual.item_id.in_(ids)))).scalars():
        actuals[a.item_id].append(
            {
                "periodStart": a.period_start.isoformat(),
                "periodEnd": a.period_end.isoformat(),
                "value": a.value,
                "source": a.source,
                "note": a.note,
            }
        )
    for c in (await session.execute(select(Checkin).where(Checkin.item_id.in_(ids)))).scalars():
        assert c.item_id is not None
        checkins[c.item_id].append(
            {
                "at": c.at.isoformat(),
                "progress": c.progress,
                "confidence": c.confidence,
                "note": c.note,
                "author": c.author_id,
            }
        )
    found = await session.execute(select(ActionTask).where(ActionTask.item_id.in_(ids)))
    for t in found.scalars():
        tasks[t.item_id].append({"title": t.title, "status": t.status})


def describe(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "key": i["key"], "target": i["target"], "weight": i["weight"],
            **({"relative": i["relative"].as_json()} if i.get("relative") else {}),
        }
        for i in items
    ]  # fmt: skip


async def cards_for(
    session: AsyncSession, caller: Caller, cycle: Cycle, rules: Mapping[int, PlanRules]
) -> dict[int, Scorecard]:
    """The plans of these employees for the cycle, created when missing (two first
    writers create one plan) and locked until commit, so that a read-check-write of a
    plan (items, signatures, revision) never interleaves with another."""
    employee_ids = sorted(rules)
    await insert_or_ignore(
        session,
        Scorecard,
        [
            {
                "tenant_id": caller.tenant_id,
                "cycle_id": cycle.id,
                "employee_id": e,
                "scoring_ref": rules[e].ref,
                "status": "draft",
                "revision": 0,  # the first change makes it 1
            }
            for e in employee_ids
        ],
        key=("cycle_id", "employee_id"),
    )
    # locked in plan id order across chunks, so two lockers of overlapping sets cannot
    # deadlock: the ids first, then the plans chunk by chunk
    card_ids: list[int] = []
    for chunk in chunked(employee_ids):
        found = await session.execute(
            select(Scorecard.id).where(
                Scorecard.cycle_id == cycle.id, Scorecard.employee_id.in_(chunk)
            )
        )
        card_ids.extend(found.scalars())
    cards: dict[int, Scorecard] = {}
    for chunk in chunked(sorted(card_ids)):
        for c in await lock_rows(session, Scorecard, Scorecard.id.in_(chunk)):
            cards[c.employee_id] = c
    for e, card in cards.items():  # the plan follows the rules it was last set under
        card.scoring_ref = rules[e].ref
    return cards
