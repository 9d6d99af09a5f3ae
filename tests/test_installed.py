"""The installed console script, run as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HEAVY = ("github", "git", "docker", "requests", "pydantic")


def test_console_script_runs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "0.3.0a2"\n')
    script = shutil.which("releasekit", path=str(Path(sys.executable).parent))
    assert script is not None

    done = subprocess.run(
        [script, "version", "--path", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "0.3.0a2\n", "")


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "releasekit", "version", "--path", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr == (
        f"error: no pyproject.toml in {tmp_path}; run releasekit in the project "
        "folder or pass --path\n"
    )


def _imported_by(*args: str, cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "releasekit", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    lines = [line for line in done.stderr.splitlines() if "import time:" in line]
    return {line.rsplit("|", 1)[1].strip() for line in lines}


def test_version_and_help_import_no_heavy_library(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.0"\n')
    for args in (("version",), ("--help",)):
        modules = _imported_by(*args, cwd=tmp_path)
        assert "releasekit.cli" in modules
        assert sorted(modules & set(HEAVY)) == [], args

    # rich renders --help; printing a version needs none of it.
    assert "rich.console" not in _imported_by("version", cwd=tmp_path)
