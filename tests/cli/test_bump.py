from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Runner

PROJECT = """\
[tool.poetry]
name = "lib-ml"
version = "1.2.3"  # the next, unreleased version
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("patch", "1.2.4"),
        ("minor", "1.3.0"),
        ("major", "2.0.0"),
        ("prerelease", "1.2.3a1"),
        ("2.0.0rc1", "2.0.0rc1"),
    ],
)
def test_bump_writes_and_prints(
    run: Runner, write_project: Callable[..., Path], target: str, expected: str
) -> None:
    folder = write_project(PROJECT)
    path = folder / "pyproject.toml"

    result = run("bump", target, "--path", str(folder))

    assert (result.exit_code, result.stdout) == (0, f"{expected}\n")
    assert result.stderr == f"bumped 1.2.3 -> {expected} in {path}\n"
    assert path.read_text() == PROJECT.replace("1.2.3", expected)


def test_dry_run_writes_nothing(
    run: Runner, write_project: Callable[..., Path]
) -> None:
    folder = write_project(PROJECT)
    path = folder / "pyproject.toml"

    result = run("bump", "minor", "--path", str(folder), "--dry-run")

    assert (result.exit_code, result.stdout) == (0, "1.3.0\n")
    assert result.stderr == f"would bump 1.2.3 -> 1.3.0 in {path}\n"
    assert path.read_text() == PROJECT


def test_quiet_keeps_the_data(run: Runner, write_project: Callable[..., Path]) -> None:
    folder = write_project(PROJECT)
    result = run("-q", "bump", "patch", "--path", str(folder), "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "version": "1.2.4",
        "previous_version": "1.2.3",
    }


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["release"],
            4,
            "1.2.3 is already a final version; bump patch, minor or major instead",
        ),
        (
            ["1.0.0"],
            4,
            "requested version 1.0.0 is not greater than the current "
            "version 1.2.3; pass a higher version",
        ),
        (
            ["sideways"],
            4,
            "'sideways' is neither a bump kind (patch, minor, major, "
            "prerelease, release) nor a PEP 440 version; pass one of those",
        ),
        (
            ["1!3.0"],
            4,
            "requested version '1!3.0' has an epoch, which cannot become "
            "a tag; drop the 'N!' prefix",
        ),
    ],
)
def test_refused_bumps_leave_the_file_alone(
    run: Runner,
    write_project: Callable[..., Path],
    args: list[str],
    code: int,
    message: str,
) -> None:
    folder = write_project(PROJECT)
    result = run("bump", *args, "--path", str(folder))
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr == f"error: {message}\n"
    assert (folder / "pyproject.toml").read_text() == PROJECT


def test_unwritable_file(run: Runner, write_project: Callable[..., Path]) -> None:
    folder = write_project(PROJECT)
    path = folder / "pyproject.toml"
    path.chmod(0o444)

    result = run("bump", "patch", "--path", str(folder))

    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"error: cannot write {path}: the file is read-only; make it writable "
        "(chmod u+w pyproject.toml)\n"
    )
    assert path.read_text() == PROJECT


@pytest.mark.parametrize(
    ("settings", "expected"),
    [("", "1.2.4"), ('\n[tool.releasekit]\nbump_after_release = "minor"\n', "1.3.0")],
    ids=["default-patch", "configured-minor"],
)
def test_without_a_kind_the_configured_bump_applies(
    run: Runner, write_project: Callable[..., Path], settings: str, expected: str
) -> None:
    folder = write_project(PROJECT + settings)

    result = run("bump", "--path", str(folder))

    assert (result.exit_code, result.stdout) == (0, f"{expected}\n")
    assert (folder / "pyproject.toml").read_text() == (
        PROJECT.replace("1.2.3", expected) + settings
    )


def test_an_extra_argument_is_a_usage_error(run: Runner) -> None:
    result = run("bump", "patch", "minor")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Got unexpected extra argument(s) (minor); see "
        "'releasekit bump --help'\n"
    )


def test_unknown_command_is_a_usage_error(run: Runner) -> None:
    result = run("relase")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: No such command 'relase'")
