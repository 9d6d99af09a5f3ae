"""The URL classifier: logistic regression over `features.url_features`."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib_ml import CharTokenizer, decode_label

from model_service.features import url_features

FILE_FORMAT = "model-service/url-classifier"
FILE_VERSION = 1
THRESHOLD = 0.5


@dataclass(frozen=True)
class Prediction:
    """A label and the probability that the URL is phishing."""

    label: str
    probability: float


@dataclass(frozen=True)
class UrlClassifier:
    """Weights of a trained model, with the tokenizer it was trained with."""

    tokenizer: CharTokenizer
    buckets: int
    bias: float
    weights: Mapping[int, float]
    training: Mapping[str, Any] = field(default_factory=dict)

    def probability(self, url: str) -> float:
        """Return the probability that `url` is a phishing URL."""
        score = self.bias + sum(
            self.weights.get(index, 0.0) * value
            for index, value in url_features(url, self.tokenizer, self.buckets)
        )
        return sigmoid(score)

    def predict(self, url: str) -> Prediction:
        """Classify `url`; a probability of 0.5 or more means phishing."""
        probability = self.probability(url)
        return Prediction(decode_label(int(probability >= THRESHOLD)), probability)

    def to_json(self) -> str:
        """Return the model as JSON text; equal models give identical text."""
        data = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "tokenizer": self.tokenizer.to_dict(),
            "buckets": self.buckets,
            "bias": self.bias,
            "weights": [[i, w] for i, w in sorted(self.weights.items())],
            "training": dict(self.training),
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> UrlClassifier:
        """Rebuild a model from `to_json` output; raise ValueError if it is not one."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"model is not valid JSON: {err}") from err
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise ValueError(f"not a model file: expected format {FILE_FORMAT!r}")
        if data.get("version") != FILE_VERSION:
            raise ValueError(
                f"unsupported model version {data.get('version')!r}: "
                f"this model-service reads version {FILE_VERSION}"
            )

        try:
            return cls(
                tokenizer=CharTokenizer.from_dict(data["tokenizer"]),
                buckets=int(data["buckets"]),
                bias=float(data["bias"]),
                weights={int(i): float(w) for i, w in data["weights"]},
                training=dict(data["training"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"model file is damaged: {err!r}") from err

    def save(self, path: str | Path) -> None:
        """Write the model to `path`, creating its folder."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> UrlClassifier:
        """Read a model written by `save`; raise ValueError if it is not one."""
        text = Path(path).read_text(encoding="utf-8")
        try:
            return cls.from_json(text)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from err

    @property
    def version(self) -> str:
        """Return a short digest of the model file, which names this exact model."""
        digest = hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
        return f"sha256:{digest[:12]}"


def sigmoid(score: float) -> float:
    """Return the logistic function of `score`, without overflow."""
    if score >= 0:
        return 1.0 / (1.0 + math.exp(-score))
    exp = math.exp(score)
    return exp / (1.0 + exp)
