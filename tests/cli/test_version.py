from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Runner

PROJECT = '[project]\nname = "lib-ml"\nversion = "1.2.3-rc.1"\n'


def test_prints_the_normalised_version_alone(
    run: Runner, write_project: Callable[..., Path]
) -> None:
    folder = write_project(PROJECT)
    result = run("version", "--path", str(folder))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "1.2.3rc1\n", "")


def test_json(run: Runner, write_project: Callable[..., Path]) -> None:
    folder = write_project(PROJECT)
    result = run("version", "--path", str(folder), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "version": "1.2.3rc1",
        "tag": "v1.2.3rc1",
        "is_prerelease": "true",
    }


def test_tag_format_comes_from_the_config(
    run: Runner, write_project: Callable[..., Path]
) -> None:
    folder = write_project(
        PROJECT + '[tool.releasekit]\ntag_format = "rel-{version}"\n'
    )
    result = run("version", "--path", str(folder), "--json")
    assert json.loads(result.stdout)["tag"] == "rel-1.2.3rc1"


def test_step_outputs_inside_actions(
    run: Runner,
    write_project: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = write_project('[project]\nname = "x"\nversion = "2.0.0"\n')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))

    result = run("version", "--path", str(folder))

    assert result.stdout == "2.0.0\n"
    written = (tmp_path / "out").read_text().splitlines()
    assert [line for index, line in enumerate(written) if index % 3 == 1] == [
        "2.0.0",
        "v2.0.0",
        "false",
    ]


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        (
            None,
            3,
            "no pyproject.toml in {folder}; run releasekit in the project "
            "folder or pass --path",
        ),
        (
            '[project]\nversion = "1.2.3-SNAPSHOT"\n',
            4,
            "project.version "
            "'1.2.3-SNAPSHOT' is not a valid PEP 440 version; use a form such as 1.2.3,"
            " 1.2.3a1 or 1.2.3rc1",
        ),
        (
            "[project]\nversion = 1.2\n",
            3,
            "{folder}/pyproject.toml: project.version "
            'must be a string, not a float; write it in quotes, e.g. "1.2.3"',
        ),
        (
            '[project]\nversion = "1.0"\n[tool.releasekit]\ntag = "x"\n',
            3,
            "{folder}/pyproject.toml: unknown key tool.releasekit.tag; known keys are "
            "bump_after_release, commit_author, commit_message, image, "
            "prerelease_tag_format, release_notes, tag_format",
        ),
    ],
    ids=["missing", "invalid", "float", "config"],
)
def test_errors_are_one_line_with_their_exit_code(
    run: Runner,
    tmp_path: Path,
    write_project: Callable[..., Path],
    text: str | None,
    code: int,
    message: str,
) -> None:
    folder = write_project(text) if text else tmp_path
    result = run("version", "--path", str(folder))
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr == f"error: {message.format(folder=folder)}\n"


def test_errors_become_annotations_inside_actions(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = run("version", "--path", str(tmp_path))
    message = f"no pyproject.toml in {tmp_path}; run releasekit in the project "
    message += "folder or pass --path"
    assert result.exit_code == 3
    assert result.stderr == f"::error::{message}\nerror: {message}\n"


def test_a_bug_is_one_redacted_line_and_a_traceback_with_verbose(
    run: Runner,
    write_project: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from releasekit.project import Project
    from releasekit.runtime import SECRETS

    folder = write_project(PROJECT)
    SECRETS.add("s3cret-value")

    def broken(cls: type[Project], path: Path) -> Project:
        raise RuntimeError("lost s3cret-value\n::error::injected")

    monkeypatch.setattr(Project, "load", classmethod(broken))

    plain = run("version", "--path", str(folder))
    verbose = run("-v", "version", "--path", str(folder))

    message = (
        "error: unexpected RuntimeError: lost *** ::error::injected; run again with "
        "-v and report the output\n"
    )
    assert (plain.exit_code, plain.stdout, plain.stderr) == (1, "", message)
    assert verbose.exit_code == 1
    assert verbose.stderr.startswith("Traceback (most recent call last):\n")
    assert verbose.stderr.endswith(message)
    assert "s3cret-value" not in verbose.stderr
