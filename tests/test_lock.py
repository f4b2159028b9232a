"""The lock files agree with pyproject.toml and with this virtualenv (docs/dependencies.md).

No network: the ranges come from pyproject.toml, the pins from requirements/*.txt, and
the dependency graph from the metadata of the installed distributions, which must be
the pinned versions. Markers are evaluated for this interpreter and platform; pins for
other platforms (colorama on Windows, say) are left to the resolver that wrote them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
PROJECTS = [ROOT / "pyproject.toml", *sorted(ROOT.glob("plugins/*/pyproject.toml"))]
STALE = "the lock is stale: run `make lock` and commit requirements/ (docs/dependencies.md)"
NOT_INSTALLED = "the virtualenv differs from the lock: run `make install-dev`"
EITHER = "each line says what to run: `make lock` (stale lock) or `make install-dev`"


@dataclass(frozen=True)
class Pin:
    version: Version
    marker: Marker | None

    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    pins: dict[NormalizedName, Pin] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith("-"), f"{path.name}: options are not expected: {raw!r}"
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: not an exact pin: {raw!r}"
        name = canonicalize_name(req.name)
        assert name not in pins, f"{path.name}: {name} is pinned twice"
        pins[name] = Pin(Version(spec.version), req.marker)
    return pins


def local_projects() -> set[NormalizedName]:
    return {
        canonicalize_name(tomllib.loads(p.read_text(encoding="utf-8"))["project"]["name"])
        for p in PROJECTS
    }


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    """What pyproject.toml (and each plugin's) asks for: the lock's roots."""
    local = local_projects()
    roots: list[Requirement] = []
    for path in PROJECTS:
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        lines = list(project.get("dependencies", []))
        for extra in extras:
            lines += project.get("optional-dependencies", {}).get(extra, [])
        roots += [r for r in map(Requirement, lines) if canonicalize_name(r.name) not in local]
    return roots


def applies(req: Requirement, extra: str) -> bool:
    return req.marker is None or req.marker.evaluate({"extra": extra})


def problems(lock: dict[NormalizedName, Pin], extras: tuple[str, ...]) -> list[str]:
    """Walk from the declared requirements through installed metadata; every requirement
    met here must be pinned, admitted by its range, and installed at the pinned version;
    every pin that applies here must be needed."""
    found: list[str] = []
    visited: set[tuple[NormalizedName, str]] = set()
    needed: set[NormalizedName] = set()
    todo = [(req, "pyproject.toml") for req in declared(extras) if applies(req, "")]
    while todo:
        req, parent = todo.pop()
        name = canonicalize_name(req.name)
        needed.add(name)
        pin = lock.get(name)
        if pin is None:
            found.append(f"{req} (from {parent}) is not pinned: run `make lock`")
            continue
        if not req.specifier.contains(pin.version, prereleases=True):
            found.append(f"{name}=={pin.version} is outside {req} (from {parent}): run `make lock`")
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            found.append(f"{name}=={pin.version} is not installed ({NOT_INSTALLED})")
            continue
        if installed != pin.version:
            found.append(f"{name} {installed} is installed, {pin.version} locked ({NOT_INSTALLED})")
            continue
        for extra in ("", *sorted(req.extras)):
            if (name, extra) in visited:
                continue
            visited.add((name, extra))
            for line in metadata.requires(name) or []:
                child = Requirement(line)
                if applies(child, extra):
                    todo.append((child, f"{name}[{extra}]" if extra else name))
    unused = sorted(n for n, pin in lock.items() if pin.applies() and n not in needed)
    found += [f"{name} is pinned but nothing declared needs it: run `make lock`" for name in unused]
    return found


def test_runtime_lock_matches_pyproject_and_venv() -> None:
    assert problems(read_lock(RUNTIME_LOCK), ()) == [], EITHER


def test_dev_lock_matches_pyproject_and_venv() -> None:
    assert problems(read_lock(DEV_LOCK), ("dev",)) == [], EITHER


def test_dev_lock_keeps_every_runtime_pin() -> None:
    # the same version; dev's environment marker may be wider (a dev tool needing the
    # package on another platform too: selenium's trio wants cffi on Windows)
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    differ = sorted(
        n for n, pin in runtime.items() if n not in dev or dev[n].version != pin.version
    )
    assert differ == [], f"dev.txt and runtime.txt disagree on {differ}: {STALE}"


def test_every_dev_pin_for_this_platform_is_installed() -> None:
    wrong: list[str] = []
    for name, pin in sorted(read_lock(DEV_LOCK).items()):
        if not pin.applies():
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: not installed, {pin.version} locked")
            continue
        if installed != pin.version:
            wrong.append(f"{name}: {installed} installed, {pin.version} locked")
    assert wrong == [], NOT_INSTALLED
