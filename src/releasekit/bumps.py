"""The bot's bump commit: make it, push it, and redo it if the branch moved.

A bump always starts from a known version. If the branch moved before the push
landed, the new tip decides: if it still carries that version the bump is made
again on top of it; if it carries another, someone else bumped and nothing more
is done. So any number of runs make exactly one bump.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from poetry.core.constraints.version import Version

from releasekit.errors import GitError, PushRejected
from releasekit.preflight import Checkout
from releasekit.versions import bump_version

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class BumpResult:
    """What a bump left on the branch."""

    version: Version
    sha: str
    bumped: bool


def commit_bump(
    checkout: Checkout, target: str, say: Callable[[str], None]
) -> tuple[Version, str]:
    """Bump the checked-out version, commit only pyproject.toml as the bot.

    Returns the new version and the commit's SHA.
    """
    project = checkout.project
    new = bump_version(project.version, target)
    _write(checkout, new, say)
    message = project.config.commit_message.format(version=new.to_string())
    sha = checkout.repo.commit([checkout.pyproject], message, checkout.author)
    return new, sha


def push_bump(
    checkout: Checkout,
    *,
    start: Version,
    target: str,
    say: Callable[[str], None],
) -> BumpResult:
    """Bump the branch away from ``start`` and push, converging under races."""
    repo = checkout.repo
    for _attempt in range(MAX_ATTEMPTS):
        checkout = _catch_up(checkout)
        current = checkout.project.version
        if current != start:
            say(f"{checkout.branch} already carries {current.to_string()}; no bump")
            return BumpResult(current, repo.head(), bumped=False)

        base = repo.head()
        new, sha = commit_bump(checkout, target, say)
        try:
            repo.push([f"HEAD:refs/heads/{checkout.branch}"])
        except PushRejected as err:
            # Drop the refused commit, so the next attempt (or run) starts afresh.
            repo.move_to(base)
            if err.reason != "moved":
                raise
            say(f"{checkout.branch} moved on the remote; trying again on its new tip")
            checkout = checkout.reload()
            continue
        return BumpResult(new, sha, bumped=True)

    raise GitError(
        f"{checkout.branch} kept moving on the remote during {MAX_ATTEMPTS} attempts "
        "to push the bump; run again"
    )


def _catch_up(checkout: Checkout) -> Checkout:
    """Move the checkout to the remote branch if the remote is ahead of it."""
    repo = checkout.repo
    head, tip = repo.head(), repo.remote_branch(checkout.branch)
    if tip is None:
        raise GitError(
            f"branch {checkout.branch} does not exist on {repo.remote}; push it first"
        )
    if tip == head:
        return checkout

    repo.fetch_branch(checkout.branch)
    if repo.is_ancestor(tip, head):
        return checkout  # local commits on top of the remote: pushed with the bump
    if not repo.is_ancestor(head, tip):
        raise GitError(
            f"{checkout.branch} and {repo.remote}/{checkout.branch} have diverged; "
            "pull, then run again"
        )
    repo.move_to(tip)
    return checkout.reload()


def _write(checkout: Checkout, new: Version, say: Callable[[str], None]) -> None:
    project = checkout.project
    change = (
        f"{project.version.to_string()} -> {new.to_string()} in {checkout.pyproject}"
    )
    if checkout.repo.dry_run:
        say(f"would bump {change}")
        return
    project.pyproject.write_version(new)
    say(f"bumped {change}")
