"""The checks a release makes before it changes anything, and what they find out.

Everything here only reads: the project, the work tree, the environment and one
GitHub request that proves the token works.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from releasekit.errors import ForgeError, GitError
from releasekit.git import Identity, Repository
from releasekit.github import API_URL, GitHub, RetryPolicy
from releasekit.project import Project

_REPOSITORY_URL = re.compile(
    r"^(?:https?://[^/]+/|ssh://[^/]+/|[\w.-]+@[\w.-]+:)"
    r"(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$"
)

_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)


@dataclass(frozen=True)
class Checkout:
    """A project inside a clean git checkout, on a known branch."""

    project: Project
    repo: Repository
    branch: str
    author: Identity

    @property
    def pyproject(self) -> str:
        """The path of pyproject.toml relative to the top of the work tree."""
        return self.repo.relative(self.project.pyproject.path)

    def reload(self) -> Checkout:
        """Read the project again, after the work tree changed."""
        project = Project.load(self.project.folder)
        return Checkout(project, self.repo, self.branch, self.author)


@dataclass(frozen=True)
class Preflight:
    """A checkout plus an authenticated connection to its GitHub repository."""

    checkout: Checkout
    forge: GitHub


def open_checkout(
    folder: Path,
    *,
    branch: str | None,
    dry_run: bool,
    say: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
    need_branch: bool = True,
) -> Checkout:
    """Open a project and its clean checkout, and settle the branch."""
    env = os.environ if environ is None else environ
    project = Project.load(folder)
    repo = Repository.open(project.folder, dry_run=dry_run, say=say)
    author = Identity.parse(
        project.config.commit_author, key="tool.releasekit.commit_author"
    )

    name = (
        branch or _ref_branch(env) or repo.branch() or ("" if need_branch else "HEAD")
    )
    if not name:
        raise GitError(
            "HEAD is detached and no branch is known; pass --branch NAME "
            "(GitHub Actions sets GITHUB_REF_NAME)"
        )

    changes = repo.tracked_changes()
    if changes:
        shown = ", ".join(changes[:5]) + (" ..." if len(changes) > 5 else "")
        raise GitError(
            f"the work tree has uncommitted changes to {shown}; commit or stash "
            "them first"
        )
    return Checkout(project, repo, name, author)


def connect(
    checkout: Checkout,
    *,
    dry_run: bool,
    say: Callable[[str], None],
    mask: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
) -> Preflight:
    """Find the token and the repository, and prove the token with one request."""
    env = os.environ if environ is None else environ
    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise ForgeError(
            "GITHUB_TOKEN is not set; pass the job token as GITHUB_TOKEN (or "
            "GH_TOKEN) in the step's env"
        )
    mask(token)

    repository = env.get("GITHUB_REPOSITORY") or repository_from_url(
        checkout.repo.remote_url()
    )
    forge = GitHub(
        repository,
        token,
        api_url=env.get("GITHUB_API_URL") or API_URL,
        dry_run=dry_run,
        say=say,
        policy=retry_policy(env),
    )
    forge.check_access()
    return Preflight(checkout, forge)


def retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    """The API retry policy, tunable with RELEASEKIT_API_ATTEMPTS and _BACKOFF."""
    defaults = RetryPolicy()
    try:
        attempts = int(env.get("RELEASEKIT_API_ATTEMPTS", defaults.attempts))
        backoff = float(env.get("RELEASEKIT_API_BACKOFF", defaults.backoff))
    except ValueError as err:
        raise ForgeError(
            "RELEASEKIT_API_ATTEMPTS must be a whole number and "
            "RELEASEKIT_API_BACKOFF a number of seconds"
        ) from err
    if attempts < 1 or backoff < 0:
        raise ForgeError(
            "RELEASEKIT_API_ATTEMPTS must be at least 1 and RELEASEKIT_API_BACKOFF "
            "not negative"
        )
    return RetryPolicy(attempts=attempts, backoff=backoff)


def repository_from_url(url: str) -> str:
    """``owner/name`` from a remote URL in https, ssh or scp form."""
    match = _REPOSITORY_URL.match(url.strip())
    if not match:
        # A remote URL may carry a token; name the URL without it.
        shown = _CREDENTIALS.sub(r"\1", url.strip())
        raise ForgeError(
            f"cannot tell the GitHub repository from the remote URL {shown!r}; set "
            "GITHUB_REPOSITORY=owner/name"
        )
    return f"{match['owner']}/{match['name']}"


def _ref_branch(env: Mapping[str, str]) -> str | None:
    # On tag pushes and pull requests GITHUB_REF_NAME is not a branch.
    if env.get("GITHUB_REF_TYPE", "branch") != "branch":
        return None
    if env.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
        return env.get("GITHUB_HEAD_REF") or None
    return env.get("GITHUB_REF_NAME") or None
