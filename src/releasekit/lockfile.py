"""Poetry's lock file, refreshed by Poetry itself when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from releasekit.errors import ProjectError

LOCK_FILENAME = "poetry.lock"


def refresh_lock(folder: Path) -> bool:
    """Run ``poetry lock`` in ``folder``; False when Poetry is not installed."""
    poetry = shutil.which("poetry")
    if poetry is None:
        return False

    # Poetry 2's plain `lock` keeps every other locked version where it is.
    done = subprocess.run(
        [poetry, "lock"], cwd=folder, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise ProjectError(
            f"poetry lock failed in {folder}: {reason}; the pins in pyproject.toml "
            "are upgraded, fix the cause and run 'poetry lock'"
        )
    return True
