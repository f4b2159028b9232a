"""Running a metric with its faults contained: whatever ``compute`` does — raise, hang
past its time limit, return garbage — each subject ends with a number, None, or an
error message, and nothing else of the computation around it is disturbed.

A plain ``compute`` runs in a thread of its own so a hang can be left behind (Python
cannot stop a thread: it runs on until it returns, its answer ignored). An ``async``
``compute`` is cancelled at the limit; one that blocks the event loop cannot be, so
an ``async`` metric must not block (see docs/plugins.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from perfloop.plugins.context import MetricContext
from perfloop.plugins.sdk import Metric, MetricError

log = logging.getLogger(__name__)

#: seconds one computation may take when neither the metric nor the caller says
DEFAULT_TIMEOUT = 30.0
_LONGEST_MESSAGE = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    """One subject's result: a value, or why there is none (``error``)."""

    value: float | None = None
    error: str | None = None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST_MESSAGE else text[: _LONGEST_MESSAGE - 1] + "…"


def _checked(value: Any) -> Outcome:
    if isinstance(value, MetricError):
        return Outcome(error=_short(value.message))
    if value is None:
        return Outcome()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Outcome(error=f"the metric returned {type(value).__name__}, not a number")
    number = float(value)
    if not math.isfinite(number):
        return Outcome(error=f"the metric returned {number}, not a finite number")
    return Outcome(number)


def _subject_outcome(answer: Mapping[Any, Any], subject: str, missing: str) -> Outcome:
    try:
        return _checked(answer[subject]) if subject in answer else Outcome(error=missing)
    except Exception as exc:  # a mapping or a number of the plugin's own that raises
        return Outcome(error=_short(f"the metric's answer could not be read: {exc!r}"))


def outcomes(metric: Metric, context: MetricContext, answer: Any) -> dict[str, Outcome]:
    """Each subject's :class:`Outcome` from what ``compute`` returned."""
    if not isinstance(answer, Mapping):
        error = f"the metric returned {type(answer).__name__}, not a value per subject"
        return {s: Outcome(error=error) for s in context.subjects}
    missing = f"the metric {metric.key!r} returned no value for this subject"
    return {s: _subject_outcome(answer, s, missing) for s in context.subjects}


def _failed(context: MetricContext, message: str) -> dict[str, Outcome]:
    return {s: Outcome(error=_short(message)) for s in context.subjects}


class _Raised(Exception):
    """What ``compute`` raised, kept apart from the time limit's own TimeoutError (a
    metric's TimeoutError, a remote call's say, is a failure, not a hang)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _crashed(metric: Metric, context: MetricContext, exc: Exception) -> dict[str, Outcome]:
    log.warning("metric %s failed", metric.key, exc_info=exc)
    return _failed(context, f"the metric {metric.key!r} failed: {type(exc).__name__}: {exc}")


def _wrapped(exc: BaseException) -> _Raised:
    return _Raised(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))


async def _guarded(answer: Any) -> Any:
    try:
        return await answer
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit, a CancelledError of its own: a failure
        raise _wrapped(exc) from exc


#: seconds a cancelled computation gets to end before it is left behind
_GRACE = 0.05
#: async computations left behind at their time limit, referenced until they end
_ABANDONED: set[asyncio.Future[Any]] = set()


def _forget(task: asyncio.Future[Any]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: nobody waits for an abandoned computation


async def _awaited(answer: Any, limit: float) -> Any:
    """``answer`` awaited for at most ``limit`` seconds. At the limit it is cancelled
    and left behind, so a computation that swallows its cancellation cannot hold the
    refresh (``asyncio.wait_for`` would wait for it to end)."""
    task = asyncio.ensure_future(_guarded(answer))
    try:
        done, _ = await asyncio.wait({task}, timeout=limit)
    except asyncio.CancelledError:  # the caller is cancelled: so is the computation
        task.cancel()
        raise
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=_GRACE)  # one that stops when told has stopped
        _ABANDONED.add(task)
        task.add_done_callback(_forget)
        raise TimeoutError
    return task.result()


async def _in_thread(metric: Metric, context: MetricContext, limit: float) -> Any:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, result: Any) -> None:
        if not done.done():
            (done.set_result if ok else done.set_exception)(result)

    def work() -> None:
        assert metric.compute is not None
        try:
            result: Any = metric.compute(context)
            ok = True
        except BaseException as exc:  # reported to the waiting side, not raised here
            result, ok = _wrapped(exc), False
        # the loop may have closed while this hung: nobody waits any more
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, ok, result)

    threading.Thread(target=work, name=f"metric-{metric.key}", daemon=True).start()
    return await asyncio.wait_for(done, limit)


async def run_metric(
    metric: Metric,
    context: MetricContext,
    *,
    timeout: float | None = None,  # noqa: ASYNC109
) -> dict[str, Outcome]:
    """Compute ``metric`` for ``context.subjects``; never raises for the metric's faults.

    The limit is the metric's own ``timeout``, else ``timeout``, else
    :data:`DEFAULT_TIMEOUT` seconds (a refresh passes the metric's own only when it is
    shorter than the operator's setting: ``services.plans.metrics.capped``)."""
    if metric.compute is None:
        return _failed(context, f"the metric {metric.key!r} is not computed (entered by hand)")
    limit = metric.timeout or timeout or DEFAULT_TIMEOUT
    started = time.monotonic()
    try:
        if inspect.iscoroutinefunction(metric.compute):
            answer = await _awaited(metric.compute(context), limit)
        else:
            answer = await _in_thread(metric, context, limit)
            if inspect.isawaitable(answer):  # a plain function returning a coroutine
                left = max(limit - (time.monotonic() - started), 0.001)
                answer = await _awaited(answer, left)
        return outcomes(metric, context, answer)
    except TimeoutError:
        return _failed(context, f"the metric {metric.key!r} took longer than {limit:g} s")
    except _Raised as raised:
        return _crashed(metric, context, raised.error)
    except Exception as exc:  # calling an async compute with the wrong signature, say
        return _crashed(metric, context, exc)
