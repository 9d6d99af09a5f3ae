"""Repositories and releases of the GitHub stand-in, and the JSON GitHub shows for them.

Tags live in each repository's bare git repository; releases live here, in memory.
Every operation either returns a JSON-ready value or raises ``ApiError`` carrying
the status and body GitHub answers with.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.support.github_git import BareRepo

DOCS = "https://docs.github.com/rest"
DOC_PAGES = {
    "repos/get": f"{DOCS}/repos/repos#get-a-repository",
    "repos/list-releases": f"{DOCS}/releases/releases#list-releases",
    "repos/create-release": f"{DOCS}/releases/releases#create-a-release",
    "repos/get-release": f"{DOCS}/releases/releases#get-a-release",
    "repos/update-release": f"{DOCS}/releases/releases#update-a-release",
    "repos/delete-release": f"{DOCS}/releases/releases#delete-a-release",
    "repos/get-latest-release": f"{DOCS}/releases/releases#get-the-latest-release",
    "repos/get-release-by-tag": (f"{DOCS}/releases/releases#get-a-release-by-tag-name"),
    "repos/generate-release-notes": (
        f"{DOCS}/releases/releases#generate-release-notes-content-for-a-release"
    ),
    "git/get-ref": f"{DOCS}/git/refs#get-a-reference",
    "git/list-matching-refs": f"{DOCS}/git/refs#list-matching-references",
}

BOT_LOGIN = "github-actions[bot]"
BOT_ID = 41898282
_RELEASE_FIELDS = {
    "tag_name": str,
    "target_commitish": str,
    "name": str,
    "body": str,
    "draft": bool,
    "prerelease": bool,
    "make_latest": str,
    "generate_release_notes": bool,
    "discussion_category_name": str,
}
_MAKE_LATEST = ("true", "false", "legacy")


class ApiError(Exception):
    """Raised to answer a request with a GitHub error status and body."""

    def __init__(
        self,
        status: int,
        message: str,
        operation: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.operation = operation
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body GitHub sends with this error."""
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = DOC_PAGES.get(self.operation or "", DOCS)
        body["status"] = str(self.status)
        return body


def not_found(operation: str) -> ApiError:
    """Return the 404 GitHub answers for anything missing or invisible."""
    return ApiError(404, "Not Found", operation)


def release_exists(operation: str) -> ApiError:
    """Return the 422 GitHub answers when a tag already has a release."""
    error = {"resource": "Release", "code": "already_exists", "field": "tag_name"}
    return ApiError(422, "Validation Failed", operation, errors=[error])


def invalid_field(operation: str, name: str) -> ApiError:
    """Return the 422 GitHub answers when a field names nothing usable."""
    error = {"resource": "Release", "code": "invalid", "field": name}
    return ApiError(422, "Validation Failed", operation, errors=[error])


