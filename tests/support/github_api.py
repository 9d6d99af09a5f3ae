"""A stand-in for GitHub's REST API (repositories, releases, tags) on 127.0.0.1.

Releases are kept in memory; tags are read from and created in each repository's
bare git repository, so git and the API always agree, as on GitHub. Faults can be
injected per method and path, and every exchange is recorded.

Run it as a process for the demo::

    python tests/support/github_api.py --port 0 --token TOKEN \\
        --repo owner/name=/path/to/bare.git --ready-file FILE
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.github_faults import Fault, FaultPlan, Injection
from tests.support.github_render import Urls, release_json
from tests.support.github_routes import Answer, Context, Handler, Request, route
from tests.support.github_state import DOCS, ApiError, Repository, State

__all__ = ["Exchange", "Fault", "GitHubServer", "Injection", "main"]

RATE_LIMIT = 5000
_WRITES = {"POST", "PATCH", "PUT", "DELETE"}


@dataclass(frozen=True)
class Exchange:
    """One request and what the stand-in did with it."""

    method: str
    path: str  # as sent, without the query; tags stay percent-encoded
    query: dict[str, list[str]]
    request_headers: dict[str, str]
    request_json: Any
    status: int | None  # None when the connection was dropped
    response_headers: dict[str, str]
    response_json: Any
    operation: str | None  # the OpenAPI operationId the route implements
    fault: Fault | None = None
    effect_applied: bool = False
    sequence: int = 0  # the order of arrival


class GitHubServer:
    """Serve GitHub's releases and tags API for registered repositories."""

    def __init__(
        self,
        *,
        tokens: tuple[str, ...] = ("ghs_standin_token",),
        read_only_tokens: tuple[str, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        web_url: str = "https://github.com",
    ) -> None:
        self.tokens = set(tokens)
        self.read_only_tokens = set(read_only_tokens)
        self.state = State()
        self.faults = FaultPlan()
        self._address = (host, port)
        self._web_url = web_url
        self._lock = threading.RLock()
        self._exchanges: list[Exchange] = []
        self._arrivals = itertools.count(1)
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._used = 0
        self._reset_at = int(time.time()) + 3600
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.on_exchange: Callable[[Exchange], None] | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> GitHubServer:
        """Listen on a free port (unless one was given) in a background thread."""
        self._httpd = _HTTPServer(self._address, _RequestHandler)
        self._httpd.github = self
        # A short poll interval keeps stop() from waiting half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="github-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the API root to give PyGithub as ``base_url``."""
        if self._httpd is None:
            raise RuntimeError("the GitHub stand-in is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def urls(self) -> Urls:
        return Urls(api=self.url, web=self._web_url)

    # -- set-up and inspection -------------------------------------------------

    def add_repository(
        self, full_name: str, bare_path: Path | str, *, immutable_releases: bool = False
    ) -> Repository:
        """Serve ``owner/name`` from the bare git repository at ``bare_path``."""
        with self._lock:
            return self.state.add_repository(
                full_name, Path(bare_path), immutable_releases=immutable_releases
            )

    def inject(
        self,
        *,
        method: str,
        path: str | re.Pattern[str],
        fault: Fault,
        times: int | None = 1,
    ) -> Injection:
        """Make the next ``times`` requests to ``method path`` fail with ``fault``.

        ``path`` is compared with the path as sent and as percent-decoded, without
        the query; a compiled pattern must match one of them whole.
        """
        return self.faults.add(method, path, fault, times)

    @property
    def exchanges(self) -> list[Exchange]:
        """Return every finished exchange so far, in the order requests arrived."""
        with self._lock:
            return sorted(self._exchanges, key=lambda e: e.sequence)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (slow faults finish late)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError(f"requests still in flight after {timeout} s")

    def requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[Exchange]:
        """Return the exchanges with this method and/or path (as sent)."""
        return [
            e
            for e in self.exchanges
            if (method is None or e.method == method)
            and (path is None or e.path == path)
        ]

    def clear_log(self) -> None:
        """Forget the exchanges recorded so far."""
        with self._lock:
            self._exchanges.clear()

    def releases(self, full_name: str) -> list[dict[str, Any]]:
        """Return the repository's releases as the API shows them, newest first."""
        with self._lock:
            repository = self._repository(full_name)
            return [
                release_json(self.urls, repository, r) for r in repository.ordered()
            ]

    def latest_release_id(self, full_name: str) -> int | None:
        """Return the id of the release marked latest, if any."""
        with self._lock:
            return self._repository(full_name).latest_id

    def tags(self, full_name: str) -> dict[str, str]:
        """Return the tags of the repository's bare repository, name to commit SHA."""
        repository = self._repository(full_name)
        return {tag.name: tag.commit_sha for tag in repository.git.tags()}

    def _repository(self, full_name: str) -> Repository:
        owner, _, name = full_name.partition("/")
        return self.state.repository(owner, name, "repos/get")

    # -- request handling ------------------------------------------------------

    def arrive(self) -> int:
        with self._lock:
            self._in_flight += 1
            return next(self._arrivals)

    def leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)
        if self.on_exchange is not None:
            self.on_exchange(exchange)

    def rate_headers(
        self, remaining: int | None = None, reset: int | None = None
    ) -> dict[str, str]:
        with self._lock:
            self._used += 1
            left = max(RATE_LIMIT - self._used, 0) if remaining is None else remaining
            return {
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(left),
                "X-RateLimit-Reset": str(reset or self._reset_at),
                "X-RateLimit-Used": str(RATE_LIMIT - left),
                "X-RateLimit-Resource": "core",
            }

    def authorize(
        self, method: str, headers: dict[str, str], operation: str | None
    ) -> None:
        """Refuse a missing or unknown token (401), a read-only one on writes (403)."""
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if not value:
            raise ApiError(401, "Requires authentication")
        if scheme.lower() not in ("token", "bearer") or (
            token not in self.tokens and token not in self.read_only_tokens
        ):
            raise ApiError(401, "Bad credentials")
        if token in self.read_only_tokens and method in _WRITES:
            raise ApiError(
                403,
                "Resource not accessible by integration",
                operation,
                headers={"X-Accepted-GitHub-Permissions": "contents=write"},
            )

    def answer(self, request: Request, handler: Handler) -> Answer:
        """Apply a routed request to the state and return GitHub's answer."""
        with self._lock:
            params = request.params
            repository = self.state.repository(
                unquote(params["owner"]), unquote(params["repo"]), request.operation
            )
            return handler(Context(self.state, self.urls), repository, request)


# -- HTTP ------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    github: GitHubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, a dropped connection) is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        github = self.server.github
        sequence = github.arrive()
        try:
            self._serve(github, sequence)
        finally:
            github.leave()

    def _serve(self, github: GitHubServer, sequence: int) -> None:
        method = self.command
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        routed = route(method, path)
        operation = routed[0] if routed else None
        fault = github.faults.take(method, path, unquote(path))

        def finish(answer: Answer | None, applied: bool) -> None:
            # Record before answering, so a client never sees its answer unlogged.
            sent = self._headers(answer) if answer else {}
            github.record(
                Exchange(
                    method=method,
                    path=path,
                    query=query,
                    request_headers=headers,
                    request_json=_parse(raw),
                    status=answer.status if answer else None,
                    response_headers=sent,
                    response_json=answer.body if answer else None,
                    operation=operation,
                    fault=fault,
                    effect_applied=applied,
                    sequence=sequence,
                )
            )
            if answer is None:
                self._drop()
            else:
                self._send(answer, sent)

        if fault is not None and not fault.after_effect:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "drop":
                finish(None, False)
                return
            else:
                finish(self._fault_answer(fault), False)
                return

        answer, applied = self._apply(method, path, query, headers, raw, routed)
        if fault is not None and fault.after_effect:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "drop":
                finish(None, applied)
                return
            else:
                answer = self._fault_answer(fault)
        finish(answer, applied)

    def _apply(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw: bytes,
        routed: tuple[str, dict[str, str], Handler] | None,
    ) -> tuple[Answer, bool]:
        github = self.server.github
        operation = routed[0] if routed else None
        try:
            github.authorize(method, headers, operation)
            if routed is None:
                raise ApiError(404, "Not Found")
            body = _parse(raw)
            if raw and body is None:
                raise ApiError(400, "Problems parsing JSON", operation)
            request = Request(method, path, query, body, routed[1], routed[0])
            answer = github.answer(request, routed[2])
        except ApiError as error:
            answer = Answer(error.status, error.body(), dict(error.headers))
            return answer, False
        return answer, method in _WRITES and answer.status < 300

    def _fault_answer(self, fault: Fault) -> Answer:
        github = self.server.github
        body = fault.body
        if isinstance(body, dict):
            body = {"documentation_url": DOCS, **body, "status": str(fault.code)}
            body["message"] = body["message"].format(request_id=self._request_id)
        headers = dict(fault.headers)
        if fault.reset_in is not None:
            reset = int(time.time() + fault.reset_in)
            headers.update(github.rate_headers(remaining=0, reset=reset))
        assert fault.code is not None
        return Answer(fault.code, body, headers)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    @property
    def _request_id(self) -> str:
        if not hasattr(self, "_rid"):
            self._rid = uuid.uuid4().hex[:20].upper()
            self._rid = ":".join([self._rid[:4], self._rid[4:10], self._rid[10:]])
        return self._rid

    def _headers(self, answer: Answer) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": self._request_id,
            **self.server.github.rate_headers(),
            **answer.headers,
        }
        if answer.body is None:
            headers.pop("Content-Type")
        return headers

    def _send(self, answer: Answer, headers: dict[str, str]) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


