from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

from releasekit.scaffold import settings_block
from tests.conftest import Runner

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = '[project]\nname = "app"  # the app\nversion = "1.0.0"\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project with nothing releasekit wrote."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    return tmp_path


def workflows(folder: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in sorted((folder / ".github" / "workflows").glob("*"))
    }


def template(name: str) -> bytes:
    """A template as init writes it: pinned to the running releasekit."""
    text = (ROOT / "workflows" / name).read_text()
    pin = f'RELEASEKIT_VERSION: "{version("releasekit")}"'
    return re.sub(r'RELEASEKIT_VERSION: "[^"]*"', pin, text).encode()


def test_a_library_gets_the_package_workflows(run: Runner, folder: Path) -> None:
    result = run("init", "--path", str(folder))

    assert result.exit_code == 0
    assert result.stdout == (
        ".github/workflows/release-package.yml\n"
        ".github/workflows/prerelease.yml\n"
        ".github/workflows/pr-check.yml\n"
        "pyproject.toml\n"
    )
    assert result.stderr == f"set up {folder} as a library: wrote 4 files\n"
    assert workflows(folder) == {
        name: template(name)
        for name in ("pr-check.yml", "prerelease.yml", "release-package.yml")
    }
    assert (folder / "pyproject.toml").read_text() == (
        PYPROJECT + "\n" + settings_block("library")
    )


def test_a_dockerfile_makes_a_service(run: Runner, folder: Path) -> None:
    (folder / "Dockerfile").write_text("FROM scratch\n")

    result = run("init", "--path", str(folder))

    assert result.exit_code == 0
    assert sorted(workflows(folder)) == [
        "pr-check.yml",
        "prerelease.yml",
        "release-image.yml",
    ]
    assert (folder / "pyproject.toml").read_text().endswith(settings_block("service"))


def test_the_kind_can_be_chosen(run: Runner, folder: Path) -> None:
    result = run("init", "--path", str(folder), "--kind", "service")

    assert result.exit_code == 0
    assert "release-image.yml" in workflows(folder)


def test_an_unknown_kind_is_a_usage_error(run: Runner, folder: Path) -> None:
    result = run("init", "--path", str(folder), "--kind", "app")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Invalid value for --kind: must be one of library, service; "
        "see 'releasekit init --help'\n"
    )


def test_a_second_run_has_nothing_to_do(run: Runner, folder: Path) -> None:
    run("init", "--path", str(folder))
    before = workflows(folder), (folder / "pyproject.toml").read_bytes()

    result = run("init", "--path", str(folder))

    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"nothing to do: {folder} already has the library workflows\n"
    )
    assert (workflows(folder), (folder / "pyproject.toml").read_bytes()) == before


def test_the_pyproject_keeps_every_byte(run: Runner, tmp_path: Path) -> None:
    text = '# top\r\n[project]\r\nname = "app"\r\nversion = "1.0.0"  # v'
    (tmp_path / "pyproject.toml").write_bytes(text.encode())

    run("init", "--path", str(tmp_path))

    block = settings_block("library", "\r\n")
    assert (tmp_path / "pyproject.toml").read_bytes() == (
        text + "\r\n\r\n" + block
    ).encode()


def test_existing_settings_are_left_alone(run: Runner, folder: Path) -> None:
    text = PYPROJECT + '\n[tool.releasekit]\ntag_format = "{version}"\n'
    (folder / "pyproject.toml").write_text(text)

    result = run("init", "--path", str(folder))

    assert result.stdout.splitlines()[-1] == ".github/workflows/pr-check.yml"
    assert (folder / "pyproject.toml").read_text() == text


def test_refuses_to_overwrite_a_different_workflow(run: Runner, folder: Path) -> None:
    run("init", "--path", str(folder))
    changed = folder / ".github" / "workflows"
    (changed / "pr-check.yml").write_text("name: mine\n")
    (changed / "prerelease.yml").write_text("name: mine too\n")

    result = run("init", "--path", str(folder), "--kind", "service")

    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"error: {changed / 'prerelease.yml'}, {changed / 'pr-check.yml'} differ "
        "from releasekit's templates; pass --force to overwrite them\n"
    )
    assert "release-image.yml" not in workflows(folder)
    assert (changed / "pr-check.yml").read_text() == "name: mine\n"


def test_force_overwrites(run: Runner, folder: Path) -> None:
    run("init", "--path", str(folder))
    (folder / ".github" / "workflows" / "pr-check.yml").write_text("name: mine\n")

    refused = run("init", "--path", str(folder))
    forced = run("init", "--path", str(folder), "--force")

    assert refused.stderr == (
        f"error: {folder / '.github' / 'workflows' / 'pr-check.yml'} differs from "
        "releasekit's template; pass --force to overwrite it\n"
    )
    assert (forced.exit_code, forced.stdout) == (0, ".github/workflows/pr-check.yml\n")
    assert workflows(folder)["pr-check.yml"] == template("pr-check.yml")


def test_needs_a_pyproject(run: Runner, tmp_path: Path) -> None:
    result = run("init", "--path", str(tmp_path))

    assert result.exit_code == 3
    assert result.stderr == (
        f"error: no pyproject.toml in {tmp_path}; run releasekit in the project "
        "folder or pass --path\n"
    )
    assert not (tmp_path / ".github").exists()
