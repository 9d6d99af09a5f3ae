"""Faults the GitHub stand-in can inject, and the requests they match."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before"
    " you try again. If you reach out to GitHub Support for help, please include"
    " the request ID {request_id}."
)
PRIMARY_LIMIT = "API rate limit exceeded for installation ID 1000001."
RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
)


@dataclass(frozen=True)
class Fault:
    """One way a request can go wrong; build them with the class methods."""

    kind: Literal["status", "drop", "slow"]
    code: int | None = None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    after_effect: bool = False
    delay: float = 0.0
    # A primary rate limit sets x-ratelimit-remaining to 0 and the reset this far ahead.
    reset_in: float | None = None

    @classmethod
    def status(
        cls,
        code: int,
        *,
        after_effect: bool = False,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer ``code`` (with a GitHub-style error body unless given one)."""
        if body is None:
            phrase = "Server Error" if code == 500 else HTTPStatus(code).phrase
            body = {"message": phrase}
        return cls("status", code, body, dict(headers or {}), after_effect)

    @classmethod
    def rate_limit(cls, code: int = 403, *, retry_after: int = 1) -> Fault:
        """Answer a secondary rate limit (403 or 429) with ``Retry-After``."""
        body = {"message": SECONDARY_LIMIT, "documentation_url": RATE_LIMIT_DOCS}
        return cls("status", code, body, {"Retry-After": str(retry_after)})

    @classmethod
    def primary_rate_limit(cls, *, reset_in: float = 1.0) -> Fault:
        """Answer 403 with ``x-ratelimit-remaining: 0`` and reset ``reset_in`` ahead."""
        body = {"message": PRIMARY_LIMIT, "documentation_url": RATE_LIMIT_DOCS}
        return cls("status", 403, body, {}, reset_in=reset_in)

    @classmethod
    def drop(cls, *, after_effect: bool = False) -> Fault:
        """Close the connection without any response."""
        return cls("drop", after_effect=after_effect)

    @classmethod
    def slow(cls, seconds: float, *, after_effect: bool = True) -> Fault:
        """Wait ``seconds`` before answering normally (after or before the effect)."""
        return cls("slow", delay=seconds, after_effect=after_effect)


@dataclass
class Injection:
    """A fault waiting for requests that match a method and a path."""

    method: str
    path: str | re.Pattern[str]
    fault: Fault
    remaining: int | None  # None: every matching request, forever

    def matches(self, method: str, raw_path: str, decoded_path: str) -> bool:
        """Tell whether a request (path without query) is one this fault is for."""
        if self.method.upper() != method or self.remaining == 0:
            return False
        if isinstance(self.path, re.Pattern):
            return any(self.path.fullmatch(p) for p in (raw_path, decoded_path))
        return self.path in (raw_path, decoded_path)


class FaultPlan:
    """The injected faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._injections: list[Injection] = []
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        path: str | re.Pattern[str],
        fault: Fault,
        times: int | None = 1,
    ) -> Injection:
        injection = Injection(method, path, fault, times)
        with self._lock:
            self._injections.append(injection)
        return injection

    def take(self, method: str, raw_path: str, decoded_path: str) -> Fault | None:
        """Return the fault for this request, using up one of its times."""
        with self._lock:
            for injection in self._injections:
                if injection.matches(method, raw_path, decoded_path):
                    if injection.remaining is not None:
                        injection.remaining -= 1
                    return injection.fault
        return None

    def pending(self) -> list[Injection]:
        """Return the injections that could still fire."""
        with self._lock:
            return [i for i in self._injections if i.remaining != 0]