# -- command line ----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the stand-in until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--token", action="append", required=True, help="accepted token"
    )
    parser.add_argument("--read-only-token", action="append", default=[])
    parser.add_argument(
        "--repo", action="append", default=[], metavar="OWNER/NAME=BARE_PATH"
    )
    parser.add_argument("--ready-file", type=Path, help="write the API URL here")
    parser.add_argument("--log-file", type=Path, help="append each exchange as JSON")
    args = parser.parse_args(argv)

    server = GitHubServer(
        tokens=tuple(args.token),
        read_only_tokens=tuple(args.read_only_token),
        host=args.host,
        port=args.port,
    )
    for spec in args.repo:
        full_name, _, path = spec.partition("=")
        server.add_repository(full_name, Path(path))
    if args.log_file:
        server.on_exchange = lambda e: _append_json(args.log_file, exchange_json(e))

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server.start()
    if args.ready_file:
        temporary = args.ready_file.with_name(args.ready_file.name + ".tmp")
        temporary.write_text(server.url + "\n")
        temporary.replace(args.ready_file)
    print(f"GitHub stand-in listening on {server.url}", file=sys.stderr)
    stopped.wait()
    server.stop()
    return 0


def exchange_json(exchange: Exchange) -> dict[str, Any]:
    """Return an exchange as a JSON-ready dict (the fault as its kind and code)."""
    fault = exchange.fault
    return {
        "method": exchange.method,
        "path": exchange.path,
        "query": exchange.query,
        "request_json": exchange.request_json,
        "status": exchange.status,
        "response_json": exchange.response_json,
        "operation": exchange.operation,
        "fault": None if fault is None else {"kind": fault.kind, "code": fault.code},
        "effect_applied": exchange.effect_applied,
    }


def _append_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(data) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
