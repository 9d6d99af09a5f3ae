import math

import pytest
from lib_ml import CharTokenizer

from model_service.features import HANDCRAFTED, handcrafted_features, url_features


def test_handcrafted_features_of_a_phishing_url() -> None:
    url = "http://www.paypal.com@10.0.0.1/secure-login/verify"

    assert dict(zip(HANDCRAFTED, handcrafted_features(url), strict=True)) == {
        "length": 50 / 200,
        "digit_ratio": 5 / 50,
        "at_sign": 1.0,
        "ip_host": 1.0,
        "host_dots": 3 / 5,
        "host_hyphens": 0.0,
        "suspicious_words": 1.0,
        "https": 0.0,
    }


def test_handcrafted_features_of_a_plain_url() -> None:
    features = handcrafted_features("https://docs.python.org/3/")

    assert features == [26 / 200, 1 / 26, 0.0, 0.0, 2 / 5, 0.0, 0.0, 1.0]


def test_url_features_are_sorted_and_hashed_part_has_unit_length() -> None:
    tokenizer = CharTokenizer.fit(["https://example.com/"])

    vector = url_features("https://example.com/login", tokenizer, 1024)

    indexes = [i for i, _ in vector]
    assert indexes == sorted(indexes)
    hashed = [v for i, v in vector if i >= len(HANDCRAFTED)]
    assert math.isclose(math.fsum(v * v for v in hashed), 1.0)
    assert all(i < len(HANDCRAFTED) + 1024 for i in indexes)


def test_url_features_are_the_same_in_every_process() -> None:
    tokenizer = CharTokenizer.fit(["abc"])

    vector = url_features("abca", tokenizer, 64)

    # CRC-32 slots: fixed numbers, whatever PYTHONHASHSEED is.
    assert [i for i, _ in vector] == [0, 9, 16, 36, 52, 64]


@pytest.mark.parametrize(
    "url", ["", "@@@", "http://[::1", "http://", "x" * 5000, "\u2603://\u00e9.tk"]
)
def test_odd_urls_do_not_raise(url: str) -> None:
    tokenizer = CharTokenizer.fit(["https://example.com/"])

    assert isinstance(url_features(url, tokenizer, 128), list)
