"""The GitHub adapter's retry policy and error mapping, against the stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.errors import ForgeError
from releasekit.github import GitHub, RetryPolicy
from tests.support.github_api import GitHubServer
from tests.support.github_faults import Fault
from tests.support.github_fixtures import TOKEN
from tests.support.gitrepos import make_origin

REPOSITORY = "octo-org/lib-ml"
REPO_PATH = f"/repos/{REPOSITORY}"


@pytest.fixture
def forge(github_api: GitHubServer, tmp_path: Path) -> tuple[GitHub, list[float]]:
    origin = make_origin(tmp_path, {"README.md": "x\n"})
    github_api.add_repository(REPOSITORY, origin.path)
    waits: list[float] = []
    adapter = GitHub(
        REPOSITORY,
        TOKEN,
        api_url=github_api.url,
        policy=RetryPolicy(attempts=3, backoff=0.5, max_wait=30),
        sleep=waits.append,
    )
    return adapter, waits


def _statuses(server: GitHubServer) -> list[int | None]:
    server.wait_idle()
    return [exchange.status for exchange in server.exchanges]


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        (Fault.rate_limit(403, retry_after=7), [7.0]),
        (Fault.rate_limit(429, retry_after=90), [30.0]),
        (Fault.status(502), [0.5]),
        (
            Fault.status(
                429,
                body={"message": "slow down"},
                headers={"Retry-After": "Wed, 21 Oct 2065 07:28:00 GMT"},
            ),
            [30.0],
        ),
        (Fault.drop(), [0.5]),
    ],
    ids=["secondary-403", "429-capped", "502", "429-http-date", "dropped"],
)
def test_reads_are_retried_after_the_right_wait(
    forge: tuple[GitHub, list[float]],
    github_api: GitHubServer,
    fault: Fault,
    waits: list[float],
) -> None:
    adapter, slept = forge
    github_api.inject(method="GET", path=REPO_PATH, fault=fault)

    adapter.check_access()

    assert slept == waits
    assert _statuses(github_api)[-1] == 200
    assert adapter.requests == 2


def test_primary_rate_limit_waits_for_the_reset(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, slept = forge
    github_api.inject(
        method="GET", path=REPO_PATH, fault=Fault.primary_rate_limit(reset_in=5)
    )

    adapter.check_access()

    assert len(slept) == 1
    assert 1.0 <= slept[0] <= 6.0


def test_server_errors_give_up_after_the_attempts(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, slept = forge
    github_api.inject(method="GET", path=REPO_PATH, fault=Fault.status(500), times=3)

    with pytest.raises(ForgeError) as caught:
        adapter.check_access()

    assert caught.value.message == (
        "GitHub failed to read the repository (500) 3 times; run again later"
    )
    assert slept == [0.5, 1.0]


def test_a_permission_403_is_not_retried(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, slept = forge
    github_api.inject(
        method="POST",
        path=f"{REPO_PATH}/releases",
        fault=Fault.status(
            403,
            body={"message": "Resource not accessible by integration"},
            headers={"X-Accepted-GitHub-Permissions": "contents=write"},
        ),
    )

    with pytest.raises(ForgeError) as caught:
        adapter.create_release("v1.0.0", sha="main", prerelease=False, notes="n")

    assert caught.value.message == (
        "GitHub refused to let the token create the release v1.0.0 (403) (it needs "
        "contents=write); give the job 'permissions: contents: write'"
    )
    assert slept == []
    assert _statuses(github_api) == [403]


def test_a_ruleset_refusal_says_what_to_change(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, _ = forge
    body = {
        "message": "Repository rule violations found",
        "errors": [
            {
                "resource": "Release",
                "code": "custom",
                "field": "pre_receive",
                "message": "Cannot create ref due to creations being restricted.",
            }
        ],
    }
    github_api.inject(
        method="POST", path=f"{REPO_PATH}/releases", fault=Fault.status(422, body=body)
    )

    with pytest.raises(ForgeError) as caught:
        adapter.create_release("v1.0.0", sha="main", prerelease=False, notes="n")

    assert caught.value.message == (
        "a repository ruleset refused to let GitHub create the release v1.0.0 (422); "
        "add the releasing token's actor to the ruleset's bypass list"
    )


def test_an_existing_release_is_returned_not_duplicated(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, _ = forge
    first = adapter.create_release("v1.0.0", sha="main", prerelease=False, notes="n")

    second = adapter.create_release("v1.0.0", sha="main", prerelease=False, notes="n")

    assert second == first
    assert _statuses(github_api) == [201, 422, 200]
    assert len(github_api.releases(REPOSITORY)) == 1


def test_lookup_of_a_missing_release(
    forge: tuple[GitHub, list[float]], github_api: GitHubServer
) -> None:
    adapter, _ = forge
    assert adapter.find_release("v9.9.9") is None
    assert adapter.find_release("v1.0.0a1-feature/x") is None
    assert [e.path for e in github_api.exchanges] == [
        f"{REPO_PATH}/releases/tags/v9.9.9",
        f"{REPO_PATH}/releases/tags/v1.0.0a1-feature%2Fx",
    ]
