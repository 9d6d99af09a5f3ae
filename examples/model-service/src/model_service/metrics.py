"""Prometheus metrics of one server, kept in their own registry."""

from __future__ import annotations

from collections.abc import Mapping

from lib_ml import LABELS
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    generate_latest,
)

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Request counts, request latency and predictions by label."""

    def __init__(self, build: Mapping[str, str]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "model_service_http_requests",
            "HTTP requests answered, by path, method and status.",
            ("path", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "model_service_http_request_duration_seconds",
            "Time to answer an HTTP request, by path.",
            ("path",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "model_service_predictions",
            "URLs classified, by predicted label.",
            ("label",),
            registry=self.registry,
        )
        Info(
            "model_service_build",
            "Versions of the service, lib-ml and the model.",
            registry=self.registry,
        ).info(dict(build))

        for label in LABELS:
            self.predictions.labels(label=label)

    def observe_request(
        self, path: str, method: str, status: int, seconds: float
    ) -> None:
        """Count one answered request and record how long it took."""
        self.requests.labels(path=path, method=method, status=str(status)).inc()
        self.latency.labels(path=path).observe(seconds)

    def count_prediction(self, label: str) -> None:
        """Count one classified URL."""
        self.predictions.labels(label=label).inc()

    def render(self) -> bytes:
        """Return all metrics in the Prometheus text format."""
        return generate_latest(self.registry)
