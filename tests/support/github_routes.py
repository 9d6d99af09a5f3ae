"""Routes of the GitHub stand-in: which operation a request is, and its answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.support.github_render import Urls, ref_json, release_json, repository_json
from tests.support.github_state import (
    Release,
    Repository,
    State,
    generate_notes,
    not_found,
)

_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@dataclass
class Answer:
    """The status, JSON body and extra headers to send back."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """A routed request: its parsed body and the path parameters."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    params: dict[str, str]
    operation: str


@dataclass(frozen=True)
class Context:
    """What a route needs besides the request: the state and the public URLs."""

    state: State
    urls: Urls


Handler = Callable[[Context, Repository, Request], Answer]


def _get_repository(context: Context, repository: Repository, _: Request) -> Answer:
    return Answer(200, repository_json(context.urls, repository))


def _list_releases(
    context: Context, repository: Repository, request: Request
) -> Answer:
    per_page = min(int(request.query.get("per_page", ["30"])[0]), 100)
    page = max(int(request.query.get("page", ["1"])[0]), 1)
    releases = repository.ordered()
    chunk = releases[(page - 1) * per_page : page * per_page]
    last = max((len(releases) + per_page - 1) // per_page, 1)
    base = f"{context.urls.api}{request.path}?per_page={per_page}&page="
    links = []
    if page < last:
        links += [f'<{base}{page + 1}>; rel="next"', f'<{base}{last}>; rel="last"']
    if page > 1:
        links += [f'<{base}{page - 1}>; rel="prev"', f'<{base}1>; rel="first"']
    headers = {"Link": ", ".join(links)} if links else {}
    body = [release_json(context.urls, repository, r) for r in chunk]
    return Answer(200, body, headers)


def _create_release(
    context: Context, repository: Repository, request: Request
) -> Answer:
    release = context.state.create_release(repository, request.body)
    body = release_json(context.urls, repository, release)
    return Answer(201, body, {"Location": body["url"]})


def _release(context: Context, repository: Repository, request: Request) -> Release:
    return context.state.release(
        repository, request.params["release_id"], request.operation
    )


def _get_release(context: Context, repository: Repository, request: Request) -> Answer:
    release = _release(context, repository, request)
    return Answer(200, release_json(context.urls, repository, release))


def _update_release(
    context: Context, repository: Repository, request: Request
) -> Answer:
    release = _release(context, repository, request)
    context.state.update_release(repository, release, request.body)
    return Answer(200, release_json(context.urls, repository, release))


def _delete_release(
    context: Context, repository: Repository, request: Request
) -> Answer:
    release = _release(context, repository, request)
    context.state.delete_release(repository, release)
    return Answer(204)


def _get_release_by_tag(
    context: Context, repository: Repository, request: Request
) -> Answer:
    release = repository.published(unquote(request.params["tag"]))
    if release is None:
        raise not_found(request.operation)
    return Answer(200, release_json(context.urls, repository, release))


def _get_latest(context: Context, repository: Repository, request: Request) -> Answer:
    release = repository.releases.get(repository.latest_id or 0)
    if release is None:
        raise not_found(request.operation)
    return Answer(200, release_json(context.urls, repository, release))


def _generate_notes(
    context: Context, repository: Repository, request: Request
) -> Answer:
    return Answer(200, generate_notes(repository, request.body))


def _get_ref(context: Context, repository: Repository, request: Request) -> Answer:
    refname = "refs/" + unquote(request.params["ref"])
    found = [r for r in repository.git.refs(refname) if r.refname == refname]
    if not found:
        raise not_found(request.operation)
    return Answer(200, ref_json(context.urls, repository, found[0]))


def _matching_refs(
    context: Context, repository: Repository, request: Request
) -> Answer:
    prefix = "refs/" + unquote(request.params["ref"])
    refs = repository.git.refs(prefix)
    return Answer(200, [ref_json(context.urls, repository, r) for r in refs])


# The first route whose method and pattern match wins, so fixed names come first.
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("GET", re.compile(_REPO), "repos/get", _get_repository),
    ("GET", re.compile(f"{_REPO}/releases"), "repos/list-releases", _list_releases),
    ("POST", re.compile(f"{_REPO}/releases"), "repos/create-release", _create_release),
    (
        "POST",
        re.compile(f"{_REPO}/releases/generate-notes"),
        "repos/generate-release-notes",
        _generate_notes,
    ),
    (
        "GET",
        re.compile(f"{_REPO}/releases/latest"),
        "repos/get-latest-release",
        _get_latest,
    ),
    (
        "GET",
        re.compile(f"{_REPO}/releases/tags/(?P<tag>.+)"),
        "repos/get-release-by-tag",
        _get_release_by_tag,
    ),
    (
        "GET",
        re.compile(f"{_REPO}/releases/(?P<release_id>[^/]+)"),
        "repos/get-release",
        _get_release,
    ),
    (
        "PATCH",
        re.compile(f"{_REPO}/releases/(?P<release_id>[^/]+)"),
        "repos/update-release",
        _update_release,
    ),
    (
        "DELETE",
        re.compile(f"{_REPO}/releases/(?P<release_id>[^/]+)"),
        "repos/delete-release",
        _delete_release,
    ),
    ("GET", re.compile(f"{_REPO}/git/ref/(?P<ref>.+)"), "git/get-ref", _get_ref),
    (
        "GET",
        re.compile(f"{_REPO}/git/matching-refs/(?P<ref>.+)"),
        "git/list-matching-refs",
        _matching_refs,
    ),
]


def route(method: str, path: str) -> tuple[str, dict[str, str], Handler] | None:
    """Return the operation, path parameters and handler for a request, if any."""
    for route_method, pattern, operation, handler in ROUTES:
        match = pattern.fullmatch(path)
        if route_method == method and match:
            return operation, match.groupdict(), handler
    return None
