"""Measure what a release job installs: releasekit with its dependencies, and Poetry.

Each goes into a fresh virtual environment under ``.cache/``; the script prints
the size of each environment's site-packages and its number of distributions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench-size"


def install(name: str, *requirements: str) -> Path:
    """Install requirements into a new venv and return its site-packages."""
    target = CACHE / name
    shutil.rmtree(target, ignore_errors=True)
    venv.create(target, with_pip=True)
    pip = target / "bin" / "pip"
    subprocess.run([pip, "install", "-q", *requirements], check=True)
    subprocess.run([pip, "uninstall", "-q", "-y", "pip"], check=True)
    return next(target.glob("lib/python*/site-packages"))


def size(folder: Path) -> int:
    """Bytes of every file below a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def distributions(folder: Path) -> int:
    """How many distributions a site-packages holds."""
    return len(list(folder.glob("*.dist-info")))


def main() -> None:
    rows = {
        "releasekit": install("releasekit", str(ROOT)),
        "poetry": install("poetry", "poetry"),
    }
    print(f"{'environment':<12} {'MB':>7} {'distributions':>14}")
    for name, site in rows.items():
        print(f"{name:<12} {size(site) / 1e6:>7.1f} {distributions(site):>14}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
