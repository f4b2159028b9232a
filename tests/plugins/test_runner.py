"""Fault containment: whatever a metric's compute does, run_metric gives each subject a
value, None or an error message, and never raises for the metric's fault."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from perfloop.plugins import (
    Dataset,
    Metric,
    MetricContext,
    MetricError,
    Outcome,
    Period,
    Reads,
    run_metric,
)

SUBJECTS = ("ann@example.com", "bob@example.com")
PERIOD = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
TINY = 0.2  # seconds: a limit the hanging metrics below overrun


def metric_of(compute: Any, *, timeout: float | None = None, key: str = "m") -> Metric:
    return Metric(
        key=key, title="M", unit="count", direction="higher", compute=compute, timeout=timeout
    )


def context(**changes: Any) -> MetricContext:
    return MetricContext(subjects=SUBJECTS, period=PERIOD, **changes)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Lets a metric that hangs in its thread return once the test is over."""
    event = threading.Event()
    yield event
    event.set()


async def run(compute: Any, **options: Any) -> dict[str, Outcome]:
    timeout = options.pop("timeout", None)
    return await run_metric(metric_of(compute, **options), context(), timeout=timeout)


def each(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(SUBJECTS, outcome)


async def test_values_none_and_metric_errors_per_subject() -> None:
    def compute(ctx: MetricContext) -> dict[str, Any]:
        return {"ann@example.com": 3, "bob@example.com": MetricError("no orders"), "eve": 1}

    assert await run(compute) == {
        "ann@example.com": Outcome(3.0),
        "bob@example.com": Outcome(error="no orders"),
    }
    assert await run(lambda ctx: dict.fromkeys(ctx.subjects)) == each(Outcome())


async def test_the_context_reaches_compute_in_its_thread() -> None:
    seen: list[Any] = []

    def compute(ctx: MetricContext) -> dict[str, float]:
        seen.append((ctx.subjects, ctx.period, threading.current_thread().name))
        return dict.fromkeys(ctx.subjects, 1.0)

    await run(compute, key="orders")
    assert seen == [(SUBJECTS, PERIOD, "metric-orders")]


async def test_a_metric_that_raises_fails_every_subject_with_the_reason() -> None:
    def compute(ctx: MetricContext) -> dict[str, float]:
        raise KeyError("amount")

    assert await run(compute) == each(Outcome(error="the metric 'm' failed: KeyError: 'amount'"))


async def test_a_metric_that_exits_is_contained_too() -> None:
    def compute(ctx: MetricContext) -> dict[str, float]:
        raise SystemExit(3)

    outcome = (await run(compute))["ann@example.com"]
    assert outcome.value is None
    assert outcome.error == "the metric 'm' failed: RuntimeError: SystemExit(3)"


async def test_a_usage_error_reaches_every_subject() -> None:
    def compute(ctx: MetricContext) -> dict[str, float]:
        ctx.records("orders")
        return {}

    datasets = {"orders": Dataset("orders", "owner", "day")}
    found = await run_metric(metric_of(compute), context(datasets=datasets))
    message = "the metric 'm' failed: PluginUsageError: the metric reads 'orders' without"
    assert all(str(o.error).startswith(message) for o in found.values())


async def test_a_metric_that_hangs_past_its_limit_times_out(release: threading.Event) -> None:
    started = time.monotonic()

    found = await run(lambda ctx: release.wait(), timeout=TINY)

    assert found == each(Outcome(error="the metric 'm' took longer than 0.2 s"))
    assert time.monotonic() - started < 5


async def test_a_metric_timeout_overrides_the_callers(release: threading.Event) -> None:
    chosen = metric_of(lambda ctx: release.wait(), timeout=TINY)

    found = await run_metric(chosen, context(), timeout=30)

    assert found == each(Outcome(error="the metric 'm' took longer than 0.2 s"))


async def test_a_timeout_error_raised_by_the_metric_is_a_failure_not_a_hang() -> None:
    def compute(ctx: MetricContext) -> dict[str, float]:
        raise TimeoutError("the CRM did not answer")

    found = await run(compute, timeout=30)
    assert found == each(
        Outcome(error="the metric 'm' failed: TimeoutError: the CRM did not answer")
    )


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ([1, 2], "the metric returned list, not a value per subject"),
        (None, "the metric returned NoneType, not a value per subject"),
        (3.0, "the metric returned float, not a value per subject"),
    ],
)
async def test_an_answer_that_is_not_a_mapping_fails_every_subject(answer: Any, error: str) -> None:
    assert await run(lambda ctx: answer) == each(Outcome(error=error))


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (float("nan"), "the metric returned nan, not a finite number"),
        (float("inf"), "the metric returned inf, not a finite number"),
        (True, "the metric returned bool, not a number"),
        ("12", "the metric returned str, not a number"),
        ([1], "the metric returned list, not a number"),
    ],
)
async def test_garbage_for_a_subject_is_an_error_for_that_subject(value: Any, error: str) -> None:
    found = await run(lambda ctx: {"ann@example.com": value, "bob@example.com": 2})

    assert found == {"ann@example.com": Outcome(error=error), "bob@example.com": Outcome(2.0)}


async def test_a_subject_left_out_is_an_error_for_that_subject() -> None:
    found = await run(lambda ctx: {"ann@example.com": 1})

    assert found["bob@example.com"] == Outcome(
        error="the metric 'm' returned no value for this subject"
    )


