"""Fixtures shared by the whole suite."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasekit.cli import main
from releasekit.runtime import SECRETS

pytest_plugins = ["tests.support.github_fixtures"]


@dataclass(frozen=True)
class Result:
    """What one in-process run of the CLI produced."""

    exit_code: int
    stdout: str
    stderr: str


Runner = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Runner:
    """Run ``releasekit`` in-process with the given arguments."""
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = -1
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """Keep secrets registered by one test from redacting another's output."""
    yield
    SECRETS.values.clear()


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[[str], Path]:
    """Write a pyproject.toml with the given text and return its folder."""

    def write(text: str, *, newline: str = "\n") -> Path:
        folder = tmp_path / "project"
        folder.mkdir(exist_ok=True)
        path = folder / "pyproject.toml"
        path.write_bytes(text.replace("\n", newline).encode())
        return folder

    return write


@pytest.fixture(autouse=True)
def isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Give git a configuration of its own, unaffected by the machine's."""
    home = tmp_path_factory.mktemp("git-home")
    config = home / ".gitconfig"
    config.write_text(
        "[user]\n\tname = Test Developer\n\temail = developer@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
        "[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
    ):
        monkeypatch.delenv(name, raising=False)
