"""Releases and pre-releases: tag, GitHub release and bump, safe to run again.

Every step first asks the remote what an earlier run already did, so a re-run
finishes what was left undone and does nothing twice. Tags are never moved or
deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from poetry.core.constraints.version import Version

from releasekit.bumps import commit_bump, push_bump
from releasekit.errors import GitError, PushRejected, VersionError
from releasekit.github import Release
from releasekit.preflight import Checkout, Preflight
from releasekit.pyproject import Pyproject
from releasekit.versions import (
    bump_version,
    format_tag,
    is_prerelease,
    read_tag,
    slugify_branch,
)

Say = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What a release or pre-release did, as step outputs."""

    released: bool
    version: str
    tag: str
    sha: str
    release_url: str = ""
    next_version: str = ""
    reason: str = ""
    needs_bump: bool = False
    branch_slug: str = ""

    def outputs(self) -> dict[str, str]:
        """The step outputs, every value a string."""
        slug = {"branch_slug": self.branch_slug} if self.branch_slug else {}
        return slug | {
            "released": _flag(self.released),
            "version": self.version,
            "tag": self.tag,
            "sha": self.sha,
            "release_url": self.release_url,
            "next_version": self.next_version,
            "reason": self.reason,
            "needs_bump": _flag(self.needs_bump),
        }


def release(preflight: Preflight, *, bump: bool, say: Say) -> Outcome:
    """Release the version in pyproject.toml from the default branch."""
    checkout, forge = preflight.checkout, preflight.forge
    project, repo = checkout.project, checkout.repo
    version, tag = project.version, project.tag
    if is_prerelease(version):
        raise VersionError(
            f"{version.to_string()} is a pre-release and {checkout.branch} releases "
            "final versions; run 'releasekit bump release', then push that"
        )
    repo.check_tag_name(tag)

    tagged = repo.remote_tag(tag)
    made = False
    if tagged is None:
        tagged, made = _push_tag(checkout, tag, say)

    existing = None if made else forge.find_release(tag)
    published = existing or forge.create_release(
        tag, sha=tagged, prerelease=False, notes=_notes(checkout, version, tagged)
    )
    if existing is None and not repo.dry_run:
        say(f"published the GitHub release {tag}: {published.url}")

    reason = "" if made else f"{tag} is already released (from {tagged[:7]})"
    if reason:
        say(reason)
    return _finish_bump(
        checkout,
        Outcome(made, version.to_string(), tag, tagged, published.url, reason=reason),
        start=version,
        bump=bump,
        say=say,
    )


def prerelease(preflight: Preflight, *, say: Say) -> Outcome:
    """Commit the next pre-release version, push it with its tag, then release it."""
    checkout, forge = preflight.checkout, preflight.forge
    repo, config = checkout.repo, checkout.project.config
    unfinished = _unfinished_prerelease(preflight)
    if unfinished is not None:
        return unfinished

    version = bump_version(checkout.project.version, "prerelease")
    tag = format_tag(config.prerelease_tag_format, version, checkout.branch)
    slug = slugify_branch(checkout.branch, version.to_string())
    repo.check_tag_name(tag)

    tagged = repo.remote_tag(tag)
    if tagged is not None:
        # An earlier run pushed the commit and the tag; finish its release.
        existing = forge.find_release(tag)
        published = existing or forge.create_release(
            tag, sha=tagged, prerelease=True, notes=None
        )
        reason = f"{tag} is already released (from {tagged[:7]})" if existing else ""
        return Outcome(
            existing is None,
            version.to_string(),
            tag,
            tagged,
            published.url,
            reason=reason,
            branch_slug=slug,
        )

    _check_up_to_date(checkout)
    base = repo.head()
    new, sha = commit_bump(checkout, "prerelease", say)
    repo.tag(tag, sha, f"Pre-release {tag}", checkout.author)
    try:
        # The commit and its tag land together, or neither does.
        repo.push([f"HEAD:refs/heads/{checkout.branch}", f"refs/tags/{tag}"])
    except PushRejected:
        # Drop the refused commit, so a re-run makes this pre-release, not the next.
        repo.move_to(base)
        raise
    say(f"pushed {new.to_string()} to {checkout.branch} with tag {tag}")

    published = forge.create_release(tag, sha=sha, prerelease=True, notes=None)
    return Outcome(True, new.to_string(), tag, sha, published.url, branch_slug=slug)


def _unfinished_prerelease(preflight: Preflight) -> Outcome | None:
    """Finish the pre-release HEAD already carries, if its release is missing.

    At a desk the branch stays at the pushed pre-release commit, so a run that
    died before creating the release is finished here instead of being skipped.
    """
    checkout, forge = preflight.checkout, preflight.forge
    version = checkout.project.version
    if not is_prerelease(version):
        return None
    tag = current_tag(checkout)
    tagged = checkout.repo.remote_tag(tag)
    if tagged is None or tagged != checkout.repo.head():
        return None
    if forge.find_release(tag) is not None:
        return None

    published = forge.create_release(tag, sha=tagged, prerelease=True, notes=None)
    slug = slugify_branch(checkout.branch, version.to_string())
    return Outcome(
        True, version.to_string(), tag, tagged, published.url, branch_slug=slug
    )


def tag_version(checkout: Checkout, *, say: Say) -> Outcome:
    """Create and push the tag of the current version at HEAD, unless it exists."""
    tag = current_tag(checkout)
    checkout.repo.check_tag_name(tag)
    version = checkout.project.version.to_string()

    tagged = checkout.repo.remote_tag(tag)
    if tagged is not None:
        reason = f"{tag} already exists (at {tagged[:7]})"
        say(reason)
        return Outcome(False, version, tag, tagged, reason=reason)

    sha, made = _push_tag(checkout, tag, say)
    return Outcome(made, version, tag, sha)


