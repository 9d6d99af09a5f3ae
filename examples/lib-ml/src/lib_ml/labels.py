"""Encode the two URL labels as integers."""

from __future__ import annotations

from collections.abc import Iterable

LEGITIMATE = "legitimate"
PHISHING = "phishing"
LABELS = (LEGITIMATE, PHISHING)


def encode_label(label: str) -> int:
    """Return 0 for `legitimate` and 1 for `phishing`; raise ValueError otherwise."""
    try:
        return LABELS.index(label)
    except ValueError:
        raise ValueError(
            f"unknown label {label!r}: expected 'legitimate' or 'phishing'"
        ) from None


def decode_label(index: int) -> str:
    """Return the label for 0 or 1; raise ValueError otherwise."""
    if isinstance(index, bool) or index not in (0, 1):
        raise ValueError(f"unknown label index {index!r}: expected 0 or 1")
    return LABELS[index]


def encode_labels(labels: Iterable[str]) -> list[int]:
    """Encode each label with `encode_label`."""
    return [encode_label(label) for label in labels]