def now_iso() -> str:
    """Return the current UTC time as GitHub writes timestamps."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Release:
    """A release as GitHub stores it."""

    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    immutable: bool
    created_at: str
    published_at: str | None
    updated_at: str


@dataclass
class Repository:
    """A GitHub repository backed by a bare git repository."""

    id: int
    owner: str
    name: str
    git: BareRepo
    immutable_releases: bool = False
    releases: dict[int, Release] = field(default_factory=dict)
    latest_id: int | None = None
    # Tags once used by an immutable release can never get another release.
    spent_tags: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def published(self, tag_name: str) -> Release | None:
        """Return the published release for ``tag_name``, or None."""
        for release in self.releases.values():
            if release.tag_name == tag_name and not release.draft:
                return release
        return None

    def ordered(self) -> list[Release]:
        """Return the releases newest first, as the list endpoint does."""
        return sorted(self.releases.values(), key=lambda r: r.id, reverse=True)


class State:
    """Everything the stand-in knows: repositories, their releases and ids."""

    def __init__(self) -> None:
        self.repositories: dict[str, Repository] = {}
        self._ids = itertools.count(100_000_001)

    def add_repository(
        self, full_name: str, bare_path: Path, *, immutable_releases: bool = False
    ) -> Repository:
        """Register ``owner/name`` as served from the bare repository at a path."""
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be owner/name, got {full_name!r}")

        repository = Repository(
            id=next(self._ids),
            owner=owner,
            name=name,
            git=BareRepo(bare_path),
            immutable_releases=immutable_releases,
        )
        self.repositories[full_name.lower()] = repository
        return repository

    def repository(self, owner: str, name: str, operation: str) -> Repository:
        """Return a registered repository (names are case-insensitive) or 404."""
        repository = self.repositories.get(f"{owner}/{name}".lower())
        if repository is None:
            raise not_found(operation)
        return repository

    def release(
        self, repository: Repository, release_id: str, operation: str
    ) -> Release:
        """Return a release by its id or 404."""
        found = (
            repository.releases.get(int(release_id)) if release_id.isdigit() else None
        )
        if found is None:
            raise not_found(operation)
        return found

    def create_release(self, repository: Repository, payload: Any) -> Release:
        """Create a release as ``POST /repos/{o}/{r}/releases`` does."""
        operation = "repos/create-release"
        check_payload(payload, operation, required=("tag_name",))
        tag_name = payload["tag_name"]
        draft = payload.get("draft", False)
        if repository.published(tag_name) or tag_name in repository.spent_tags:
            raise release_exists(operation)

        target = payload.get("target_commitish") or repository.git.default_branch()
        if not draft:
            ensure_tag(repository, tag_name, target, operation)
        name, body = payload.get("name"), payload.get("body")
        if payload.get("generate_release_notes"):
            notes = generate_notes(
                repository, {"tag_name": tag_name, "target_commitish": target}
            )
            name = name or notes["name"]
            body = f"{body}\n\n{notes['body']}" if body else notes["body"]

        stamp = now_iso()
        release = Release(
            id=next(self._ids),
            tag_name=tag_name,
            target_commitish=target,
            name=name,
            body=body,
            draft=draft,
            prerelease=payload.get("prerelease", False),
            immutable=repository.immutable_releases and not draft,
            created_at=stamp,
            published_at=None if draft else stamp,
            updated_at=stamp,
        )
        repository.releases[release.id] = release
        apply_make_latest(repository, release, payload.get("make_latest", "true"))
        return release

    def update_release(
        self, repository: Repository, release: Release, payload: Any
    ) -> Release:
        """Change a release as ``PATCH /repos/{o}/{r}/releases/{id}`` does."""
        operation = "repos/update-release"
        check_payload(payload, operation, required=())
        tag_name = payload.get("tag_name", release.tag_name)
        draft = payload.get("draft", release.draft)
        other = repository.published(tag_name)
        if other is not None and other.id != release.id:
            raise release_exists(operation)
        if release.immutable and tag_name != release.tag_name:
            raise invalid_field(operation, "tag_name")

        target = payload.get("target_commitish", release.target_commitish)
        if not draft:
            ensure_tag(repository, tag_name, target, operation)
        publishing = release.draft and not draft
        stamp = now_iso()
        release.tag_name = tag_name
        release.target_commitish = target
        release.name = payload.get("name", release.name)
        release.body = payload.get("body", release.body)
        release.draft = draft
        release.prerelease = payload.get("prerelease", release.prerelease)
        release.updated_at = stamp
        if publishing:
            release.published_at = stamp
            release.immutable = repository.immutable_releases
        default = "true" if publishing else None
        apply_make_latest(repository, release, payload.get("make_latest", default))
        return release

    def delete_release(self, repository: Repository, release: Release) -> None:
        """Delete a release but keep its tag, as GitHub does."""
        del repository.releases[release.id]
        if release.immutable:
            repository.spent_tags.add(release.tag_name)
        if repository.latest_id == release.id:
            repository.latest_id = pick_legacy_latest(repository)


def check_payload(payload: Any, operation: str, required: tuple[str, ...]) -> None:
    """Refuse a body GitHub would refuse: not an object, missing or mistyped fields."""
    if not isinstance(payload, dict):
        raise ApiError(400, "Problems parsing JSON", operation)

    for name in required:
        if name not in payload:
            raise ApiError(
                422, f'Invalid request.\n\n"{name}" wasn\'t supplied.', operation
            )
    for name, kind in _RELEASE_FIELDS.items():
        value = payload.get(name)
        if name in payload and not isinstance(value, kind):
            label = "a boolean" if kind is bool else "a string"
            shown = json.dumps(value)
            message = (
                f"Invalid request.\n\nFor 'properties/{name}', {shown} is not {label}."
            )
            raise ApiError(422, message, operation)
    if payload.get("make_latest", "true") not in _MAKE_LATEST:
        raise invalid_field(operation, "make_latest")


def ensure_tag(
    repository: Repository, tag_name: str, target: str, operation: str
) -> None:
    """Create the tag at ``target`` unless it exists (then ``target`` is ignored)."""
    git = repository.git
    if git.tag(tag_name) is not None:
        return
    if not git.is_valid_ref(f"refs/tags/{tag_name}"):
        raise invalid_field(operation, "tag_name")

    sha = git.resolve_commit(target)
    if sha is None:
        raise invalid_field(operation, "target_commitish")
    # A push may have created the tag since the check; it then stands as pushed.
    git.create_tag(tag_name, sha)


def apply_make_latest(
    repository: Repository, release: Release, make_latest: str | None
) -> None:
    """Move the latest-release marker as ``make_latest`` asks."""
    can_be_latest = not release.draft and not release.prerelease
    if not can_be_latest or make_latest == "false":
        if repository.latest_id == release.id:
            repository.latest_id = pick_legacy_latest(repository, excluding=release.id)
    elif make_latest == "true":
        repository.latest_id = release.id
    elif make_latest == "legacy":
        repository.latest_id = pick_legacy_latest(repository)


def pick_legacy_latest(
    repository: Repository, excluding: int | None = None
) -> int | None:
    """Return the newest published full release, GitHub's legacy choice of latest."""
    candidates = [
        r
        for r in repository.releases.values()
        if not r.draft and not r.prerelease and r.id != excluding
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.created_at, r.id)).id


