import json
from pathlib import Path

import pytest

from lib_ml import OOV_INDEX, PAD_INDEX, CharTokenizer


def test_fit_orders_characters_by_frequency_then_code_point() -> None:
    tokenizer = CharTokenizer.fit(["abca", "cb"])

    assert tokenizer.chars == ("a", "b", "c")
    assert tokenizer.vocabulary_size == 5


def test_fit_lowercases_by_default() -> None:
    assert CharTokenizer.fit(["AaB"]).chars == ("a", "b")
    assert CharTokenizer.fit(["AaB"], lower=False).chars == ("A", "B", "a")


def test_fit_keeps_only_max_chars() -> None:
    assert CharTokenizer.fit(["aaabbc"], max_chars=2).chars == ("a", "b")


def test_fit_rejects_negative_max_chars() -> None:
    with pytest.raises(ValueError, match=r"^max_chars must be 0 or more, got -1$"):
        CharTokenizer.fit(["a"], max_chars=-1)


def test_fit_is_independent_of_corpus_order() -> None:
    urls = ["https://example.com/a", "http://10.0.0.1/login", "ftp://x.org"]

    assert CharTokenizer.fit(urls) == CharTokenizer.fit(reversed(urls))


def test_padding_and_oov_indexes() -> None:
    assert (PAD_INDEX, OOV_INDEX) == (0, 1)


def test_texts_to_sequences_maps_unknown_characters_to_oov() -> None:
    tokenizer = CharTokenizer.fit(["abc"])

    assert tokenizer.texts_to_sequences(["cab", "AZ", ""]) == [[4, 2, 3], [2, 1], []]


def test_case_sensitive_tokenizer_keeps_case() -> None:
    tokenizer = CharTokenizer.fit(["a"], lower=False)

    assert tokenizer.text_to_sequence("aA") == [2, 1]


def test_constructor_rejects_bad_vocabulary() -> None:
    with pytest.raises(
        ValueError, match=r"^vocabulary entry 'ab' is not one character$"
    ):
        CharTokenizer(chars=("ab",))
    with pytest.raises(ValueError, match=r"^vocabulary has duplicate characters$"):
        CharTokenizer(chars=("a", "a"))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    tokenizer = CharTokenizer.fit(["https://exämple.com/ü?q=1", "http://a.b/\u2603"])
    path = tmp_path / "tokenizer.json"

    tokenizer.save(path)
    loaded = CharTokenizer.load(path)

    assert loaded == tokenizer
    assert loaded.to_json() == path.read_text(encoding="utf-8")


def test_saved_file_has_stable_content(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"

    CharTokenizer.fit(["ba"]).save(path)

    assert json.loads(path.read_text(encoding="utf-8")) == {
        "chars": ["a", "b"],
        "format": "lib-ml/char-tokenizer",
        "lower": True,
        "version": 1,
    }


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_rejects_wrong_format(tmp_path: Path) -> None:
    path = _write(
        tmp_path, {"format": "keras", "version": 1, "lower": True, "chars": []}
    )

    with pytest.raises(ValueError) as info:
        CharTokenizer.load(path)

    assert str(info.value) == (
        f"{path}: not a lib-ml tokenizer: format is 'keras', "
        "expected 'lib-ml/char-tokenizer'"
    )


def test_load_rejects_other_version(tmp_path: Path) -> None:
    data = {"format": "lib-ml/char-tokenizer", "version": 2, "lower": True, "chars": []}
    path = _write(tmp_path, data)

    with pytest.raises(ValueError) as info:
        CharTokenizer.load(path)

    assert str(info.value) == (
        f"{path}: unsupported tokenizer version 2: this lib-ml reads version 1"
    )


def test_load_rejects_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(ValueError, match=r"tokenizer is not valid JSON"):
        CharTokenizer.load(path)


def test_load_rejects_json_that_is_not_an_object(tmp_path: Path) -> None:
    path = _write(tmp_path, ["a"])

    with pytest.raises(ValueError) as info:
        CharTokenizer.load(path)

    assert str(info.value) == f"{path}: tokenizer data must be a JSON object"


def test_load_rejects_bad_fields(tmp_path: Path) -> None:
    base = {"format": "lib-ml/char-tokenizer", "version": 1}

    with pytest.raises(ValueError, match=r"field `lower` must be true or false$"):
        CharTokenizer.from_dict({**base, "lower": "yes", "chars": []})
    with pytest.raises(ValueError, match=r"field `chars` must be a list$"):
        CharTokenizer.from_dict({**base, "lower": True, "chars": "abc"})
    with pytest.raises(ValueError, match=r"^vocabulary entry 3 is not one character$"):
        CharTokenizer.from_dict({**base, "lower": True, "chars": [3]})
