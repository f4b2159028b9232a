"""Re-fetch the web console's vendored libraries (``make console-vendor``).

For maintainers only; needs ``npm`` and the npm registry. Reads
``platform/perfloop/console/static/vendor/MANIFEST.json``, runs ``npm pack`` for
exactly each package version it names, copies each listed file from the package
to its place under ``vendor/`` and writes the files' sha256 back into the
manifest. To move to a new version, edit the manifest's ``version`` (and
``source`` when the package moved the file), run this, then the console's tests
(``tests/console``), which fail when a file and the manifest disagree.
docs/console.md, "Vendored libraries".
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "platform/perfloop/console/static/vendor"
MANIFEST = VENDOR / "MANIFEST.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(spec: str, into: Path) -> Path:
    """``npm pack`` one package version; the folder its tarball unpacks to."""
    out = subprocess.run(  # noqa: S603 (the manifest's package@version)
        ["npm", "pack", "--silent", spec],  # noqa: S607 (npm from PATH, maintainers only)
        cwd=into,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    unpacked = into / spec.replace("/", "_")
    with tarfile.open(into / out[-1]) as tar:
        tar.extractall(unpacked, filter="data")
    return unpacked / "package"


def main() -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    packages: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for entry in manifest["files"]:
            spec = f"{entry['package']}@{entry['version']}"
            if spec not in packages:
                print(f"npm pack {spec}")
                packages[spec] = fetch(spec, Path(tmp))
            target = VENDOR / entry["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(packages[spec] / entry["source"], target)
            entry["sha256"] = sha256(target)
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(manifest['files'])} files from {len(packages)} packages; {MANIFEST} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
