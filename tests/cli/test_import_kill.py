"""``perfloop import dataset`` killed with ``kill -9`` leaves no process behind:
its workers (and multiprocessing's resource tracker) exit with it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfloop.cli import app
from perfloop.settings import get_settings

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)

runner = CliRunner()
PERFLOOP = Path(sys.executable).with_name("perfloop")
DEADLINE = 60.0  # seconds; a wait for a state, never a measurement


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERFLOOP_DATABASE_URL", url)
        get_settings.cache_clear()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    get_settings.cache_clear()
    return url


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in (…) may hold spaces
    return fields[0], int(fields[1])


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has exited; only its entry is left


def _is_worker(pid: int) -> bool:
    try:
        return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


HEADER = ["order_id", "owner_email", "customer_id", "order_date", "amount", "status", "deal_type"]


def _orders(path: Path, rows: int) -> Path:
    owner = "sales.head@demo.perfloop.dev"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(rows):
            out.writerow([f"K-{n:07d}", owner, f"C{n % 7}", "2026-10-15", n % 999, "paid", "new"])
    return path


def test_kill_9_during_an_import_leaves_no_worker_behind(database_url: str, tmp_path: Path) -> None:
    # given an import of a file big enough to take seconds, with a worker process
    big = _orders(tmp_path / "orders.csv", 200_000)
    env = {**os.environ, "PERFLOOP_DATABASE_URL": database_url}
    command = [str(PERFLOOP), "import", "dataset", "sales-orders", str(big)]
    command += ["--workers", "1", "--batch-size", "500"]
    importing = subprocess.Popen(  # noqa: S603 (the installed perfloop, fixed arguments)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + DEADLINE
        while not any(_is_worker(pid) for pid in children):
            assert importing.poll() is None, "the import ended before its worker was seen"
            assert time.monotonic() < deadline, "no worker process started"
            time.sleep(0.05)
            children = _descendants(importing.pid)
        # when the importing process is killed mid-import
        os.kill(importing.pid, signal.SIGKILL)
        importing.wait(timeout=DEADLINE)
        # then every process it started exits too
        deadline = time.monotonic() + DEADLINE
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        if importing.poll() is None:
            importing.kill()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
