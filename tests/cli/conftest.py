"""A project on a bare ``origin`` served by the GitHub stand-in, and checkouts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Runner
from tests.support.github_api import GitHubServer
from tests.support.github_fixtures import TOKEN
from tests.support.gitrepos import Origin, checkout_like_actions, git, make_origin

REPOSITORY = "octo-org/lib-ml"
RELEASES = f"/repos/{REPOSITORY}/releases"
PYPROJECT = """\
[project]
name = "lib-ml"
version = "1.2.3"  # the next, unreleased version
requires-python = ">=3.10"

[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
"""
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


@dataclass
class World:
    """The remote, the API stand-in, and a place for checkouts."""

    origin: Origin
    github: GitHubServer
    root: Path
    monkeypatch: pytest.MonkeyPatch

    def checkout(self, name: str = "ci", *, sha: str | None = None) -> Path:
        """Check out like actions/checkout: one commit, no tags, detached HEAD."""
        target = sha or self.origin.branch("main")
        assert target is not None
        return checkout_like_actions(git, self.origin.url, self.root / name, target)

    def desk(self, name: str = "desk", branch: str = "main") -> Path:
        """Clone like a developer, with the branch checked out."""
        work = self.origin.clone(self.root / name)
        if branch != "main":
            git(work, "checkout", "--quiet", "-b", branch)
        return work

    def releases(self) -> list[dict[str, object]]:
        """Tag, prerelease flag and latest flag of every release, oldest first."""
        latest = self.github.latest_release_id(REPOSITORY)
        return [
            {
                "tag": release["tag_name"],
                "prerelease": release["prerelease"],
                "latest": release["id"] == latest,
                "name": release["name"],
            }
            for release in reversed(self.github.releases(REPOSITORY))
        ]

    def version_on(self, branch: str = "main") -> str:
        """The version line of pyproject.toml at the tip of a remote branch."""
        text = self.origin.file(branch, "pyproject.toml")
        return next(line for line in text.splitlines() if line.startswith("version"))

    def api_calls(self) -> list[str]:
        """Every request the stand-in received, as 'METHOD path status'."""
        self.github.wait_idle()
        return [f"{e.method} {e.path} {e.status}" for e in self.github.exchanges]


def run_json(
    run: Runner, command: str, work: Path, *args: str
) -> tuple[int, dict[str, str], str]:
    """Run a command with --json in ``work``: exit code, outputs and stderr."""
    result = run(command, "--path", str(work), "--json", *args)
    outputs = json.loads(result.stdout) if result.stdout else {}
    return result.exit_code, outputs, result.stderr


@pytest.fixture
def world(
    tmp_path: Path, github_api: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> World:
    origin = make_origin(tmp_path, {"pyproject.toml": PYPROJECT, "README.md": "lib\n"})
    github_api.add_repository(REPOSITORY, origin.path)
    for name in ("GH_TOKEN", "GITHUB_EVENT_NAME", "GITHUB_HEAD_REF", "GITHUB_REF_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.setenv("GITHUB_API_URL", github_api.url)
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    # Retries keep their count but not their seconds-long waits.
    monkeypatch.setenv("RELEASEKIT_API_BACKOFF", "0.01")
    return World(origin, github_api, tmp_path, monkeypatch)
