"""The GitHub stand-in, driven through real PyGithub over real HTTP.

Every test using ``github_api`` also has its exchanges checked against GitHub's
OpenAPI description when it tears down.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    GithubRetry,
    RateLimitExceededException,
    UnknownObjectException,
)

from tests.support import openapi
from tests.support.github_api import Fault, GitHubServer
from tests.support.github_fixtures import (
    READ_ONLY_TOKEN,
    TOKEN,
    GitHubRepo,
    create_bare_repo,
    git,
)
from tests.support.openapi import Exchanged, check_exchanges, load

RELEASES = "/repos/octo-org/demo/releases"
DOCS = "https://docs.github.com/rest"
ALREADY_EXISTS = {
    "message": "Validation Failed",
    "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
    "documentation_url": f"{DOCS}/releases/releases#create-a-release",
    "status": "422",
}

Client = Callable[..., Github]


@pytest.fixture
def client(github_api: GitHubServer) -> Iterator[Client]:
    """Build PyGithub clients for the stand-in; few, immediate retries by default."""
    made: list[Github] = []

    def build(
        token: str = TOKEN,
        total: int = 2,
        max_rate_limit_wait: float | None = None,
        **kwargs: object,
    ) -> Github:
        retry = GithubRetry(
            total=total, backoff_factor=0, max_rate_limit_wait=max_rate_limit_wait
        )
        # PyGithub spaces requests out (0.25 s, 1 s for writes) unless told not to.
        settings: dict[str, object] = {
            "timeout": 15,
            "lazy": True,
            "seconds_between_requests": None,
            "seconds_between_writes": None,
            **kwargs,
        }
        github = Github(
            base_url=github_api.url,
            auth=Auth.Token(token),
            retry=retry,
            **settings,  # type: ignore[arg-type]
        )
        made.append(github)
        return github

    yield build
    for github in made:
        github.close()


def statuses(server: GitHubServer, method: str, path: str) -> list[int | None]:
    return [e.status for e in server.requests(method, path)]


# -- creating releases -----------------------------------------------------------


def test_create_release_attaches_to_an_existing_tag(
    github_repo: GitHubRepo, client: Client
) -> None:
    first = git(github_repo.work, "rev-parse", "HEAD~1")
    git(github_repo.work, "tag", "v1.0.0", first)
    git(github_repo.work, "push", "--quiet", "origin", "v1.0.0")
    repo = client().get_repo(github_repo.full_name)

    release = repo.create_git_release(
        "v1.0.0", name="v1.0.0", message="First", target_commitish="main"
    )

    assert github_repo.server.tags(github_repo.full_name) == {"v1.0.0": first}
    assert (release.tag_name, release.name, release.body) == (
        "v1.0.0",
        "v1.0.0",
        "First",
    )
    assert (release.draft, release.prerelease, release.target_commitish) == (
        False,
        False,
        "main",
    )
    exchange = github_repo.server.requests("POST", RELEASES)[0]
    assert exchange.status == 201
    assert exchange.response_headers["Location"] == release.url
    assert exchange.request_json == {
        "tag_name": "v1.0.0",
        "draft": False,
        "prerelease": False,
        "generate_release_notes": False,
        "name": "v1.0.0",
        "body": "First",
        "target_commitish": "main",
        "make_latest": "true",
    }


def test_create_release_creates_a_missing_tag_at_the_target_sha(
    github_repo: GitHubRepo, client: Client
) -> None:
    first = git(github_repo.work, "rev-parse", "HEAD~1")
    repo = client().get_repo(github_repo.full_name)

    repo.create_git_release("v0.1.0", name="v0.1.0", message="", target_commitish=first)

    assert github_repo.server.tags(github_repo.full_name) == {"v0.1.0": first}
    assert git(github_repo.work, "ls-remote", "--tags", "origin") == (
        f"{first}\trefs/tags/v0.1.0"
    )


def test_create_release_defaults_to_the_branch_head_at_request_time(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    head = github_repo.commit("Add the formatter")

    release = repo.create_git_release("v0.2.0", name="v0.2.0", message="")

    assert github_repo.server.tags(github_repo.full_name) == {"v0.2.0": head}
    assert release.target_commitish == "main"


def test_create_release_twice_answers_422_already_exists(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert type(caught.value) is GithubException
    assert caught.value.status == 422
    assert caught.value.data == ALREADY_EXISTS
    assert statuses(github_repo.server, "POST", RELEASES) == [201, 422]
    assert len(github_repo.server.releases(github_repo.full_name)) == 1


def test_create_release_at_an_unknown_target_answers_422_invalid(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="", message="", target_commitish="nope")

    assert caught.value.status == 422
    assert caught.value.data == {
        **ALREADY_EXISTS,
        "errors": [
            {"resource": "Release", "code": "invalid", "field": "target_commitish"}
        ],
    }
    assert github_repo.server.tags(github_repo.full_name) == {}


def test_prerelease_with_make_latest_false_leaves_latest_alone(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    stable = repo.create_git_release("v1.0.0", name="v1.0.0", message="")
    github_repo.commit("Start the login page")

    pre = repo.create_git_release(
        "v1.0.1a1-feature-login",
        name="v1.0.1a1-feature-login",
        message="",
        prerelease=True,
        make_latest="false",
    )

    assert pre.prerelease is True
    assert repo.get_latest_release().id == stable.id
    assert github_repo.server.latest_release_id(github_repo.full_name) == stable.id


def test_release_by_tag_finds_published_releases_only(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    draft = repo.create_git_release("v2.0.0", name="v2.0.0", message="", draft=True)

    with pytest.raises(UnknownObjectException) as caught:
        repo.get_release("v2.0.0")
    draft.update_release(name="v2.0.0", message="", draft=False)

    assert caught.value.status == 404
    assert caught.value.data == {
        "message": "Not Found",
        "documentation_url": f"{DOCS}/releases/releases#get-a-release-by-tag-name",
        "status": "404",
    }
    assert repo.get_release("v2.0.0").id == draft.id
    assert list(github_repo.server.tags(github_repo.full_name)) == ["v2.0.0"]


def test_tags_with_slashes_are_found_percent_encoded(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    repo.create_git_release("release/v1", name="release/v1", message="")

    found = repo.get_release("release/v1")
    ref = repo.get_git_ref("tags/release/v1")
    matching = [r.ref for r in repo.get_git_matching_refs("tags/release/")]

    assert found.tag_name == "release/v1"
    assert github_repo.server.requests("GET")[0].path == (
        f"{RELEASES}/tags/release%2Fv1"
    )
    assert ref.object.sha == git(github_repo.work, "rev-parse", "HEAD")
    assert matching == ["refs/tags/release/v1"]


def test_generated_notes_list_the_commit_subjects_since_the_previous_tag(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    repo.create_git_release("v1.0.0", name="v1.0.0", message="")
    sha = github_repo.commit("Fix the parser")

    notes = repo.generate_release_notes("v1.0.1")

    assert notes.name == "v1.0.1"
    assert notes.body == (
        "## What's Changed\n"
        f"* Fix the parser by Ada Lovelace in {sha[:7]}\n\n"
        "**Full Changelog**: https://github.com/octo-org/demo/compare/v1.0.0...v1.0.1"
    )


def test_list_update_and_delete_releases(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client(per_page=2).get_repo(github_repo.full_name)
    for tag in ("v1", "v2", "v3"):
        repo.create_git_release(tag, name=tag, message="")

    listed = [r.tag_name for r in repo.get_releases()]
    release = repo.get_release("v2")
    release.update_release(name="Second", message="Notes")
    release.delete_release()

    assert listed == ["v3", "v2", "v1"]
    assert [r["name"] for r in github_repo.server.releases(github_repo.full_name)] == [
        "v3",
        "v1",
    ]
    assert set(github_repo.server.tags(github_repo.full_name)) == {"v1", "v2", "v3"}
    page_two = github_repo.server.requests("GET", RELEASES)[1]
    assert page_two.query == {"per_page": ["2"], "page": ["2"]}


def test_racing_creates_for_one_tag_make_one_release(github_repo: GitHubRepo) -> None:
    server = github_repo.server
    url = f"{server.url}{RELEASES}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answers: list[int] = []

    def create() -> None:
        payload = {"tag_name": "v1.0.0", "make_latest": "true"}
        answers.append(requests.post(url, json=payload, headers=headers).status_code)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [201, 422, 422, 422]
    assert len(server.releases(github_repo.full_name)) == 1
    assert list(server.tags(github_repo.full_name)) == ["v1.0.0"]


def test_immutable_release_tag_cannot_get_another_release(
    github_api: GitHubServer, tmp_path: Path, client: Client
) -> None:
    bare, _ = create_bare_repo(tmp_path)
    github_api.add_repository("octo-org/locked", bare, immutable_releases=True)
    repo = client().get_repo("octo-org/locked")
    release = repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    release.delete_release()
    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert release.immutable is True
    assert caught.value.status == 422
    assert caught.value.data["errors"] == ALREADY_EXISTS["errors"]


def test_make_latest_legacy_picks_the_newest_full_release(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client().get_repo(github_repo.full_name)
    first = repo.create_git_release("v1", name="v1", message="")
    second = repo.create_git_release("v2", name="v2", message="", make_latest="false")

    latest_before = repo.get_latest_release().id
    first.update_release(name="v1", message="", make_latest="legacy")

    assert latest_before == first.id
    assert repo.get_latest_release().id == second.id


# -- tokens ----------------------------------------------------------------------


def test_bad_credentials_raise_bad_credentials_exception(
    github_repo: GitHubRepo, client: Client
) -> None:
    github = client(token="ghs_wrong")

    with pytest.raises(BadCredentialsException) as caught:
        github.get_repo(github_repo.full_name).get_release("v1.0.0")

    assert caught.value.status == 401
    assert caught.value.data == {
        "message": "Bad credentials",
        "documentation_url": DOCS,
        "status": "401",
    }


def test_read_only_token_answers_403_naming_the_permission(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client(token=READ_ONLY_TOKEN).get_repo(github_repo.full_name)

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert caught.value.status == 403
    assert caught.value.data == {
        "message": "Resource not accessible by integration",
        "documentation_url": f"{DOCS}/releases/releases#create-a-release",
        "status": "403",
    }
    exchange = github_repo.server.requests("POST", RELEASES)[0]
    assert (
        exchange.response_headers["X-Accepted-GitHub-Permissions"] == "contents=write"
    )
    assert statuses(github_repo.server, "POST", RELEASES) == [403]


def test_responses_carry_github_headers(
    github_repo: GitHubRepo, client: Client
) -> None:
    client(lazy=False).get_repo(github_repo.full_name)

    headers = github_repo.server.exchanges[0].response_headers

    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-RateLimit-Limit"] == "5000"
    assert headers["X-RateLimit-Resource"] == "core"
    assert (
        int(headers["X-RateLimit-Remaining"]) + int(headers["X-RateLimit-Used"]) == 5000
    )
    assert re.fullmatch(
        r"[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{10}", headers["X-GitHub-Request-Id"]
    )


def test_unknown_repository_answers_404(
    github_api: GitHubServer, client: Client
) -> None:
    with pytest.raises(UnknownObjectException) as caught:
        client(lazy=False).get_repo("octo-org/missing")

    assert caught.value.data == {
        "message": "Not Found",
        "documentation_url": f"{DOCS}/repos/repos#get-a-repository",
        "status": "404",
    }


# -- faults ----------------------------------------------------------------------


def test_502_after_the_effect_is_retried_into_already_exists(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(
        method="POST", path=RELEASES, fault=Fault.status(502, after_effect=True)
    )
    repo = client().get_repo(github_repo.full_name)

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    # PyGithub re-sent the POST; the first one had created the release.
    assert caught.value.data == ALREADY_EXISTS
    assert statuses(server, "POST", RELEASES) == [502, 422]
    assert server.requests("POST", RELEASES)[0].response_json == {
        "documentation_url": DOCS,
        "message": "Bad Gateway",
        "status": "502",
    }
    assert repo.get_release("v1.0.0").tag_name == "v1.0.0"


def test_502_before_the_effect_is_retried_into_success(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(method="POST", path=RELEASES, fault=Fault.status(502))
    repo = client().get_repo(github_repo.full_name)

    repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert statuses(server, "POST", RELEASES) == [502, 201]
    assert len(server.releases(github_repo.full_name)) == 1


def test_persistent_5xx_exhausts_the_retries_with_retry_error(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(method="POST", path=RELEASES, fault=Fault.status(503), times=None)
    repo = client(total=2).get_repo(github_repo.full_name)

    with pytest.raises(requests.exceptions.RetryError):
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert statuses(server, "POST", RELEASES) == [503, 503, 503]


def test_secondary_rate_limit_403_waits_for_retry_after(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(
        method="POST", path=RELEASES, fault=Fault.rate_limit(403, retry_after=1)
    )
    repo = client().get_repo(github_repo.full_name)

    started = time.monotonic()
    repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert time.monotonic() - started >= 1
    first = server.requests("POST", RELEASES)[0]
    assert (first.status, first.response_headers["Retry-After"]) == (403, "1")
    assert first.response_json["message"].startswith(
        "You have exceeded a secondary rate limit."
    )
    assert statuses(server, "POST", RELEASES) == [403, 201]


def test_429_with_retry_after_is_retried_and_without_it_is_not(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(
        method="POST", path=RELEASES, fault=Fault.rate_limit(429, retry_after=1)
    )
    server.inject(method="GET", path=f"{RELEASES}/latest", fault=Fault.status(429))
    repo = client().get_repo(github_repo.full_name)

    repo.create_git_release("v1.0.0", name="v1.0.0", message="")
    with pytest.raises(GithubException) as caught:
        repo.get_latest_release().tag_name  # noqa: B018 - completes the lazy object

    assert statuses(server, "POST", RELEASES) == [429, 201]
    assert caught.value.status == 429
    assert caught.value.data == {
        "documentation_url": DOCS,
        "message": "Too Many Requests",
        "status": "429",
    }


def test_primary_rate_limit_names_the_reset(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(
        method="POST", path=RELEASES, fault=Fault.primary_rate_limit(reset_in=30)
    )
    repo = client(max_rate_limit_wait=1).get_repo(github_repo.full_name)

    with pytest.raises(RateLimitExceededException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    headers = server.requests("POST", RELEASES)[0].response_headers
    assert headers["X-RateLimit-Remaining"] == "0"
    assert 25 <= int(headers["X-RateLimit-Reset"]) - time.time() <= 31
    assert caught.value.status == 403
    assert (
        caught.value.data["message"]
        == "API rate limit exceeded for installation ID 1000001."
    )


def test_dropped_connection_after_the_effect_is_retried_into_already_exists(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(method="POST", path=RELEASES, fault=Fault.drop(after_effect=True))
    repo = client().get_repo(github_repo.full_name)

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")

    assert caught.value.data == ALREADY_EXISTS
    dropped, retried = server.requests("POST", RELEASES)
    assert (dropped.status, dropped.effect_applied, retried.status) == (None, True, 422)


def test_dropped_connections_exhaust_the_retries_with_connection_error(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    path = f"{RELEASES}/tags/v1.0.0"
    server.inject(method="GET", path=path, fault=Fault.drop(), times=None)
    repo = client(total=1).get_repo(github_repo.full_name)

    with pytest.raises(requests.exceptions.ConnectionError):
        repo.get_release("v1.0.0")

    assert statuses(server, "GET", path) == [None, None]


def test_slow_answer_times_out_and_the_retry_finds_the_release(
    github_repo: GitHubRepo, client: Client
) -> None:
    server = github_repo.server
    server.inject(method="POST", path=re.compile(r".*/releases"), fault=Fault.slow(2))
    repo = client(timeout=1).get_repo(github_repo.full_name)

    with pytest.raises(GithubException) as caught:
        repo.create_git_release("v1.0.0", name="v1.0.0", message="")
    server.wait_idle()

    assert caught.value.data == ALREADY_EXISTS
    assert statuses(server, "POST", RELEASES) == [201, 422]
    assert server.faults.pending() == []


# -- the checker and the process -------------------------------------------------


def test_checker_reports_a_malformed_response_exactly() -> None:
    exchange = Exchanged(
        method="POST",
        path=RELEASES,
        query={},
        request_json={"tag_name": "v1.0.0", "draft": "no"},
        status=201,
        response_json={"id": "7", "tag_name": "v1.0.0", "created_at": "yesterday"},
    )

    problems = check_exchanges([exchange])

    label = f"POST {RELEASES} (repos/create-release)"
    missing = [
        "assets_url", "upload_url", "tarball_url", "zipball_url", "published_at",
        "draft", "node_id", "author", "html_url", "name", "prerelease",
        "target_commitish", "assets", "url",
    ]  # fmt: skip
    assert problems == [
        f"{label}: request body at $.draft: 'no' is not of type 'boolean'",
        *(
            f"{label}: response 201 body at $: {name!r} is a required property"
            for name in missing
        ),
        f"{label}: response 201 body at $.created_at: 'yesterday' is not a 'date-time'",
        f"{label}: response 201 body at $.id: '7' is not of type 'integer'",
    ]


def test_checker_rejects_undocumented_paths_statuses_and_parameters() -> None:
    exchanges = [
        Exchanged("GET", "/repos/o/r/relases", {}, None, 200, {}),
        Exchanged("GET", "/repos/o/r/releases/abc", {}, None, 418, {}),
        Exchanged("GET", "/repos/o/r/releases", {"per_page": ["x"]}, None, 200, []),
        Exchanged("DELETE", "/repos/o/r/releases/1", {}, None, 204, {"x": 1}),
    ]

    assert check_exchanges(exchanges) == [
        "GET /repos/o/r/relases: no operation of the description matches this method"
        " and path",
        "GET /repos/o/r/releases/abc (repos/get-release): path parameter 'release_id'"
        " must be an integer, got 'abc'",
        "GET /repos/o/r/releases/abc (repos/get-release): status 418 is not documented"
        " for the operation",
        "GET /repos/o/r/releases (repos/list-releases): query parameter 'per_page' must"
        " be an integer, got 'x'",
        "DELETE /repos/o/r/releases/1 (repos/delete-release): status 204 documents no"
        " body",
    ]


def test_every_exchange_of_a_full_session_conforms(
    github_repo: GitHubRepo, client: Client
) -> None:
    repo = client(lazy=False).get_repo(github_repo.full_name)
    release = repo.create_git_release(
        "v1", name="v1", message="", generate_release_notes=True
    )
    repo.get_release("v1")
    repo.get_latest_release().tag_name  # noqa: B018 - completes the lazy object
    repo.get_release(release.id).tag_name  # noqa: B018
    repo.generate_release_notes("v2", previous_tag_name="v1")
    release.update_release(name="One", message="", prerelease=True, make_latest="false")
    with pytest.raises(UnknownObjectException):
        repo.get_latest_release().tag_name  # noqa: B018
    [r.ref for r in repo.get_git_matching_refs("tags/")]
    release.delete_release()

    exchanges = github_repo.server.exchanges
    release_path = f"{RELEASES}/{release.id}"
    assert [(e.method, e.path, e.status) for e in exchanges] == [
        ("GET", "/repos/octo-org/demo", 200),
        ("POST", RELEASES, 201),
        ("GET", f"{RELEASES}/tags/v1", 200),
        ("GET", f"{RELEASES}/latest", 200),
        ("GET", release_path, 200),
        ("POST", f"{RELEASES}/generate-notes", 200),
        ("PATCH", release_path, 200),
        ("GET", f"{RELEASES}/latest", 404),
        ("GET", "/repos/octo-org/demo/git/matching-refs/tags%2F", 200),
        ("DELETE", release_path, 204),
    ]
    assert check_exchanges(exchanges) == []


def test_description_loads_once_per_process() -> None:
    assert load() is load()


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    bare, _ = create_bare_repo(tmp_path)
    ready, log = tmp_path / "ready", tmp_path / "exchanges.jsonl"
    script = Path(__file__).with_name("github_api.py")
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--token", TOKEN,
         "--repo", f"octo-org/demo={bare}", "--ready-file", str(ready),
         "--log-file", str(log)],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = ready.read_text().strip()
        with Github(base_url=url, auth=Auth.Token(TOKEN), retry=0) as github:
            name = github.get_repo("octo-org/demo").full_name
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)

    assert name == "octo-org/demo"
    assert process.returncode == 0
    assert stderr == f"GitHub stand-in listening on {url}\n"
    recorded = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in recorded] == [
        ("GET", "/repos/octo-org/demo", 200)
    ]
    assert openapi.main([str(log)]) == 0
