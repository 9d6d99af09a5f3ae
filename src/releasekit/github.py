"""GitHub's REST API for releases, through PyGithub, with a retry policy of our own.

PyGithub's default retry re-sends a POST on any 5xx, and GitHub sometimes creates
a release and still answers 5xx. So retries are off in PyGithub, and here only
what is safe is retried: reads, rate limits, and a create whose outcome is
uncertain, after looking the release up by its tag. Decisions rest on status
codes and ``errors[].code``, never on message text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from releasekit.errors import ForgeError

if TYPE_CHECKING:
    from github.GithubException import GithubException
    from github.GitRelease import GitRelease
    from github.Repository import Repository as GithubRepository

log = logging.getLogger(__name__)

API_URL = "https://api.github.com"

T = TypeVar("T")


@dataclass(frozen=True)
class Release:
    """A published GitHub release."""

    id: int
    tag: str
    url: str
    prerelease: bool


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry what is safe to retry."""

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0


class _Uncertain(Exception):
    """A create that may or may not have happened; look before retrying."""


class GitHub:
    """One repository's releases on GitHub (or GitHub Enterprise)."""

    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = API_URL,
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from github import Auth, Github

        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self.dry_run = dry_run
        self._say = say
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._client = Github(
            base_url=self.api_url,
            auth=Auth.Token(token),
            retry=None,
            timeout=30,
            seconds_between_requests=None,
            seconds_between_writes=None,
            # Objects are fetched only when read, so no call is made unasked.
            lazy=True,
        )
        self._repo: GithubRepository = self._client.get_repo(repository)
        self.requests = 0

    def check_access(self) -> None:
        """Prove with one request that the token is accepted and sees the repository."""
        self._call(self._repo.update, "read the repository")

    def find_release(self, tag: str) -> Release | None:
        """The published release of a tag, or None."""
        from github.GithubException import UnknownObjectException

        def lookup() -> Release | None:
            try:
                return _release(self._repo.get_release(tag))
            except UnknownObjectException:
                return None

        return self._call(lookup, f"look up the release of {tag}")

    def create_release(
        self, tag: str, *, sha: str, prerelease: bool, notes: str | None
    ) -> Release:
        """Create the release of an existing tag; ``notes=None`` lets GitHub write them.

        If the release turns out to exist already, that release is returned.
        """
        kind = "pre-release" if prerelease else "release"
        if self.dry_run:
            self._say(f"would create the GitHub {kind} {tag} for {sha[:12]}")
            return Release(0, tag, "", prerelease)

        def create() -> Release:
            return _release(
                self._repo.create_git_release(
                    tag,
                    name=tag,
                    message=notes or "",
                    prerelease=prerelease,
                    generate_release_notes=notes is None,
                    target_commitish=sha,
                    # Pre-releases can never be latest; PyGithub sends "true".
                    make_latest="false" if prerelease else "true",
                )
            )

        for attempt in range(self._policy.attempts):
            try:
                return self._call(create, f"create the {kind} {tag}", uncertain=True)
            except _Uncertain as uncertain:
                existing = self.find_release(tag)
                if existing is not None:
                    return existing
                if str(uncertain) == "exists":
                    raise ForgeError(
                        f"GitHub says {tag} already has a release, but no published "
                        "one: publish or delete its draft, then run again"
                    ) from uncertain
                if attempt + 1 == self._policy.attempts:
                    raise ForgeError(
                        f"GitHub failed to create the {kind} {tag} "
                        f"{self._policy.attempts} times; run again later"
                    ) from uncertain
                self._sleep(self._policy.backoff * 2.0**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    # The retry loop and the error mapping.

    def _call(
        self, action: Callable[[], T], doing: str, *, uncertain: bool = False
    ) -> T:
        import requests
        from github.GithubException import GithubException

        last = self._policy.attempts - 1
        for attempt in range(self._policy.attempts):
            self.requests += 1
            try:
                return action()
            except GithubException as err:
                if uncertain and _already_exists(err):
                    raise _Uncertain("exists") from err
                if uncertain and err.status >= 500:
                    raise _Uncertain("5xx") from err
                wait = self._wait(err, attempt)
                if wait is None or attempt == last:
                    raise self._error(err, doing) from err
            except requests.RequestException as err:
                if uncertain:
                    raise _Uncertain("connection") from err
                if attempt == last:
                    raise ForgeError(
                        f"cannot reach GitHub at {self.api_url} to {doing}: "
                        f"{type(err).__name__}; check the network and run again"
                    ) from err
                wait = self._policy.backoff * 2.0**attempt
            log.debug("retrying %s in %.1f s", doing, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, err: GithubException, attempt: int) -> float | None:
        headers = _headers(err)
        if err.status >= 500:
            return self._policy.backoff * 2.0**attempt
        if not _rate_limited(err.status, headers):
            return None
        retry_after = _seconds_until(headers.get("retry-after", ""), relative=True)
        reset = _seconds_until(headers.get("x-ratelimit-reset", ""), relative=False)
        if retry_after is not None:
            wait = max(retry_after, 0.0)
        elif headers.get("x-ratelimit-remaining") == "0" and reset is not None:
            wait = max(reset, 1.0)
        else:
            wait = 60.0
        return min(wait, self._policy.max_wait)

    def _error(self, err: GithubException, doing: str) -> ForgeError:
        status, headers = err.status, _headers(err)
        if status == 401:
            return ForgeError(
                f"GitHub rejected the token (401) trying to {doing}; check that "
                "GITHUB_TOKEN holds a valid token"
            )
        if _rate_limited(status, headers):
            return ForgeError(
                f"GitHub's rate limit stopped the attempt to {doing} ({status}); "
                "run again later"
            )
        if status == 403:
            needed = headers.get("x-accepted-github-permissions")
            hint = f" (it needs {needed})" if needed else ""
            return ForgeError(
                f"GitHub refused to let the token {doing} (403){hint}; give the "
                "job 'permissions: contents: write'"
            )
        if status == 404:
            return ForgeError(
                f"GitHub has no repository {self.repository} that the token can see "
                f"(404) trying to {doing}; check GITHUB_REPOSITORY and the token"
            )
        if status == 422 and _error_field(err) == "pre_receive":
            return ForgeError(
                f"a repository ruleset refused to let GitHub {doing} (422); add the "
                "releasing token's actor to the ruleset's bypass list"
            )
        if status >= 500:
            return ForgeError(
                f"GitHub failed to {doing} ({status}) {self._policy.attempts} times; "
                "run again later"
            )
        return ForgeError(f"GitHub refused to {doing} ({status}); see the logs with -v")


def _release(release: GitRelease) -> Release:
    return Release(
        id=release.id,
        tag=release.tag_name,
        url=release.html_url,
        prerelease=release.prerelease,
    )


def _headers(err: GithubException) -> dict[str, str]:
    return {str(key).lower(): str(value) for key, value in (err.headers or {}).items()}


def _rate_limited(status: int, headers: dict[str, str]) -> bool:
    if status == 429:
        return True
    return status == 403 and (
        "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
    )


def _seconds_until(value: str, *, relative: bool) -> float | None:
    """Seconds to wait from a header: a number (of seconds, or epoch) or a date."""
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return number if relative else number - time.time()

    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def _errors(err: GithubException) -> list[dict[str, Any]]:
    data = err.data if isinstance(err.data, dict) else {}
    errors = data.get("errors") or []
    return [item for item in errors if isinstance(item, dict)]


def _already_exists(err: GithubException) -> bool:
    return err.status == 422 and any(
        item.get("code") == "already_exists" for item in _errors(err)
    )


def _error_field(err: GithubException) -> str | None:
    fields = [item.get("field") for item in _errors(err)]
    return str(fields[0]) if fields else None
