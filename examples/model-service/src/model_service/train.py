"""Train the URL classifier on a labelled CSV file and write the model as JSON.

    python -m model_service.train --data data/urls.csv --out model/model.json

Training is deterministic: the same data and options give a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lib_ml import CharTokenizer, encode_label

from model_service.features import FeatureVector, url_features
from model_service.model import UrlClassifier, sigmoid

Example = tuple[str, int]


@dataclass(frozen=True)
class TrainingOptions:
    """Settings of one training run; all of them are recorded in the model."""

    seed: int = 7
    epochs: int = 15
    learning_rate: float = 0.5
    l2: float = 1e-4
    buckets: int = 2**14
    heldout_percent: int = 20


def read_examples(path: str | Path) -> list[Example]:
    """Read `url,label` rows; raise ValueError naming the line of a bad row."""
    with Path(path).open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        if next(reader, None) != ["url", "label"]:
            raise ValueError(f"{path}: the first line must be the header `url,label`")

        examples = []
        for row in reader:
            if len(row) != 2 or not row[0]:
                raise ValueError(f"{path}:{reader.line_num}: expected `url,label`")
            try:
                examples.append((row[0], encode_label(row[1])))
            except ValueError as err:
                raise ValueError(f"{path}:{reader.line_num}: {err}") from err
    return examples


def split_heldout(
    examples: Sequence[Example], percent: int
) -> tuple[list[Example], list[Example]]:
    """Split into (training, held-out) by a CRC-32 of each URL.

    A URL always lands on the same side, whatever the order of the file.
    """
    heldout = [e for e in examples if zlib.crc32(e[0].encode("utf-8")) % 100 < percent]
    kept = [e for e in examples if zlib.crc32(e[0].encode("utf-8")) % 100 >= percent]
    return kept, heldout


def fit(examples: Sequence[Example], options: TrainingOptions) -> UrlClassifier:
    """Fit a tokenizer and a logistic regression with plain SGD."""
    tokenizer = CharTokenizer.fit(url for url, _ in examples)
    vectors = [url_features(url, tokenizer, options.buckets) for url, _ in examples]
    targets = [label for _, label in examples]
    bias, weights = _sgd(vectors, targets, options)

    # Rounding keeps the file small; the rounded weights are the model.
    rounded = {i: round(w, 6) for i, w in sorted(weights.items()) if round(w, 6)}
    return UrlClassifier(tokenizer, options.buckets, round(bias, 6), rounded)


def _sgd(
    vectors: Sequence[FeatureVector], targets: Sequence[int], options: TrainingOptions
) -> tuple[float, dict[int, float]]:
    rng = random.Random(options.seed)
    order = list(range(len(vectors)))
    bias, weights = 0.0, dict[int, float]()

    for epoch in range(options.epochs):
        rng.shuffle(order)
        rate = options.learning_rate / (1 + epoch)
        for n in order:
            score = bias + sum(weights.get(i, 0.0) * v for i, v in vectors[n])
            error = sigmoid(score) - targets[n]
            bias -= rate * error
            for i, v in vectors[n]:
                w = weights.get(i, 0.0)
                weights[i] = w - rate * (error * v + options.l2 * w)
    return bias, weights


def accuracy(model: UrlClassifier, examples: Sequence[Example]) -> float:
    """Return the share of `examples` that `model` labels correctly."""
    if not examples:
        return 0.0
    right = sum(int(model.probability(url) >= 0.5) == label for url, label in examples)
    return right / len(examples)


def train(examples: Sequence[Example], options: TrainingOptions) -> UrlClassifier:
    """Train on all but the held-out share and record the held-out accuracy."""
    kept, heldout = split_heldout(examples, options.heldout_percent)
    model = fit(kept, options)

    training = {
        **asdict(options),
        "training_examples": len(kept),
        "heldout_examples": len(heldout),
        "heldout_accuracy": round(accuracy(model, heldout), 4),
    }
    return UrlClassifier(
        model.tokenizer, model.buckets, model.bias, model.weights, training
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Train from the command line; print the training summary as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m model_service.train", description="Train the URL classifier."
    )
    parser.add_argument("--data", type=Path, default=Path("data/urls.csv"))
    parser.add_argument("--out", type=Path, default=Path("model/model.json"))
    parser.add_argument("--seed", type=int, default=TrainingOptions.seed)
    parser.add_argument("--epochs", type=int, default=TrainingOptions.epochs)
    args = parser.parse_args(argv)

    try:
        examples = read_examples(args.data)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

    started = time.perf_counter()
    model = train(examples, TrainingOptions(seed=args.seed, epochs=args.epochs))
    seconds = time.perf_counter() - started
    model.save(args.out)

    print(
        f"trained on {model.training['training_examples']} URLs in {seconds:.2f} s; "
        f"held-out accuracy {model.training['heldout_accuracy']:.4f} "
        f"on {model.training['heldout_examples']} URLs; wrote {args.out}",
        file=sys.stderr,
    )
    print(json.dumps({"model_version": model.version, **model.training}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