async def test_a_long_message_is_shortened_and_on_one_line() -> None:
    text = "line one\nline two " + "x" * 1000
    found = await run(lambda ctx: dict.fromkeys(ctx.subjects, MetricError(text)))

    message = str(found["ann@example.com"].error)
    assert len(message) == 500
    assert message.startswith("line one line two x")
    assert message.endswith("…")


async def test_an_async_metric_is_awaited() -> None:
    async def compute(ctx: MetricContext) -> dict[str, float]:
        await asyncio.sleep(0)
        return dict.fromkeys(ctx.subjects, 4.0)

    assert await run(compute) == each(Outcome(4.0))


async def test_an_async_metric_that_hangs_is_cancelled_at_the_limit() -> None:
    cancelled = asyncio.Event()

    async def compute(ctx: MetricContext) -> dict[str, float]:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    found = await run(compute, timeout=TINY)

    assert found == each(Outcome(error="the metric 'm' took longer than 0.2 s"))
    assert cancelled.is_set()


async def test_an_async_metric_that_raises_is_contained() -> None:
    async def compute(ctx: MetricContext) -> dict[str, float]:
        raise ValueError("bad row")

    assert await run(compute) == each(Outcome(error="the metric 'm' failed: ValueError: bad row"))


async def test_a_plain_function_returning_an_awaitable_is_awaited() -> None:
    async def later(ctx: MetricContext) -> dict[str, float]:
        return dict.fromkeys(ctx.subjects, 5.0)

    class Compute:
        def __call__(self, ctx: MetricContext) -> Any:
            return later(ctx)

    assert await run(Compute()) == each(Outcome(5.0))


async def test_a_metric_entered_by_hand_is_not_computed() -> None:
    found = await run(None)

    assert found == each(Outcome(error="the metric 'm' is not computed (entered by hand)"))


async def test_a_hung_thread_does_not_hold_up_the_next_computation(
    release: threading.Event,
) -> None:
    await run(lambda ctx: release.wait(), timeout=TINY)

    assert await run(lambda ctx: dict.fromkeys(ctx.subjects, 1)) == each(Outcome(1.0))


def _reads_records(ctx: MetricContext) -> dict[str, float]:
    groups = ctx.by_subject("orders")
    return {s: float(sum(r["amount"] for r in rows)) for s, rows in groups.items()}


async def test_a_batch_reads_each_subject_s_records() -> None:
    records = [
        {"owner": "ann@example.com", "day": "2026-04-02", "amount": 5},
        {"owner": "bob@example.com", "day": "2026-04-03", "amount": 7},
        {"owner": "bob@example.com", "day": "2026-03-03", "amount": 70},
    ]
    chosen = Metric(
        key="m",
        title="M",
        unit="CNY",
        direction="higher",
        compute=_reads_records,
        reads=(Reads("orders"),),
    )
    ctx = context(
        datasets={"orders": Dataset("orders", "owner", "day", records)}, reads=chosen.reads
    )

    assert await run_metric(chosen, ctx) == {
        "ann@example.com": Outcome(5.0),
        "bob@example.com": Outcome(7.0),
    }


async def test_an_async_metric_with_the_wrong_signature_is_contained() -> None:
    async def compute() -> dict[str, float]:
        return {}

    found = await run(compute)

    assert str(found["ann@example.com"].error).startswith("the metric 'm' failed: TypeError:")


class _Exploding(dict[str, Any]):
    def __contains__(self, key: object) -> bool:
        raise RuntimeError("no lookups today")


class _BadNumber(float):
    def __float__(self) -> float:
        raise ValueError("not today")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"ann@example.com": 10**400, "bob@example.com": 1}, "could not be read"),
        (_Exploding(), "could not be read: RuntimeError('no lookups today')"),
        ({"ann@example.com": _BadNumber(1), "bob@example.com": 1}, "could not be read"),
    ],
)
async def test_an_answer_that_raises_when_read_is_an_error_not_a_crash(
    answer: Any, error: str
) -> None:
    done = await run(lambda ctx: answer)
    assert error in (done["ann@example.com"].error or "")


@pytest.mark.parametrize("raised", [asyncio.CancelledError(), SystemExit(3), GeneratorExit()])
async def test_an_async_metric_raising_a_base_exception_is_contained(
    raised: BaseException,
) -> None:
    async def compute(ctx: MetricContext) -> dict[str, Any]:
        raise raised

    done = await run(compute)
    assert all("failed: RuntimeError" in (o.error or "") for o in done.values()), done


async def test_an_async_metric_that_swallows_its_cancellation_does_not_hold_the_caller() -> None:
    stop = asyncio.Event()

    async def compute(ctx: MetricContext) -> dict[str, Any]:
        while not stop.is_set():
            with contextlib.suppress(BaseException):  # the misbehaviour under test
                await asyncio.sleep(0.05)
        return {}

    started = time.monotonic()
    done = await run(compute, timeout=TINY)
    took = time.monotonic() - started
    stop.set()
    assert done == each(Outcome(error=f"the metric 'm' took longer than {TINY:g} s"))
    assert took < TINY + 1.0


async def test_a_plain_function_returning_an_awaitable_gets_one_limit_in_all() -> None:
    def compute(ctx: MetricContext) -> Any:
        time.sleep(TINY * 0.75)

        async def later() -> dict[str, Any]:
            await asyncio.sleep(TINY * 0.75)
            return dict.fromkeys(SUBJECTS, 1)

        return later()

    done = await run(compute, timeout=TINY)
    assert done == each(Outcome(error=f"the metric 'm' took longer than {TINY:g} s"))
