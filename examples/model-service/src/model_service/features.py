"""Turn a URL into a sparse feature vector: a few handcrafted signals plus hashed
character n-grams of the URL tokenized by lib-ml.

Hashing uses CRC-32, never Python's `hash()`, so feature indexes are the same in
every process.
"""

from __future__ import annotations

import ipaddress
import math
import zlib
from collections.abc import Sequence
from urllib.parse import urlsplit

from lib_ml import PAD_INDEX, CharTokenizer, pad_sequences

MAX_CHARS = 256
NGRAM_SIZES = (2, 3, 4)
SUSPICIOUS_WORDS = (
    "account",
    "banking",
    "billing",
    "confirm",
    "login",
    "password",
    "secure",
    "signin",
    "suspend",
    "unlock",
    "update",
    "verify",
    "webscr",
)
HANDCRAFTED = (
    "length",
    "digit_ratio",
    "at_sign",
    "ip_host",
    "host_dots",
    "host_hyphens",
    "suspicious_words",
    "https",
)

FeatureVector = list[tuple[int, float]]


def url_features(url: str, tokenizer: CharTokenizer, buckets: int) -> FeatureVector:
    """Return (index, value) pairs sorted by index.

    Indexes below `len(HANDCRAFTED)` are the handcrafted features; the n-grams
    follow in `buckets` hashed slots.
    """
    url = url.strip().lower()
    dense = [(i, v) for i, v in enumerate(handcrafted_features(url)) if v != 0.0]
    sequence = pad_sequences(
        [tokenizer.text_to_sequence(url)],
        MAX_CHARS,
        padding="post",
        truncating="post",
    )[0]

    offset = len(HANDCRAFTED)
    hashed = [(offset + i, v) for i, v in _hashed_ngrams(sequence, buckets).items()]
    return dense + sorted(hashed)


def handcrafted_features(url: str) -> list[float]:
    """Return the features named in HANDCRAFTED, each scaled to [0, 1]."""
    host = _host(url)
    digits = sum(char.isdigit() for char in url)
    words = sum(word in url for word in SUSPICIOUS_WORDS)

    return [
        min(len(url) / 200, 1.0),
        digits / len(url) if url else 0.0,
        1.0 if "@" in url else 0.0,
        1.0 if _is_ip(host) else 0.0,
        min(host.count(".") / 5, 1.0),
        min(host.count("-") / 4, 1.0),
        min(words / 3, 1.0),
        1.0 if url.startswith("https://") else 0.0,
    ]


def _host(url: str) -> str:
    if "://" not in url:
        url = "http://" + url
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _hashed_ngrams(sequence: Sequence[int], buckets: int) -> dict[int, float]:
    counts: dict[int, float] = {}
    for size in NGRAM_SIZES:
        for start in range(len(sequence) - size + 1):
            gram = sequence[start : start + size]
            if PAD_INDEX in gram:
                break
            key = f"{size}:" + ",".join(map(str, gram))
            slot = zlib.crc32(key.encode("ascii")) % buckets
            counts[slot] = counts.get(slot, 0.0) + 1.0

    # Scale to unit length so long URLs do not outweigh the handcrafted features.
    norm = math.sqrt(sum(v * v for v in counts.values()))
    return {slot: v / norm for slot, v in counts.items()} if norm else {}
