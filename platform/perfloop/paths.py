"""Where perfloop finds the files it ships beside its code."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def schemas_dir() -> Path:
    """The `schemas/` folder: inside an installed wheel, or the source tree's.

    A wheel carries it as `perfloop/schemas` (hatch force-include); an editable
    install or a source checkout finds it two levels above the package.
    """
    for candidate in (_PACKAGE_DIR / "schemas", _PACKAGE_DIR.parent.parent / "schemas"):
        if (candidate / "meta").is_dir():
            return candidate
    raise RuntimeError(
        "perfloop cannot find its schemas/ folder (looked in the package and the source tree)"
    )


def meta_schemas_dir() -> Path:
    return schemas_dir() / "meta"


def builtin_templates_dir() -> Path:
    return schemas_dir() / "templates"
