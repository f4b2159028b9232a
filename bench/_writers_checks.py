"""bench/concurrent_writers.py's checks: the database against every write the clients
made — acknowledged ones there once, refused ones absent, the plans', signatures' and
proposals' invariants kept, the audit trail one event per acknowledged write."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from _writers_scenario import OK, REFUSED, SET_SHAPES, UNKNOWN, Ledger, Scenario
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from perfloop.store import make_sessionmaker
from perfloop.store.core import AuditEvent
from perfloop.store.cycles import Cycle
from perfloop.store.datasets import DatasetBatch, DatasetRecord
from perfloop.store.goals import Goal, GoalProposal
from perfloop.store.plans import Actual, Checkin, Scorecard, ScorecardItem


@dataclass
class Check:
    name: str
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    violations: int = 0
    examples: list[str] = field(default_factory=list)

    def bad(self, what: str, message: str) -> None:
        setattr(self, what, getattr(self, what) + 1)
        if len(self.examples) < 5:
            self.examples.append(message)


def _allowed(writes: list[tuple[float, str]]) -> tuple[set[float], bool]:
    """The values the last write may have left, and whether any write was acknowledged."""
    values = {v for v, fate in writes if fate in (OK, UNKNOWN)}
    return values, any(fate == OK for _, fate in writes)


def _refused(*ledgers: list[tuple[float, str]]) -> set[float]:
    """The values of refused writes: each value is sent once, so finding one means a
    write answered as refused was applied."""
    return {v for writes in ledgers for v, fate in writes if fate == REFUSED}


@dataclass
class Before:
    audit_id: int
    revisions: dict[int, int]
    statuses: dict[int, str]
    targets: dict[int, float | None]


async def snapshot(engine: AsyncEngine, sc: Scenario) -> Before:
    async with make_sessionmaker(engine)() as s:
        audit_id = (await s.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one()
        cards = (await s.execute(select(Scorecard.id, Scorecard.revision, Scorecard.status))).all()
        targets = dict((await s.execute(select(Goal.id, Goal.target))).all())
    return Before(
        int(audit_id),
        {c: r for c, r, _ in cards},
        {c: st for c, _, st in cards},
        targets,
    )


async def verify(
    engine: AsyncEngine, sc: Scenario, ledger: Ledger, run_id: str, before: Before
) -> list[Check]:
    checks: list[Check] = []
    async with make_sessionmaker(engine)() as s:
        # check-ins: every acknowledged note once, no refused one
        c = Check("check-ins")
        found = Counter(
            (
                await s.execute(
                    select(Checkin.note).where(Checkin.note.startswith(f"bench:{run_id}:"))
                )
            ).scalars()
        )
        for note, fate in ledger.checkins.items():
            c.checked += 1
            n = found.get(note, 0)
            if fate == OK and n == 0:
                c.bad("lost", f"check-in {note} acknowledged, not stored")
            if n > 1:
                c.bad("duplicated", f"check-in {note} stored {n} times")
            if fate == REFUSED and n:
                c.bad("violations", f"check-in {note} refused, yet stored")
        checks.append(c)

        # ingest: every committed batch with its rows, once; refused ones absent
        c = Check("ingest batches")
        batches = {
            b.batch_key: b
            for b in (
                await s.execute(
                    select(DatasetBatch).where(
                        DatasetBatch.batch_key.startswith(f"bench-{run_id}-")
                    )
                )
            ).scalars()
        }
        rows = (
            await s.execute(
                select(DatasetRecord.record_key, DatasetRecord.batch_id).where(
                    DatasetRecord.record_key.startswith(f"BW-bench-{run_id}-")
                )
            )
        ).all()
        per_key = Counter(k for k, _ in rows)
        batch_of = dict(rows)
        for key, (fate, keys) in ledger.batches.items():
            c.checked += 1
            batch = batches.get(key)
            if fate == OK and batch is None:
                c.bad("lost", f"batch {key} acknowledged, not stored")
                continue
            if fate == REFUSED and batch is not None:
                c.bad("violations", f"batch {key} refused, yet stored")
            if batch is None:
                continue
            stored = [k for k in keys if per_key.get(k)]
            if len(stored) != len(keys) or batch.inserted != len(keys):
                c.bad("lost", f"batch {key}: {len(stored)} of {len(keys)} rows stored, "
                      f"the batch says {batch.inserted}")  # fmt: skip
            if any(batch_of.get(k) != batch.id for k in stored):
                c.bad("violations", f"batch {key}: rows filed under another batch")
        for k, n in per_key.items():
            if n > 1:
                c.bad("duplicated", f"record {k} stored {n} times")
        checks.append(c)

        # actuals: one row per item and period, holding an acknowledged value
        c = Check("actuals (manual, overrides)")
        period = (
            await s.execute(select(Cycle.starts_on, Cycle.ends_on).where(Cycle.id == sc.cycle_id))
        ).one()
        touched = set(ledger.actuals) | set(ledger.overrides)
        stored_actuals: dict[int, list[tuple[float | None, str]]] = defaultdict(list)
        for item, value, source in (
            await s.execute(
                select(Actual.item_id, Actual.value, Actual.source).where(
                    Actual.item_id.in_(touched),
                    Actual.period_start == period.starts_on,
                    Actual.period_end == period.ends_on,
                )
            )
        ).all():
            stored_actuals[item].append((value, source))
        live_items = set(
            (
                await s.execute(select(ScorecardItem.id).where(ScorecardItem.id.in_(touched)))
            ).scalars()
        )
        for item in touched:
            if item not in live_items:  # removed by a contested edit (its history is audited)
                continue
            c.checked += 1
            held = stored_actuals.get(item, [])
            if len(held) > 1:
                c.bad("duplicated", f"item {item}: {len(held)} actuals for one period")
            manual, acked_manual = _allowed(ledger.actuals.get(item, []))
            over, acked_over = _allowed(ledger.overrides.get(item, []))
            if not held:
                if acked_manual or acked_over:
                    c.bad("lost", f"item {item}: acknowledged actual missing")
                continue
            value, source = held[0]
            if value in _refused(ledger.actuals.get(item, []), ledger.overrides.get(item, [])):
                c.bad("violations", f"item {item}: holds {value}, a refused write")
            if acked_over:  # a refresh never replaces an override
                if source != "override" or value not in over:
                    c.bad("lost", f"item {item}: override {sorted(over)} now {value} ({source})")
            elif acked_manual and (source != "manual" or value not in manual):
                c.bad("lost", f"item {item}: manual {value} ({source}) not acknowledged")
        checks.append(c)

        # goal targets: an acknowledged one, or as it was
        c = Check("goal targets")
        targets = dict(
            (
                await s.execute(select(Goal.id, Goal.target).where(Goal.cycle_id == sc.cycle_id))
            ).all()
        )
        for goal, writes in ledger.targets.items():
            c.checked += 1
            values, acked = _allowed(writes)
            if acked and targets.get(goal) not in values:
                c.bad("lost", f"goal {goal}: target {targets.get(goal)} not acknowledged")
            if not acked and targets.get(goal) not in values | {before.targets.get(goal)}:
                c.bad("violations", f"goal {goal}: target {targets.get(goal)} never sent")
            if targets.get(goal) in _refused(writes):
                c.bad("violations", f"goal {goal}: target {targets.get(goal)} was refused")
        for own in (sc.lead_goal, sc.head_unit_goal):  # refused to their owners
            if own is not None:
                c.checked += 1
                if targets.get(own) != before.targets.get(own):
                    c.bad("violations", f"goal {own} changed by its own owner")
        checks.append(c)

        # proposals: one per goal and owner, with an acknowledged amount
        c = Check("proposals")
        proposals = (
            await s.execute(
                select(GoalProposal.goal_id, GoalProposal.owner_key, GoalProposal.amount).where(
                    GoalProposal.goal_id.in_({g for g, _ in ledger.proposals})
                )
            )
        ).all()
        per_owner: dict[tuple[int, str], list[float]] = defaultdict(list)
        for goal, key, amount in proposals:
            per_owner[(goal, key)].append(amount)
        for (goal, employee), writes in ledger.proposals.items():
            c.checked += 1
            held_amounts = per_owner.get((goal, f"employee:{employee}"), [])
            values, acked = _allowed(writes)
            if len(held_amounts) > 1:
                c.bad("duplicated", f"goal {goal}, employee {employee}: {len(held_amounts)} rows")
            if acked and not held_amounts:
                c.bad("lost", f"goal {goal}, employee {employee}: proposal missing")
            elif acked and held_amounts[0] not in values:
                c.bad("lost", f"goal {goal}, employee {employee}: {held_amounts[0]} not acked")
            if set(held_amounts) & _refused(writes):
                c.bad("violations", f"goal {goal}, employee {employee}: a refused amount")
        checks.append(c)

        # contested plans: one whole item set, a revision per accepted edit, signatures
        # that match the status and the revision their signer read
        c = Check("contested plans")
        cards = {
            card.id: card
            for card in (
                await s.execute(
                    select(Scorecard).where(Scorecard.id.in_([p.card_id for p in sc.contested]))
                )
            ).scalars()
        }
        items = (
            await s.execute(
                select(
                    ScorecardItem.scorecard_id,
                    ScorecardItem.key,
                    ScorecardItem.title,
                    ScorecardItem.weight,
                    ScorecardItem.target,
                ).where(ScorecardItem.scorecard_id.in_(cards))
            )
        ).all()
        shapes: dict[int, list[tuple[str, str, float, float]]] = defaultdict(list)
        for card_id, key, title, weight, target in items:
            shapes[card_id].append((key, title, float(weight), float(target or 0)))
        revisions_audited: dict[str, list[int]] = defaultdict(list)
        for object_id, after in (
            await s.execute(
                select(AuditEvent.object_id, AuditEvent.after)
                .where(AuditEvent.id > before.audit_id, AuditEvent.action == "scorecard.items.set")
                .order_by(AuditEvent.id)
            )
        ).all():
            revisions_audited[object_id].append(int((after or {}).get("revision", -1)))
        for plan in sc.contested:
            c.checked += 1
            card = cards[plan.card_id]
            edits = ledger.edits.get(plan.card_id, [])
            edited, unknown = edits.count(OK), edits.count(UNKNOWN)
            start = before.revisions[plan.card_id]
            if edited and sorted(shapes[plan.card_id]) not in SET_SHAPES:
                c.bad("violations", f"plan {plan.card_id}: items are no one set")
            if edited and sum(w for _, _, w, _ in shapes[plan.card_id]) != 100:
                c.bad("violations", f"plan {plan.card_id}: weights do not sum to 100")
            if not start + edited <= card.revision <= start + edited + unknown:
                c.bad(
                    "lost" if card.revision < start + edited else "violations",
                    f"plan {plan.card_id}: revision {card.revision}, {edited} edits since {start}",
                )
            at = sorted(revisions_audited.get(str(plan.card_id), []))
            if at != list(range(start + 1, card.revision + 1)):
                c.bad("violations", f"plan {plan.card_id}: edits audited at revisions {at}")
            by_employee, by_manager = card.employee_signed_at, card.manager_signed_at
            expected = (
                "signed"
                if by_employee and by_manager
                else "signing"
                if by_employee or by_manager
                else "draft"
            )
            if card.status != expected:
                c.bad("violations", f"plan {plan.card_id}: {card.status} with signatures "
                      f"employee={bool(by_employee)} manager={bool(by_manager)}")  # fmt: skip
            for role, signed in (("employee", by_employee), ("manager", by_manager)):
                seen = {
                    rev
                    for r, rev, fate in ledger.signs.get(plan.card_id, [])
                    if r == role and fate in (OK, UNKNOWN)
                }
                if signed and card.revision not in seen and (edited or seen):
                    c.bad("violations", f"plan {plan.card_id}: {role} signature on revision "
                          f"{card.revision}, signed at {sorted(seen)}")  # fmt: skip
        # refused to their owner: the lead's own plan
        c.checked += 1
        lead_revision = (
            await s.execute(select(Scorecard.revision).where(Scorecard.id == sc.lead_card))
        ).scalar_one()
        if lead_revision != before.revisions[sc.lead_card]:
            c.bad("violations", "the lead changed their own plan")
        checks.append(c)

        # stable plans: actuals and check-ins neither reopen nor change them
        c = Check("other plans")
        for card_id, revision, status in (
            await s.execute(
                select(Scorecard.id, Scorecard.revision, Scorecard.status).where(
                    Scorecard.id.in_([p.card_id for p in sc.stable.values()])
                )
            )
        ).all():
            c.checked += 1
            if (revision, status) != (before.revisions[card_id], before.statuses[card_id]):
                c.bad("violations", f"plan {card_id}: {status} r{revision}, was "
                      f"{before.statuses[card_id]} r{before.revisions[card_id]}")  # fmt: skip
        checks.append(c)

        # the audit trail: one event per acknowledged write, none for a refused one
        c = Check("audit trail = acknowledged writes")
        audited = Counter(
            dict(
                (
                    await s.execute(
                        select(AuditEvent.action, func.count())
                        .where(AuditEvent.id > before.audit_id)
                        .group_by(AuditEvent.action)
                    )
                ).all()
            )
        )
        for action, fates in sorted(ledger.audited.items()):
            if action.startswith("forbidden"):
                continue
            c.checked += len(fates)
            n_ok, unknown = fates.count(OK), fates.count(UNKNOWN)
            n = audited.get(action, 0)
            if n < n_ok:
                c.bad("lost", f"{action}: {n_ok} acknowledged, {n} audited")
            if n > n_ok + unknown:
                c.bad("duplicated", f"{action}: {n_ok} acknowledged, {n} audited")
        for message in ledger.forbidden_accepted:
            c.bad("violations", f"accepted: {message}")
        checks.append(c)
    return checks
