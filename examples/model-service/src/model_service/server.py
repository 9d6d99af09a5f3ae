"""Serve the API with the standard library's threading HTTP server.

PORT=8080 MODEL_PATH=model/model.json python -m model_service
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from model_service.api import (
    MAX_BODY_BYTES,
    ROUTES,
    RequestError,
    Response,
    Service,
    check_route,
    json_response,
)
from model_service.model import UrlClassifier

logger = logging.getLogger("model_service")

DEFAULT_PORT = "8080"
DEFAULT_MODEL_PATH = "model/model.json"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ModelServer(ThreadingHTTPServer):
    """A threading HTTP server that answers with one `Service`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        super().__init__(address, RequestHandler)
        self.service = service


class RequestHandler(BaseHTTPRequestHandler):
    """Turn each HTTP request into a call of the service."""

    server: ModelServer
    server_version = "model-service"
    protocol_version = "HTTP/1.1"
    timeout = 30

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method reaches the same handler, so an unknown one gets a JSON 405
        # instead of the base class's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        started = time.perf_counter()
        path = urlsplit(self.path).path
        self._body_read = False

        try:
            check_route(self.command, path)
            body = self._read_body() if self.command == "POST" else b""
            response = self.server.service.respond(self.command, path, body)
        except RequestError as err:
            response = err.to_response()
        except (TimeoutError, ConnectionError):
            raise
        except Exception:
            logger.exception("failed to answer %s %s", self.command, path)
            response = json_response(500, {"error": "internal server error"})

        self._send(response)
        self._record(path, response.status, time.perf_counter() - started)

    def _read_body(self) -> bytes:
        if "Transfer-Encoding" in self.headers:
            raise RequestError(411, "send the body with Content-Length, not chunked")
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise RequestError(411, "Content-Length header is required")
        if not (raw.isascii() and raw.isdigit()):
            raise RequestError(400, "Content-Length header is not a valid length")
        if int(raw) > MAX_BODY_BYTES:
            raise RequestError(
                413, f"request body is larger than {MAX_BODY_BYTES} bytes"
            )

        body = self.rfile.read(int(raw))
        self._body_read = True
        if len(body) < int(raw):
            raise RequestError(400, "request body is shorter than its Content-Length")
        return body

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        # A body left unread would be taken for the next request on the connection.
        if not self._body_read and self._declares_body():
            self.send_header("Connection", "close")
        self.end_headers()

        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _declares_body(self) -> bool:
        length = self.headers.get("Content-Length", "0").strip()
        return "Transfer-Encoding" in self.headers or length not in ("", "0")

    def _record(self, path: str, status: int, seconds: float) -> None:
        route = path if path in ROUTES else "other"
        method = self.command if self.command in KNOWN_METHODS else "other"
        self.server.service.metrics.observe_request(route, method, status, seconds)
        logger.info(
            '%s "%s %s" %d %.1f ms',
            self.client_address[0],
            self.command,
            path,
            status,
            seconds * 1000,
        )

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """Answer a request the base class could not parse, in JSON."""
        self.log_error("code %d, message %s", code, message)
        text = message or self.responses.get(code, ("request failed",))[0]
        body = json_response(code, {"error": text}).body

        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing here: `_record` logs one line per answered request."""

    def log_message(self, format: str, *args: object) -> None:
        """Send the base class's messages to the package logger."""
        logger.warning("%s: %s", self.address_string(), format % args)


def main() -> int:
    """Serve on PORT (default 8080) with the model at MODEL_PATH."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    host = os.environ.get("HOST", "0.0.0.0")
    port = os.environ.get("PORT", DEFAULT_PORT)
    model_path = os.environ.get("MODEL_PATH", DEFAULT_MODEL_PATH)

    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        print(
            f"error: PORT must be a number from 1 to 65535, got {port!r}",
            file=sys.stderr,
        )
        return 2
    try:
        service = Service(UrlClassifier.load(model_path))
        server = ModelServer((host, int(port)), service)
    except (OSError, ValueError) as err:
        print(f"error: cannot start: {err}", file=sys.stderr)
        return 1

    # shutdown() waits for serve_forever() to return, so it cannot run in the
    # signal handler, which interrupts that same loop.
    signal.signal(
        signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start()
    )
    logger.info(
        "serving on %s:%s with model %s (%s)",
        host,
        port,
        model_path,
        service.versions["model_version"],
    )
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
