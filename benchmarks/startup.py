"""Time ``releasekit version`` against reading the version with tomllib and Poetry.

Run with ``make bench``: it prints one table of medians and ratios. Poetry is
installed into its own virtual environment under ``.cache/`` on first use.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POETRY_VENV = ROOT / ".cache" / "bench-poetry"
RUNS = int(os.environ.get("BENCH_RUNS", "40"))

PROJECT = """\
[project]
name = "bench"
version = "1.2.3"
requires-python = ">=3.10"

[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
"""

FLOOR = (
    "import tomllib;"
    "print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
)


def poetry() -> Path:
    """Return Poetry's executable, installing it once into its own venv."""
    executable = POETRY_VENV / "bin" / "poetry"
    if not executable.exists():
        venv.create(POETRY_VENV, with_pip=True)
        subprocess.run(
            [POETRY_VENV / "bin" / "pip", "install", "-q", "poetry"], check=True
        )
    return executable


def median_seconds(command: list[str], cwd: Path) -> float:
    """Run a command RUNS times (after one warm-up) and return the median."""
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    releasekit = shutil.which("releasekit", path=str(Path(sys.executable).parent))
    if releasekit is None:
        sys.exit("releasekit is not installed next to this Python")

    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "pyproject.toml").write_text(PROJECT)
        rows = {
            "python -c tomllib (floor)": median_seconds(
                [sys.executable, "-c", FLOOR], cwd
            ),
            "releasekit version": median_seconds([releasekit, "version"], cwd),
            "releasekit --help": median_seconds([releasekit, "--help"], cwd),
            "poetry version -s": median_seconds([str(poetry()), "version", "-s"], cwd),
        }

    floor = rows["python -c tomllib (floor)"]
    ours = rows["releasekit version"]
    print(f"median of {RUNS} runs each")
    print(f"{'command':<28} {'median s':>9} {'x floor':>8}")
    for name, seconds in rows.items():
        print(f"{name:<28} {seconds:>9.3f} {seconds / floor:>8.2f}")
    speedup = rows["poetry version -s"] / ours
    print(f"poetry version -s / releasekit version: {speedup:.1f}x")


if __name__ == "__main__":
    main()
