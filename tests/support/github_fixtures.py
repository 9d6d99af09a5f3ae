"""Pytest fixtures for the GitHub stand-in; every exchange is validated at teardown.

Use them from a conftest with ``pytest_plugins = ["tests.support.github_fixtures"]``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.github_api import GitHubServer
from tests.support.openapi import check_exchanges

TOKEN = "ghs_standin_0123456789abcdef"
READ_ONLY_TOKEN = "ghs_standin_readonly_fedcba9876"
REPOSITORY = "octo-org/demo"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


@dataclass(frozen=True)
class GitHubRepo:
    """A repository served by the stand-in, its bare repository and a work tree."""

    server: GitHubServer
    full_name: str
    bare: Path
    work: Path
    token: str

    def commit(self, subject: str) -> str:
        """Commit a change in the work tree, push it to the branch, return its SHA."""
        return commit_and_push(self.work, subject)


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity and return its stripped output."""
    env = {**os.environ, **_IDENTITY}
    process = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return process.stdout.strip()


def create_bare_repo(
    root: Path, subjects: tuple[str, ...] = ("Initial commit",)
) -> tuple[Path, Path]:
    """Create ``root/origin.git`` with branch main holding ``subjects`` as commits.

    Return the bare repository and a clone of it to work in.
    """
    bare, work = root / "origin.git", root / "work"
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(root, "clone", "--quiet", str(bare), str(work))
    git(work, "checkout", "--quiet", "-B", "main")
    for subject in subjects:
        commit_and_push(work, subject)
    return bare, work


def commit_and_push(work: Path, subject: str) -> str:
    """Commit a one-line change with ``subject``, push it, and return the SHA."""
    notes = work / "CHANGES.txt"
    with notes.open("a", encoding="utf-8") as stream:
        stream.write(subject + "\n")
    git(work, "add", "CHANGES.txt")
    git(work, "commit", "--quiet", "-m", subject)
    git(work, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    return git(work, "rev-parse", "HEAD")


@pytest.fixture
def github_api() -> Iterator[GitHubServer]:
    """Yield a started stand-in accepting ``TOKEN`` (and ``READ_ONLY_TOKEN`` read-only).

    At teardown every recorded exchange is checked against GitHub's OpenAPI
    description; the test fails on any request or response that does not conform.
    """
    server = GitHubServer(tokens=(TOKEN,), read_only_tokens=(READ_ONLY_TOKEN,))
    with server:
        yield server
        server.wait_idle()

    problems = check_exchanges(server.exchanges)
    if problems:
        pytest.fail(
            "GitHub exchanges do not conform to the OpenAPI description:\n"
            + "\n".join(problems),
            pytrace=False,
        )


@pytest.fixture
def github_repo(github_api: GitHubServer, tmp_path: Path) -> GitHubRepo:
    """Yield ``octo-org/demo`` served by ``github_api`` from a fresh bare repository.

    Its branch main has two commits; ``work`` is a clone to make more.
    """
    bare, work = create_bare_repo(tmp_path, ("Initial commit", "Add the parser"))
    github_api.add_repository(REPOSITORY, bare)
    return GitHubRepo(github_api, REPOSITORY, bare, work, TOKEN)
