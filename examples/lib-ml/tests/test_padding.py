import pytest

from lib_ml import pad_sequences


def test_pads_before_by_default() -> None:
    assert pad_sequences([[1, 2], [3]], 3) == [[0, 1, 2], [0, 0, 3]]


def test_pads_after() -> None:
    assert pad_sequences([[1, 2]], 4, padding="post") == [[1, 2, 0, 0]]


def test_truncates_from_the_front_by_default() -> None:
    assert pad_sequences([[1, 2, 3, 4]], 2) == [[3, 4]]


def test_truncates_from_the_back() -> None:
    assert pad_sequences([[1, 2, 3, 4]], 2, truncating="post") == [[1, 2]]


def test_exact_length_is_unchanged_and_copied() -> None:
    original = [5, 6]

    padded = pad_sequences([original], 2)
    padded[0].append(7)

    assert padded == [[5, 6, 7]]
    assert original == [5, 6]


def test_custom_value_and_zero_length() -> None:
    assert pad_sequences([[1]], 3, value=9) == [[9, 9, 1]]
    assert pad_sequences([[1, 2], []], 0) == [[], []]


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"^length must be 0 or more, got -1$"):
        pad_sequences([[1]], -1)
    with pytest.raises(
        ValueError, match=r"^padding must be 'pre' or 'post', got 'mid'$"
    ):
        pad_sequences([[1]], 1, padding="mid")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^truncating must be 'pre' or 'post'"):
        pad_sequences([[1]], 1, truncating="both")  # type: ignore[arg-type]
