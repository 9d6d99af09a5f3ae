import http.client
import json
import logging
import socket
from importlib import metadata

import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from conftest import Client, Reply, start_server
from model_service.api import Response, Service
from model_service.model import UrlClassifier

PHISHING_URL = "http://paypal.com.secure-login.tk/verify"
LEGITIMATE_URL = "https://en.wikipedia.org/wiki/Phishing"
# The versions move with every release, so they are read rather than written here.
SERVICE_VERSION = metadata.version("model-service")
LIB_ML_VERSION = metadata.version("lib-ml")


def test_health_reports_versions(client: Client, model: UrlClassifier) -> None:
    reply = client.request("GET", "/health")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {
        "status": "ok",
        "service_version": SERVICE_VERSION,
        "lib_ml_version": LIB_ML_VERSION,
        "model_version": model.version,
    }


def test_query_string_is_ignored(client: Client) -> None:
    assert client.request("GET", "/health?probe=1").status == 200


@pytest.mark.parametrize(
    ("url", "label"), [(PHISHING_URL, "phishing"), (LEGITIMATE_URL, "legitimate")]
)
def test_predict_classifies_known_urls(
    client: Client, model: UrlClassifier, url: str, label: str
) -> None:
    reply = client.predict({"url": url})

    body = reply.json()
    assert reply.status == 200
    assert body == {
        "url": url,
        "label": label,
        "probability": round(model.probability(url), 6),
        "model_version": model.version,
        "lib_ml_version": LIB_ML_VERSION,
    }
    assert (body["probability"] >= 0.5) == (label == "phishing")


def _error(reply: Reply, status: int, message: str) -> None:
    assert reply.status == status
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body == json.dumps({"error": message}).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "request body is not valid JSON"),
        (b"\xff\xfe\xfd", "request body is not valid JSON"),
        (b"[" * 10_000, "request body is not valid JSON"),
        (b"", "request body is not valid JSON"),
        (b'["http://a.b"]', "request body must be a JSON object"),
        (b"{}", "field `url` is required"),
        (b'{"url": null}', "field `url` is required"),
        (b'{"url": 5}', "field `url` must be a string"),
        (b'{"url": ["http://a.b"]}', "field `url` must be a string"),
        (b'{"url": "  "}', "field `url` must not be empty"),
        (
            json.dumps({"url": "http://a.b/" + "x" * 2038}).encode(),
            "field `url` must be at most 2048 characters",
        ),
    ],
)
def test_bad_predict_bodies_are_400(client: Client, body: bytes, message: str) -> None:
    _error(client.request("POST", "/predict", body), 400, message)


def test_url_of_exactly_the_maximum_length_is_accepted(client: Client) -> None:
    url = "http://a.b/" + "x" * 2037

    assert client.predict({"url": url}).status == 200


def test_oversized_body_is_413_and_closes_the_connection(client: Client) -> None:
    body = json.dumps({"url": "x" * 16_400}).encode()

    reply = client.request("POST", "/predict", body)

    _error(reply, 413, "request body is larger than 16384 bytes")
    assert reply.headers["Connection"] == "close"


def _raw_post(client: Client, headers: dict[str, str], body: bytes = b"") -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
    try:
        conn.putrequest("POST", "/predict")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def test_missing_content_length_is_411(client: Client) -> None:
    _error(_raw_post(client, {}), 411, "Content-Length header is required")


def test_chunked_body_is_411(client: Client) -> None:
    reply = _raw_post(client, {"Transfer-Encoding": "chunked"}, b"0\r\n\r\n")

    _error(reply, 411, "send the body with Content-Length, not chunked")


@pytest.mark.parametrize("length", ["abc", "-1", "1_0", "\u00b2"])
def test_invalid_content_length_is_400(client: Client, length: str) -> None:
    reply = _raw_post(client, {"Content-Length": length})

    _error(reply, 400, "Content-Length header is not a valid length")


def test_unknown_path_is_404(client: Client) -> None:
    _error(client.request("GET", "/nope"), 404, "no such path: /nope")
    _error(client.request("POST", "/predict/"), 404, "no such path: /predict/")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/predict", "POST"),
        ("PUT", "/predict", "POST"),
        ("BREW", "/predict", "POST"),
        ("POST", "/health", "GET"),
        ("DELETE", "/metrics", "GET"),
    ],
)
def test_wrong_method_is_405(
    client: Client, method: str, path: str, allowed: str
) -> None:
    reply = client.request(method, path)

    _error(reply, 405, f"method {method} is not allowed on {path}; use {allowed}")
    assert reply.headers["Allow"] == allowed


def test_head_gets_headers_only(client: Client) -> None:
    reply = client.request("HEAD", "/health")

    assert reply.status == 405
    assert reply.headers["Allow"] == "GET"
    assert reply.body == b""


def test_request_the_base_server_cannot_parse_gets_json(client: Client) -> None:
    headers = "".join(f"X-{n}: {n}\r\n" for n in range(101))
    request = f"GET /health HTTP/1.1\r\n{headers}\r\n".encode()

    with socket.create_connection(("127.0.0.1", client.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert body == b'{"error": "Too many headers"}'


def test_keep_alive_serves_several_requests_on_one_connection(client: Client) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
    try:
        statuses = []
        for _ in range(3):
            conn.request("POST", "/predict", json.dumps({"url": LEGITIMATE_URL}))
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        conn.close()

    assert statuses == [200, 200, 200]


class _BrokenService(Service):
    def respond(self, method: str, path: str, body: bytes) -> Response:
        raise RuntimeError("secret detail")


def test_unexpected_error_is_500_without_details(
    model: UrlClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    server, thread = start_server(_BrokenService(model))
    try:
        with caplog.at_level(logging.ERROR, logger="model_service"):
            reply = Client(server.server_address[1]).request("GET", "/health")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    _error(reply, 500, "internal server error")
    assert [r.getMessage() for r in caplog.records] == ["failed to answer GET /health"]
    assert caplog.records[0].exc_info is not None


def test_metrics_count_requests_latency_and_predictions(
    client: Client, model: UrlClassifier
) -> None:
    client.request("GET", "/health")
    client.predict({"url": PHISHING_URL})
    client.predict({"url": LEGITIMATE_URL})
    client.predict({"url": LEGITIMATE_URL})
    client.predict({"url": ""})
    client.request("GET", "/nope")
    client.request("BREW", "/nope")

    reply = client.request("GET", "/metrics")

    lines = reply.body.decode().splitlines()
    assert reply.status == 200
    assert reply.headers["Content-Type"] == CONTENT_TYPE_LATEST
    for expected in [
        'model_service_http_requests_total{method="GET",path="/health",status="200"}'
        " 1.0",
        'model_service_http_requests_total{method="POST",path="/predict",status="200"}'
        " 3.0",
        'model_service_http_requests_total{method="POST",path="/predict",status="400"}'
        " 1.0",
        'model_service_http_requests_total{method="GET",path="other",status="404"} 1.0',
        'model_service_http_requests_total{method="other",path="other",status="404"}'
        " 1.0",
        'model_service_http_request_duration_seconds_count{path="/predict"} 4.0',
        'model_service_predictions_total{label="phishing"} 1.0',
        'model_service_predictions_total{label="legitimate"} 2.0',
        f'model_service_build_info{{lib_ml_version="{LIB_ML_VERSION}",'
        f'model_version="{model.version}",service_version="{SERVICE_VERSION}"}} 1.0',
    ]:
        assert expected in lines
