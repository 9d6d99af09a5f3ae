import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import DATA, PROJECT


def test_script_rebuilds_the_committed_sample(tmp_path: Path) -> None:
    out = tmp_path / "urls.csv"

    subprocess.run(
        [sys.executable, PROJECT / "scripts" / "make_dataset.py", "--out", out],
        check=True,
        capture_output=True,
    )

    assert out.read_bytes() == DATA.read_bytes()


def test_sample_is_balanced_and_distinct() -> None:
    with DATA.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))

    assert Counter(row["label"] for row in rows) == {"legitimate": 250, "phishing": 250}
    assert len({row["url"] for row in rows}) == 500
