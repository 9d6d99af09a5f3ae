import hashlib
import json
from pathlib import Path

import pytest
from lib_ml import CharTokenizer

from model_service.model import Prediction, UrlClassifier, sigmoid


def _tiny_model() -> UrlClassifier:
    return UrlClassifier(
        tokenizer=CharTokenizer.fit(["ab"]),
        buckets=16,
        bias=-0.5,
        weights={2: 1.25, 0: -3.0},
        training={"seed": 1},
    )


def test_json_is_compact_sorted_and_round_trips() -> None:
    model = _tiny_model()

    text = model.to_json()

    assert text == (
        '{"bias":-0.5,"buckets":16,"format":"model-service/url-classifier",'
        '"tokenizer":{"chars":["a","b"],"format":"lib-ml/char-tokenizer",'
        '"lower":true,"version":1},"training":{"seed":1},"version":1,'
        '"weights":[[0,-3.0],[2,1.25]]}\n'
    )
    assert UrlClassifier.from_json(text) == model


def test_save_creates_the_folder_and_load_reads_it_back(tmp_path: Path) -> None:
    path = tmp_path / "model" / "model.json"

    _tiny_model().save(path)

    assert UrlClassifier.load(path) == _tiny_model()


def test_version_is_a_digest_of_the_file() -> None:
    model = _tiny_model()

    digest = hashlib.sha256(model.to_json().encode("utf-8")).hexdigest()
    assert model.version == f"sha256:{digest[:12]}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "other"}, "not a model file: expected format "),
        (
            {"format": "model-service/url-classifier", "version": 9},
            "unsupported model version 9: this model-service reads version 1",
        ),
        (
            {"format": "model-service/url-classifier", "version": 1},
            "model file is damaged: KeyError('tokenizer')",
        ),
    ],
)
def test_load_rejects_other_files(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError) as info:
        UrlClassifier.load(path)

    assert str(info.value).startswith(f"{path}: {message}")


def test_predict_uses_the_threshold(model: UrlClassifier) -> None:
    phishing = model.predict("http://paypal.com.secure-login.tk/verify")
    legitimate = model.predict("https://en.wikipedia.org/wiki/Phishing")

    assert phishing.label == "phishing"
    assert phishing.probability > 0.9
    assert legitimate.label == "legitimate"
    assert legitimate.probability < 0.1
    assert isinstance(legitimate, Prediction)


def test_sigmoid_does_not_overflow() -> None:
    assert sigmoid(0.0) == 0.5
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(1000.0) == 1.0
