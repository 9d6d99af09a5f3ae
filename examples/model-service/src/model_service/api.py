"""The HTTP API as plain functions of a request, apart from any server.

Every answer is a `Response`; a bad request raises `RequestError`, which the
server turns into a 4xx JSON answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lib_ml import installed_version

from model_service.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from model_service.metrics import Metrics
from model_service.model import UrlClassifier

JSON_CONTENT_TYPE = "application/json"
MAX_BODY_BYTES = 16 * 1024
MAX_URL_CHARS = 2048

# The allowed method of each path.
ROUTES = {"/health": "GET", "/metrics": "GET", "/predict": "POST"}


@dataclass(frozen=True)
class Response:
    """An answer to send: status, body and the headers that go with it."""

    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = field(default=())


class RequestError(Exception):
    """Raised when a request is wrong; carries the 4xx status to answer with."""

    def __init__(
        self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers

    def to_response(self) -> Response:
        """Return the JSON error answer for this error."""
        return json_response(self.status, {"error": self.message}, self.headers)


def json_response(
    status: int, data: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """Return a JSON answer."""
    body = json.dumps(data, sort_keys=True).encode("utf-8")
    return Response(status, body, headers=headers)


def check_route(method: str, path: str) -> None:
    """Raise RequestError unless `path` exists and allows `method`."""
    if path not in ROUTES:
        raise RequestError(404, f"no such path: {path}")
    if method != ROUTES[path]:
        allowed = ROUTES[path]
        raise RequestError(
            405,
            f"method {method} is not allowed on {path}; use {allowed}",
            (("Allow", allowed),),
        )


class Service:
    """Answers the API's requests with one model and one set of metrics."""

    def __init__(self, model: UrlClassifier) -> None:
        self.model = model
        self.versions = {
            "service_version": installed_version("model-service"),
            "lib_ml_version": installed_version("lib-ml"),
            "model_version": model.version,
        }
        self.metrics = Metrics(self.versions)

    def respond(self, method: str, path: str, body: bytes) -> Response:
        """Answer a request whose route `check_route` has accepted."""
        if path == "/predict":
            return self.predict(parse_url(body))
        if path == "/metrics":
            return Response(200, self.metrics.render(), METRICS_CONTENT_TYPE)
        return json_response(200, {"status": "ok", **self.versions})

    def predict(self, url: str) -> Response:
        """Classify one URL."""
        prediction = self.model.predict(url)
        self.metrics.count_prediction(prediction.label)

        return json_response(
            200,
            {
                "url": url,
                "label": prediction.label,
                "probability": round(prediction.probability, 6),
                "model_version": self.versions["model_version"],
                "lib_ml_version": self.versions["lib_ml_version"],
            },
        )


def parse_url(body: bytes) -> str:
    """Return the `url` field of a JSON request body; raise RequestError if bad."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise RequestError(400, "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RequestError(400, "request body must be a JSON object")

    url = data.get("url")
    if url is None:
        raise RequestError(400, "field `url` is required")
    if not isinstance(url, str):
        raise RequestError(400, "field `url` must be a string")
    if not url.strip():
        raise RequestError(400, "field `url` must not be empty")
    if len(url) > MAX_URL_CHARS:
        raise RequestError(
            400, f"field `url` must be at most {MAX_URL_CHARS} characters"
        )
    return url