def publish(preflight: Preflight, tag: str | None, *, say: Say) -> Outcome:
    """Create the GitHub release of an existing tag, unless it has one."""
    checkout, forge = preflight.checkout, preflight.forge
    tag = tag or current_tag(checkout)
    tagged = checkout.repo.remote_tag(tag)
    if tagged is None:
        raise GitError(
            f"tag {tag} does not exist on {checkout.repo.remote}; run "
            "'releasekit tag' first"
        )

    version = _version_of(checkout, tag)
    existing = forge.find_release(tag)
    if existing is not None:
        reason = f"{tag} already has a release"
        say(reason)
        return Outcome(
            False, version.to_string(), tag, tagged, existing.url, reason=reason
        )

    prerelease_ = is_prerelease(version)
    notes = None if prerelease_ else _notes(checkout, version, tagged)
    published: Release = forge.create_release(
        tag, sha=tagged, prerelease=prerelease_, notes=notes
    )
    return Outcome(True, version.to_string(), tag, tagged, published.url)


def _version_of(checkout: Checkout, tag: str) -> Version:
    """The version a release tag names: final by tag_format, else a pre-release."""
    config = checkout.project.config
    final = read_tag(config.tag_format, tag)
    if final is not None and not is_prerelease(final):
        return final
    pre = read_tag(config.prerelease_tag_format, tag)
    if pre is not None and is_prerelease(pre):
        return pre
    raise VersionError(
        f"tag {tag} matches neither tag_format {config.tag_format!r} nor "
        f"prerelease_tag_format {config.prerelease_tag_format!r}; pass a release tag"
    )


def current_tag(checkout: Checkout) -> str:
    """The tag of the checked-out version: a release or a pre-release tag."""
    project = checkout.project
    if is_prerelease(project.version):
        return format_tag(
            project.config.prerelease_tag_format, project.version, checkout.branch
        )
    return project.tag


def _push_tag(checkout: Checkout, tag: str, say: Say) -> tuple[str, bool]:
    """Tag HEAD and push the tag; return the tagged commit and whether we made it."""
    repo = checkout.repo
    head = repo.head()
    _check_on_branch(checkout, head)
    repo.tag(tag, head, f"Release {tag}", checkout.author)
    try:
        pushed = repo.push([f"refs/tags/{tag}"])
    except PushRejected:
        # Another run may have tagged this version first; then its tag stands.
        tagged = repo.remote_tag(tag)
        if tagged is None:
            raise
        return tagged, False
    if not pushed:
        # Another run pushed the very same tag object first (same second).
        return head, False
    if not repo.dry_run:
        say(f"tagged {head[:7]} as {tag}")
    return head, True


def _finish_bump(
    checkout: Checkout, outcome: Outcome, *, start: Version, bump: bool, say: Say
) -> Outcome:
    """Bump the branch away from the released version, or tell whether it still must."""
    target = checkout.project.config.bump_after_release
    if bump:
        result = push_bump(checkout, start=start, target=target, say=say)
        return replace(outcome, next_version=result.version.to_string())

    tip = checkout.repo.remote_branch(checkout.branch)
    carried = _version_at(checkout, tip) if tip else None
    pending = carried == start
    next_version = bump_version(start, target) if pending else carried
    return replace(
        outcome,
        next_version=next_version.to_string() if next_version else "",
        needs_bump=pending,
    )


def _version_at(checkout: Checkout, sha: str) -> Version:
    """The version pyproject.toml carries at a commit of the branch."""
    repo = checkout.repo
    if sha != repo.head():
        repo.fetch_branch(checkout.branch)
    path = checkout.project.pyproject.path
    return Pyproject.parse(path, repo.show(sha, checkout.pyproject)).version()


def _check_on_branch(checkout: Checkout, head: str) -> None:
    """Refuse to tag a commit that the remote branch does not contain."""
    repo, branch = checkout.repo, checkout.branch
    tip = repo.remote_branch(branch)
    if tip is None:
        raise GitError(
            f"branch {branch} does not exist on {repo.remote}; push it first"
        )
    if tip == head:
        return
    repo.fetch_branch(branch)
    if not repo.is_ancestor(head, tip):
        raise GitError(
            f"HEAD {head[:7]} is not on {repo.remote}/{branch}; push it before "
            "releasing"
        )


def _check_up_to_date(checkout: Checkout) -> None:
    """Refuse to pre-release a checkout that lacks commits of its remote branch."""
    repo, branch = checkout.repo, checkout.branch
    tip = repo.remote_branch(branch)
    if tip is None or tip == repo.head():
        return
    repo.fetch_branch(branch)
    if not repo.is_ancestor(tip, repo.head()):
        raise GitError(
            f"{repo.remote}/{branch} has commits this checkout lacks; pull, then run "
            "again"
        )


def _notes(checkout: Checkout, version: Version, sha: str) -> str | None:
    """Release notes: None lets GitHub generate them."""
    if checkout.project.config.release_notes == "github":
        return None
    previous = _previous_release(checkout, version)
    subjects = checkout.repo.subjects(previous, sha)
    return "\n".join(f"- {subject}" for subject in subjects) or "No changes."


def _previous_release(checkout: Checkout, version: Version) -> str | None:
    """The commit of the newest final release before ``version``, or None."""
    template = checkout.project.config.tag_format
    candidates: list[tuple[Version, str]] = []
    for name, sha in checkout.repo.remote_tags().items():
        released = read_tag(template, name)
        if released and not is_prerelease(released) and released < version:
            candidates.append((released, sha))
    return max(candidates)[1] if candidates else None


def _flag(value: bool) -> str:
    return "true" if value else "false"