def generate_notes(repository: Repository, payload: Any) -> dict[str, str]:
    """Build release notes from the commit subjects since the previous tag."""
    operation = "repos/generate-release-notes"
    check_notes_payload(payload, operation)
    git = repository.git
    tag_name = payload["tag_name"]
    tag = git.tag(tag_name)
    if tag is not None:
        end = tag.commit_sha
    else:
        end = git.resolve_commit(
            payload.get("target_commitish") or git.default_branch()
        )
        if end is None:
            raise not_found(operation)

    previous = payload.get("previous_tag_name") or git.previous_tag(end, tag_name)
    start = None
    if previous is not None:
        previous_tag = git.tag(previous)
        if previous_tag is None:
            raise not_found(operation)
        start = previous_tag.commit_sha

    web = f"https://github.com/{repository.full_name}"
    lines = [
        f"* {c.subject} by {c.author_name} in {c.sha[:7]}"
        for c in git.commits_between(start, end)
    ]
    changes = "## What's Changed\n" + "\n".join(lines) + "\n\n" if lines else ""
    span = f"compare/{previous}...{tag_name}" if previous else f"commits/{tag_name}"
    body = f"{changes}**Full Changelog**: {web}/{span}"
    return {"name": tag_name, "body": body}


def check_notes_payload(payload: Any, operation: str) -> None:
    if not isinstance(payload, dict):
        raise ApiError(400, "Problems parsing JSON", operation)
    if not isinstance(payload.get("tag_name"), str):
        raise ApiError(
            422, 'Invalid request.\n\n"tag_name" wasn\'t supplied.', operation
        )


def node_id(prefix: str, number: int) -> str:
    """Return an opaque global node id shaped like GitHub's."""
    encoded = base64.b64encode(number.to_bytes(8, "big")).decode().rstrip("=")
    return f"{prefix}_{encoded}"
