"""releasekit's demo: bump and read the version of a throw-away example project."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = """\
[project]
name = "lib-ml"
version = "0.1.0"  # the next, unreleased version
"""


def releasekit(*args: str) -> str:
    """Run the installed releasekit and return what it printed on stdout."""
    command = [sys.executable, "-m", "releasekit", *args]
    print(f"$ releasekit {' '.join(args)}", file=sys.stderr)
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    print(done.stdout, end="")
    return done.stdout.strip()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        (path / "pyproject.toml").write_text(PROJECT)
        releasekit("version", "--path", folder, "--json")
        releasekit("bump", "prerelease", "--path", folder)
        releasekit("bump", "release", "--path", folder)
        releasekit("bump", "patch", "--path", folder)
        print((path / "pyproject.toml").read_text(), end="")


if __name__ == "__main__":
    main()
