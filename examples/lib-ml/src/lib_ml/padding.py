"""Bring integer sequences to one fixed length."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from lib_ml.tokenizer import PAD_INDEX

Side = Literal["pre", "post"]
SIDES = ("pre", "post")


def pad_sequences(
    sequences: Iterable[Sequence[int]],
    length: int,
    *,
    padding: Side = "pre",
    truncating: Side = "pre",
    value: int = PAD_INDEX,
) -> list[list[int]]:
    """Pad or cut each sequence to exactly `length` items.

    `padding` says on which side `value` is added to short sequences, `truncating`
    on which side long sequences lose items.
    """
    if length < 0:
        raise ValueError(f"length must be 0 or more, got {length}")
    if padding not in SIDES:
        raise ValueError(f"padding must be 'pre' or 'post', got {padding!r}")
    if truncating not in SIDES:
        raise ValueError(f"truncating must be 'pre' or 'post', got {truncating!r}")

    return [_fit(list(seq), length, padding, truncating, value) for seq in sequences]


def _fit(
    seq: list[int], length: int, padding: Side, truncating: Side, value: int
) -> list[int]:
    if len(seq) > length:
        return seq[len(seq) - length :] if truncating == "pre" else seq[:length]

    filler = [value] * (length - len(seq))
    return filler + seq if padding == "pre" else seq + filler
