"""Prepare a file's batches in worker processes while the caller stores them.

Validating and encoding a record is CPU work in Python; storing it is mostly
the database's work. One process doing both alternates between them, and a
thread cannot overlap them (the GIL). So with ``workers >= 1``, worker
processes read the file and prepare batches (worker ``w`` of ``W`` takes the
batch numbers ``n`` with ``n % W == w``) and hand them over through bounded
queues, while the calling process stores the previous batch. Batches still
arrive in file order, and at most ``_QUEUE_DEPTH`` batches per worker are in
flight, so memory stays flat whatever the file's size.

Workers never outlive the import. The caller terminates them when it stops
(a failure, an interrupted generator); and a worker watches its parent, so
when the importing process dies without a word (``kill -9``, out of memory)
its workers exit too instead of waiting forever on a full queue. A worker's
failure crosses back to the caller as an exception it re-raises, never as a
traceback printed by the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Container, Generator, Mapping, Set
from pathlib import Path
from typing import Any

from perfloop.ingest.files import FileProblem, Skipped, read_batches
from perfloop.ingest.prepare import PreparedBatch, RowFormat
from perfloop.ingest.spec import DatasetSpec, spec_for_body
from perfloop.tabular import TableError, detect_encoding

__all__ = ["auto_workers", "prepared_batches"]

_QUEUE_DEPTH = 3
_DONE = "done"
_FAILED = "failed"


def auto_workers(path: Path) -> int:
    """One worker for a file big enough to repay starting it (and a spare CPU)."""
    if (os.cpu_count() or 1) < 2:
        return 0
    try:
        return 1 if path.stat().st_size > 4 << 20 else 0
    except OSError:
        return 0


class _Mine:
    """Batch numbers another worker handles count as skipped here."""

    def __init__(self, worker: int, workers: int, skip: Container[int]) -> None:
        self.worker, self.workers, self.skip = worker, workers, skip

    def __contains__(self, number: object) -> bool:
        assert isinstance(number, int)
        return number % self.workers != self.worker or number in self.skip


def _exit_with_parent() -> None:
    """Exit this worker as soon as its parent is gone, however it went.

    A spawned process holds the read end of a pipe whose write end only its
    parent has (``multiprocessing.parent_process().sentinel``); the kernel
    closes it when the parent dies, even by SIGKILL, and the watching thread
    wakes up. Portable, unlike Linux's PR_SET_PDEATHSIG, and bound to the parent
    process rather than to the thread that started the worker."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="perfloop-parent-watch", daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it pickles (it is sent to the caller), else a RuntimeError saying it."""
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _produce(
    body: Mapping[str, Any],
    path: str,
    batch_size: int,
    skip: frozenset[int],
    encoding: str | None,
    sheet: str | int | None,
    format: RowFormat,
    worker: int,
    workers: int,
    queue: Any,
) -> None:
    _exit_with_parent()
    try:
        spec = spec_for_body(body)
        mine = _Mine(worker, workers, skip)
        batches = read_batches(
            spec,
            Path(path),
            batch_size,
            skip=mine,
            encoding=encoding,
            sheet=sheet,
            format=format,
        )
        for batch in batches:
            if batch.number % workers == worker:
                queue.put(batch)
        queue.put(_DONE)
    except BaseException as exc:
        queue.put((_FAILED, _portable(exc)))


def prepared_batches(
    spec: DatasetSpec,
    path: Path,
    batch_size: int,
    *,
    skip: Set[int] = frozenset(),
    encoding: str | None = None,
    sheet: str | int | None = None,
    format: RowFormat = "sqlite",
    workers: int = 0,
) -> Generator[PreparedBatch | Skipped, None, None]:
    """The file's batches in order (see :func:`read_batches`), prepared in
    ``workers`` processes (0: in this one)."""
    if workers <= 0:
        yield from read_batches(
            spec, path, batch_size, skip=skip, encoding=encoding, sheet=sheet, format=format
        )
        return
    if encoding is None and path.suffix.lower() == ".csv":
        # detected once here rather than in every worker
        try:
            encoding = detect_encoding(path)
        except TableError as exc:
            raise FileProblem(exc.message, exc.message_zh) from None
    context = multiprocessing.get_context("spawn")
    queues = [context.Queue(maxsize=_QUEUE_DEPTH) for _ in range(workers)]
    processes = [
        context.Process(
            target=_produce,
            args=(
                dict(spec.body),
                str(path),
                batch_size,
                frozenset(skip),
                encoding,
                sheet,
                format,
                w,
                workers,
                q,
            ),
            daemon=True,
        )
        for w, q in enumerate(queues)
    ]
    for process in processes:
        process.start()
    try:
        number = 0
        while True:
            item = queues[number % workers].get()
            if isinstance(item, str):
                return
            if isinstance(item, tuple) and item[:1] == (_FAILED,):
                raise item[1]
            yield item
            number += 1
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
        for queue in queues:
            queue.close()
            queue.cancel_join_thread()
