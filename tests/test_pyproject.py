from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from releasekit.errors import ProjectError, VersionError
from releasekit.pyproject import Pyproject
from releasekit.versions import parse_version

POETRY_1 = """\
[tool.poetry]
name = "lib-ml"
version = "1.2.3"
description = "Shared ML code"
authors = ["Team <team@example.com>"]

[tool.poetry.dependencies]
python = "^3.10"
numpy = {version = "^1.26", optional = true}

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
"""

PEP_621 = """\
# Managed by the platform team.
[project]
name = 'model-service'
version = '1.2.3'   # next, unreleased
dependencies = [
    "lib-ml @ git+https://github.com/org/lib-ml.git@v1.1.0",
]

[tool.poetry.dependencies]
lib-ml = { git = "https://github.com/org/lib-ml.git", tag = "v1.1.0" }
"""

BOTH = """\
[project]
name = "both"
version="1.2.3"
requires-python = ">=3.10"

[tool.poetry]
version    =    "1.2.3" # kept in step
packages = [{ include = "both", from = "src" }]

[tool.releasekit]
tag_format = "v{version}"
"""

DOTTED_AND_INLINE = """\
project.name = "dotted"
project.version = "1.2.3"
tool.poetry = { version = "1.2.3" }
"""

UNNORMALISED = """\
[project]
name = "odd"
version = "1.2.3-alpha.1"
"""


@pytest.mark.parametrize(
    "text",
    [POETRY_1, PEP_621, BOTH, DOTTED_AND_INLINE],
    ids=["poetry-1", "pep-621", "both", "dotted-inline"],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_rewrite_changes_only_the_version(
    write_project: Callable[..., Path], text: str, newline: str
) -> None:
    folder = write_project(text, newline=newline)
    path = folder / "pyproject.toml"
    before = path.read_bytes()

    project = Pyproject.load(folder)
    project.write_version(parse_version("1.2.4"))

    assert path.read_bytes() == before.replace(b"1.2.3", b"1.2.4")
    assert Pyproject.load(folder).version().to_string() == "1.2.4"


def test_rewrite_writes_the_normalised_form(write_project: Callable[..., Path]) -> None:
    folder = write_project(UNNORMALISED)
    project = Pyproject.load(folder)
    assert project.version().to_string() == "1.2.3a1"

    project.write_version(parse_version("1.2.3a2"))

    text = (folder / "pyproject.toml").read_text()
    assert text == UNNORMALISED.replace("1.2.3-alpha.1", "1.2.3a2")


def test_rewrite_keeps_the_file_mode(write_project: Callable[..., Path]) -> None:
    folder = write_project(POETRY_1)
    path = folder / "pyproject.toml"
    path.chmod(0o640)

    Pyproject.load(folder).write_version(parse_version("1.2.4"))

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(folder)) == ["pyproject.toml"]


def _error(folder: Path) -> str:
    with pytest.raises((ProjectError, VersionError)) as caught:
        Pyproject.load(folder).version()
    return caught.value.message  # type: ignore[union-attr]


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path) == (
        f"no pyproject.toml in {tmp_path}; run releasekit in the project folder "
        "or pass --path"
    )


def test_syntax_error_names_line_and_column(write_project: Callable[..., Path]) -> None:
    folder = write_project('[project]\nname = "x"\nversion = = "1.0"\n')
    assert _error(folder) == (
        f"{folder / 'pyproject.toml'} is not valid TOML at line 3, column 10: "
        "unexpected character: '='"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[project]\nname = "x"\n',
            "{path} has no version; add project.version "
            "(or tool.poetry.version for Poetry 1)",
        ),
        (
            '[project]\nname = "x"\ndynamic = ["version"]\n',
            "{path}: the version is "
            "dynamic (project.dynamic), so releasekit cannot read or bump it; set a "
            "static project.version or tool.poetry.version",
        ),
        (
            '[project]\nversion = "1.0"\ndynamic = ["version"]\n',
            "{path}: "
            "project.version is set and also listed in project.dynamic, which PEP 621 "
            "forbids; remove one of them",
        ),
        (
            "[project]\nversion = 1.2\n",
            "{path}: project.version must be a string, "
            'not a float; write it in quotes, e.g. "1.2.3"',
        ),
        (
            "[tool.poetry]\nversion = 3\n",
            "{path}: tool.poetry.version must be a "
            'string, not an integer; write it in quotes, e.g. "1.2.3"',
        ),
        (
            '[project]\nversion = "1.2.3"\n[tool.poetry]\nversion = "1.2.4"\n',
            "{path}: project.version is 1.2.3 but tool.poetry.version is 1.2.4; make "
            "both keys carry the same version",
        ),
        (
            '[project]\nversion = "1.2.3-SNAPSHOT"\n',
            "project.version '1.2.3-SNAPSHOT'"
            " is not a valid PEP 440 version; use a form such as 1.2.3, 1.2.3a1 or "
            "1.2.3rc1",
        ),
        (
            '[project]\nversion = "latest"\n',
            "project.version 'latest' is not a valid "
            "PEP 440 version; use a form such as 1.2.3, 1.2.3a1 or 1.2.3rc1",
        ),
        (
            '[tool.poetry]\nversion = "1!2.0"\n',
            "tool.poetry.version '1!2.0' has an "
            "epoch, which cannot become a tag; drop the 'N!' prefix",
        ),
        (
            '[project]\nversion = "1.2.3+local"\n',
            "project.version '1.2.3+local' has "
            "a local part, which package indexes refuse; drop the '+...' suffix",
        ),
    ],
    ids=[
        "no-version",
        "dynamic",
        "static-and-dynamic",
        "float",
        "integer",
        "disagree",
        "snapshot",
        "latest",
        "epoch",
        "local",
    ],
)
def test_bad_versions(
    write_project: Callable[..., Path], text: str, message: str
) -> None:
    folder = write_project(text)
    assert _error(folder) == message.format(path=folder / "pyproject.toml")


def test_poetry_2_dynamic_version_reads_tool_poetry(
    write_project: Callable[..., Path],
) -> None:
    folder = write_project(
        '[project]\nname = "x"\ndynamic = ["version"]\n\n'
        '[tool.poetry]\nversion = "0.4.0"\n'
    )
    assert Pyproject.load(folder).version().to_string() == "0.4.0"


def test_read_only_file_is_refused_and_left_alone(
    write_project: Callable[..., Path],
) -> None:
    folder = write_project(POETRY_1)
    path = folder / "pyproject.toml"
    path.chmod(0o444)

    with pytest.raises(ProjectError) as caught:
        Pyproject.load(folder).write_version(parse_version("1.2.4"))

    assert caught.value.message == (
        f"cannot write {path}: the file is read-only; make it writable "
        "(chmod u+w pyproject.toml)"
    )
    assert path.read_text() == POETRY_1
    assert sorted(os.listdir(folder)) == ["pyproject.toml"]


def test_project_name(write_project: Callable[..., Path]) -> None:
    assert Pyproject.load(write_project(POETRY_1)).name == "lib-ml"
    assert Pyproject.load(write_project(PEP_621)).name == "model-service"
