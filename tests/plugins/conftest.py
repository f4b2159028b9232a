"""A plugin written by ``perfloop plugins new`` and installed by pip, once per module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfloop.cli import app
from perfloop.plugins import get_registry
from perfloop.templates import load_builtin_templates
from support.scaffold import NAME


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``perfloop plugins new issue-tracker``, as a developer types it."""
    folder = tmp_path_factory.mktemp("scaffold")
    result = CliRunner().invoke(app, [
        "plugins", "new", NAME, "--directory", str(folder),
        "--title-zh", "问题跟踪", "--title-en", "Issue tracker",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder / f"perfloop-{NAME}"


@pytest.fixture(scope="module")
def installed(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The generated plugin, installed by pip into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(  # noqa: S603 (this Python's pip, fixed arguments)
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(target), str(generated)],
        check=True,
        timeout=300,
    )  # fmt: skip
    # the process's registry and built-in templates are found before the folder is on
    # sys.path (discovery would find the plugin there), and found again after
    get_registry()
    load_builtin_templates()
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))
    for module in [m for m in sys.modules if m.startswith("perfloop_issue_tracker")]:
        del sys.modules[module]
    get_registry.cache_clear()
    load_builtin_templates.cache_clear()
