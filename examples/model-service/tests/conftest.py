from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from model_service.api import Service
from model_service.model import UrlClassifier
from model_service.server import ModelServer
from model_service.train import TrainingOptions, read_examples, train

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "data" / "urls.csv"


@pytest.fixture(scope="session")
def model() -> UrlClassifier:
    return train(read_examples(DATA), TrainingOptions())


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    """Sends one request per connection to a server on loopback."""

    port: int

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

    def predict(self, payload: object) -> Reply:
        return self.request("POST", "/predict", json.dumps(payload).encode())


def start_server(service: Service) -> tuple[ModelServer, threading.Thread]:
    server = ModelServer(("127.0.0.1", 0), service)
    # A short poll interval makes shutdown() quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def client(model: UrlClassifier) -> Iterator[Client]:
    server, thread = start_server(Service(model))
    yield Client(server.server_address[1])
    server.shutdown()
    server.server_close()
    thread.join()
