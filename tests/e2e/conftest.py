"""The console's browser tests: one real perfloop server per session (a fresh
SQLite file with the demo loaded, `perfloop serve` in a subprocess on a free
port) and one headless Chromium driven by Selenium (support/browser.py).

Without Chromium and chromedriver the tests are skipped with the reason; with
``PERFLOOP_E2E_REQUIRED=1`` (CI, .ci/run) they fail instead. With
``PERFLOOP_SCREENSHOTS=DIR`` they save PNG screenshots of the main pages there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from support.browser import Console, browser_missing, start_chromium

PERFLOOP = Path(sys.executable).with_name("perfloop")


@pytest.fixture(scope="session")
def chromium_ready() -> None:
    missing = browser_missing()
    if missing is None:
        return
    if os.environ.get("PERFLOOP_E2E_REQUIRED") == "1":
        pytest.fail(f"{missing}; PERFLOOP_E2E_REQUIRED=1 forbids skipping them")
    pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 (the installed perfloop, fixed arguments)
        [str(PERFLOOP), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"perfloop {' '.join(args)}: {done.stdout}{done.stderr}"


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"perfloop serve exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 (our server)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(
        f"perfloop serve did not answer /healthz in 60 s: {log.read_text(errors='replace')}"
    )


@pytest.fixture(scope="session")
def console_url(chromium_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a perfloop serving the demo company, with the demo sign-in on."""
    home = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    env = {
        **os.environ,
        "PERFLOOP_ENV": "development",
        "PERFLOOP_DATABASE_URL": f"sqlite:///{home / 'perfloop.db'}",
        "PERFLOOP_PORT": str(port),
        "PERFLOOP_HOST": "127.0.0.1",
        "PERFLOOP_DEMO_SIGN_IN": "true",
    }
    _run(["db", "upgrade"], env)
    _run(["demo", "load"], env)
    log = home / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 (the installed perfloop, fixed arguments)
            [str(PERFLOOP), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=home
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def chromium(
    chromium_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[webdriver.Chrome]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console(chromium: webdriver.Chrome, console_url: str) -> Iterator[Console]:
    """The console in the browser, signed out, in English; a test's browser
    errors (the console's log) fail it."""
    screenshots = os.environ.get("PERFLOOP_SCREENSHOTS")
    page = Console(chromium, console_url, Path(screenshots) if screenshots else None)
    page.reset()
    yield page
    errors = page.severe_log()
    assert not errors, f"the browser logged errors: {errors}"
