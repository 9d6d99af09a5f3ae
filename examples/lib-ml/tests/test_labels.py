import pytest

from lib_ml import LABELS, decode_label, encode_label, encode_labels


def test_labels_and_their_codes() -> None:
    assert LABELS == ("legitimate", "phishing")
    assert encode_labels(["phishing", "legitimate", "phishing"]) == [1, 0, 1]
    assert [decode_label(0), decode_label(1)] == ["legitimate", "phishing"]


def test_unknown_label_is_an_error() -> None:
    with pytest.raises(ValueError) as info:
        encode_label("Phishing")

    assert str(info.value) == (
        "unknown label 'Phishing': expected 'legitimate' or 'phishing'"
    )


def test_unknown_index_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^unknown label index 2: expected 0 or 1$"):
        decode_label(2)
    with pytest.raises(ValueError, match=r"^unknown label index True"):
        decode_label(True)
