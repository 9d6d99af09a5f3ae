"""A character-level tokenizer for URLs, fitted on a corpus and stored as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAD_INDEX = 0
OOV_INDEX = 1
FIRST_CHAR_INDEX = 2

FILE_FORMAT = "lib-ml/char-tokenizer"
FILE_VERSION = 1


@dataclass(frozen=True)
class CharTokenizer:
    """Map characters to integer indexes; 0 is padding, 1 is out of vocabulary.

    `chars` holds the vocabulary in index order: `chars[0]` has index 2.
    """

    chars: tuple[str, ...]
    lower: bool = True
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for char in self.chars:
            if not isinstance(char, str) or len(char) != 1:
                raise ValueError(f"vocabulary entry {char!r} is not one character")
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("vocabulary has duplicate characters")

        index = {char: i for i, char in enumerate(self.chars, FIRST_CHAR_INDEX)}
        object.__setattr__(self, "_index", index)

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, lower: bool = True, max_chars: int | None = None
    ) -> CharTokenizer:
        """Build a vocabulary from `texts`, most frequent characters first.

        Ties are broken by code point, so the same corpus always gives the same
        tokenizer. `max_chars` keeps only that many characters.
        """
        if max_chars is not None and max_chars < 0:
            raise ValueError(f"max_chars must be 0 or more, got {max_chars}")

        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text.lower() if lower else text)

        ranked = sorted(counts, key=lambda char: (-counts[char], char))
        if max_chars is not None:
            ranked = ranked[:max_chars]
        return cls(chars=tuple(ranked), lower=lower)

    @property
    def vocabulary_size(self) -> int:
        """Return the number of indexes in use, padding and OOV included."""
        return len(self.chars) + FIRST_CHAR_INDEX

    def text_to_sequence(self, text: str) -> list[int]:
        """Turn one text into a list of character indexes."""
        if self.lower:
            text = text.lower()
        return [self._index.get(char, OOV_INDEX) for char in text]

    def texts_to_sequences(self, texts: Iterable[str]) -> list[list[int]]:
        """Turn each text into a list of character indexes."""
        return [self.text_to_sequence(text) for text in texts]

    def to_dict(self) -> dict[str, Any]:
        """Return the tokenizer as a JSON-ready dictionary."""
        return {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "lower": self.lower,
            "chars": list(self.chars),
        }

    @classmethod
    def from_dict(cls, data: Any) -> CharTokenizer:
        """Rebuild a tokenizer from `to_dict` output; raise ValueError if not one."""
        if not isinstance(data, dict):
            raise ValueError("tokenizer data must be a JSON object")
        if data.get("format") != FILE_FORMAT:
            raise ValueError(
                f"not a lib-ml tokenizer: format is {data.get('format')!r}, "
                f"expected {FILE_FORMAT!r}"
            )
        if data.get("version") != FILE_VERSION:
            raise ValueError(
                f"unsupported tokenizer version {data.get('version')!r}: "
                f"this lib-ml reads version {FILE_VERSION}"
            )

        lower, chars = data.get("lower"), data.get("chars")
        if not isinstance(lower, bool):
            raise ValueError("tokenizer field `lower` must be true or false")
        if not isinstance(chars, list):
            raise ValueError("tokenizer field `chars` must be a list")
        return cls(chars=tuple(chars), lower=lower)

    def to_json(self) -> str:
        """Return the tokenizer as JSON text; equal tokenizers give equal text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CharTokenizer:
        """Rebuild a tokenizer from `to_json` output; raise ValueError if not one."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"tokenizer is not valid JSON: {err}") from err
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the tokenizer to `path` as UTF-8 JSON."""
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> CharTokenizer:
        """Read a tokenizer written by `save`; raise ValueError if it is not one."""
        text = Path(path).read_text(encoding="utf-8")
        try:
            return cls.from_json(text)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from err
