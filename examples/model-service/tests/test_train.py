import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA
from model_service.model import UrlClassifier
from model_service.train import (
    TrainingOptions,
    accuracy,
    main,
    read_examples,
    split_heldout,
)

ACCURACY_THRESHOLD = 0.95


def test_heldout_accuracy_is_above_the_threshold(model: UrlClassifier) -> None:
    examples = read_examples(DATA)
    _, heldout = split_heldout(examples, 20)

    assert accuracy(model, heldout) >= ACCURACY_THRESHOLD
    assert model.training["heldout_accuracy"] == round(accuracy(model, heldout), 4)
    assert model.training["heldout_examples"] == len(heldout) == 104
    assert model.training["training_examples"] == 396


def test_training_records_its_options(model: UrlClassifier) -> None:
    assert model.training["seed"] == TrainingOptions.seed
    assert model.training["epochs"] == TrainingOptions.epochs
    assert model.buckets == TrainingOptions.buckets


def test_split_does_not_depend_on_row_order() -> None:
    examples = read_examples(DATA)

    kept, heldout = split_heldout(examples, 20)
    kept_reversed, heldout_reversed = split_heldout(examples[::-1], 20)

    assert sorted(kept) == sorted(kept_reversed)
    assert sorted(heldout) == sorted(heldout_reversed)
    assert not set(kept) & set(heldout)


def _train_in_subprocess(out: Path, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    args = ["-m", "model_service.train", "--data", str(DATA), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def test_training_twice_gives_a_byte_identical_file(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    summary = _train_in_subprocess(first, "1")
    _train_in_subprocess(second, "2")

    assert first.read_bytes() == second.read_bytes()
    model = UrlClassifier.load(first)
    assert json.loads(summary)["model_version"] == model.version


def test_main_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model" / "model.json"

    code = main(["--data", str(DATA), "--out", str(out)])

    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert code == 0
    assert summary["heldout_examples"] == 104
    assert summary["model_version"] == UrlClassifier.load(out).version
    assert captured.err.startswith("trained on 396 URLs in ")
    assert captured.err.endswith(f" on 104 URLs; wrote {out}\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("link,kind\n", ": the first line must be the header `url,label`"),
        ("url,label\nhttp://a.b,legitimate\nhttp://c.d\n", ":3: expected `url,label`"),
        (
            "url,label\nhttp://a.b,spam\n",
            ":2: unknown label 'spam': expected 'legitimate' or 'phishing'",
        ),
    ],
)
def test_bad_data_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    data = tmp_path / "urls.csv"
    data.write_text(content, encoding="utf-8")

    code = main(["--data", str(data), "--out", str(tmp_path / "model.json")])

    assert code == 1
    assert capsys.readouterr().err == f"error: {data}{message}\n"
    assert not (tmp_path / "model.json").exists()


def test_missing_data_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "m")])

    assert code == 1
    assert capsys.readouterr().err.startswith("error: [Errno 2] No such file")
