"""The project's prepare command, run before an image build."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.errors import ImageError
from releasekit.publish import run_prepare


def test_prepare_runs_in_the_project_folder(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    said: list[str] = []
    command = ["sh", "-c", "mkdir wheels && echo built > wheels/list && echo done"]

    run_prepare(command, tmp_path, dry_run=False, say=said.append)

    assert (tmp_path / "wheels" / "list").read_text() == "built\n"
    assert said == [
        "running sh -c 'mkdir wheels && echo built > wheels/list && echo done'"
    ]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "done\n")


def test_a_failing_prepare_stops_the_build(tmp_path: Path) -> None:
    with pytest.raises(ImageError) as caught:
        run_prepare(["sh", "-c", "exit 3"], tmp_path, dry_run=False, say=print)
    assert caught.value.message == (
        "sh -c 'exit 3' exited with status 3; fix it, then run again"
    )


def test_a_missing_program_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImageError) as caught:
        run_prepare(["no-such-program"], tmp_path, dry_run=False, say=print)
    assert caught.value.message == (
        "cannot run no-such-program: No such file or directory; fix "
        "tool.releasekit.image.prepare"
    )


def test_dry_run_only_says_it(tmp_path: Path) -> None:
    said: list[str] = []
    run_prepare(["sh", "-c", "touch made"], tmp_path, dry_run=True, say=said.append)
    assert said == [f"would run sh -c 'touch made' in {tmp_path}"]
    assert list(tmp_path.iterdir()) == []


def test_no_command_does_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    run_prepare((), tmp_path, dry_run=False, say=said.append)
    assert said == []
