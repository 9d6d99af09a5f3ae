from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Runner
from tests.support.gitrepos import make_tagged_remote


@pytest.fixture(autouse=True)
def without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the runner's own token out of the tests' output."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def remotes(tmp_path: Path) -> dict[str, str]:
    """Bare remotes with release tags, and the URL of one that does not exist."""
    root = tmp_path / "remotes"
    root.mkdir()
    return {
        "lib-a": make_tagged_remote(root, "lib-a", ["v1.0.0", "v1.1.0", "v2.0.0b1"]),
        "lib-b": make_tagged_remote(root, "lib-b", ["0.1.0", "0.2.0", "docs"]),
        "lib-c": make_tagged_remote(root, "lib-c", ["v3.0.0"]),
        "gone": (root / "gone.git").as_uri(),
    }


def project(tmp_path: Path, remotes: dict[str, str], *names: str) -> Path:
    """A project pinning lib-a, lib-b and lib-c (or ``names``) in both spellings."""
    pins = {"lib-a": "v1.0.0", "lib-b": "0.1.0", "lib-c": "v3.0.0", "gone": "v1.0.0"}
    wanted = names or ("lib-a", "lib-b", "lib-c")
    requirements = "".join(
        f'    "{name} @ git+{remotes[name]}@{pins[name]}",  # {name}\n'
        for name in wanted
        if name != "lib-a"
    )
    table = (
        f'lib-a = {{ git = "{remotes["lib-a"]}", tag = "v1.0.0" }}\n'
        if "lib-a" in wanted
        else ""
    )
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1.0.0"\n'
        f"dependencies = [\n{requirements}]\n\n"
        f"[tool.poetry.dependencies]\n{table}"
    )
    return folder


def test_lists_pins_with_the_newest_tags(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes)

    result = run("deps", "--path", str(folder))

    assert result.exit_code == 10
    assert result.stdout == (
        "name   current  newest  status\n"
        "lib-a  v1.0.0   v1.1.0  outdated\n"
        "lib-b  0.1.0    0.2.0   outdated\n"
        "lib-c  v3.0.0   v3.0.0  up-to-date\n"
    )
    assert result.stderr == (
        "error: lib-a, lib-b should move to a newer tag; run 'releasekit deps "
        "--upgrade'\n"
    )


def test_up_to_date_exits_0(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes, "lib-c")

    result = run("deps", "--path", str(folder))

    assert (result.exit_code, result.stderr) == (0, "")
    assert (
        result.stdout
        == "name   current  newest  status\nlib-c  v3.0.0   v3.0.0  up-to-date\n"
    )


def test_json_with_pre_releases(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes, "lib-a")

    result = run("deps", "--path", str(folder), "--pre", "--json")

    assert result.exit_code == 10
    assert json.loads(result.stdout) == {
        "dependencies": [
            {
                "name": "lib-a",
                "url": remotes["lib-a"],
                "where": "tool.poetry.dependencies",
                "current": "v1.0.0",
                "newest": "v2.0.0b1",
                "status": "outdated",
                "error": None,
            }
        ]
    }


def test_an_unreachable_remote_is_reported_and_the_others_checked(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes, "gone", "lib-c")
    gone = Path(remotes["gone"].removeprefix("file://"))

    result = run("deps", "--path", str(folder))

    assert result.exit_code == 5
    assert result.stdout == (
        "name   current  newest  status\n"
        "gone   v1.0.0   -       unreachable\n"
        "lib-c  v3.0.0   v3.0.0  up-to-date\n"
    )
    assert result.stderr == (
        f"error: gone: cannot reach {remotes['gone']}: '{gone}' does not appear to "
        "be a git repository; check the URL and your credentials\n"
        "error: could not check gone: the remote cannot be reached\n"
    )


def test_a_missing_tag_is_an_error(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes, "lib-c")
    path = folder / "pyproject.toml"
    path.write_text(path.read_text().replace("@v3.0.0", "@v3.0.1"))

    result = run("deps", "--path", str(folder))

    assert result.exit_code == 10
    assert result.stdout.splitlines()[1] == "lib-c  v3.0.1   v3.0.0  missing"
    assert result.stderr == (
        f"error: lib-c is pinned to v3.0.1, which does not exist on "
        f"{remotes['lib-c']}; pin an existing tag, e.g. v3.0.0\n"
        "error: lib-c should move to a newer tag; run 'releasekit deps --upgrade'\n"
    )


def without_poetry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Leave only git on PATH, so that Poetry is not found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))


def fake_poetry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, script: str) -> None:
    """Put a ``poetry`` that runs ``script`` on a PATH that has only git besides."""
    without_poetry(monkeypatch, tmp_path)
    poetry = tmp_path / "bin" / "poetry"
    poetry.write_text("#!/bin/sh\n" + script)
    poetry.chmod(0o755)


def test_upgrade_rewrites_the_pins_in_both_spellings(
    run: Runner,
    tmp_path: Path,
    remotes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = project(tmp_path, remotes)
    before = (folder / "pyproject.toml").read_bytes()
    without_poetry(monkeypatch, tmp_path)

    result = run("deps", "--path", str(folder), "--upgrade")

    assert result.exit_code == 0
    assert result.stdout == (
        "name   current  newest  status\n"
        "lib-a  v1.0.0   v1.1.0  upgraded\n"
        "lib-b  0.1.0    0.2.0   upgraded\n"
        "lib-c  v3.0.0   v3.0.0  up-to-date\n"
    )
    assert result.stderr == (
        "upgraded lib-a: v1.0.0 -> v1.1.0\n"
        "upgraded lib-b: 0.1.0 -> 0.2.0\n"
        "no poetry.lock to refresh\n"
    )
    after = before.replace(b'tag = "v1.0.0"', b'tag = "v1.1.0"')
    after = after.replace(b"@0.1.0", b"@0.2.0")
    assert (folder / "pyproject.toml").read_bytes() == after
    assert run("deps", "--path", str(folder)).exit_code == 0


def test_upgrade_only_the_named(
    run: Runner,
    tmp_path: Path,
    remotes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = project(tmp_path, remotes)
    (folder / "poetry.lock").write_text("# locked\n")
    without_poetry(monkeypatch, tmp_path)

    result = run("deps", "--path", str(folder), "--upgrade", "LIB_B")

    assert result.exit_code == 0
    assert result.stdout == (
        "name   current  newest  status\nlib-b  0.1.0    0.2.0   upgraded\n"
    )
    assert result.stderr == (
        "upgraded lib-b: 0.1.0 -> 0.2.0\n"
        "warning: Poetry is not installed, so poetry.lock still has the old pins; "
        "run 'poetry lock'\n"
    )
    assert 'tag = "v1.0.0"' in (folder / "pyproject.toml").read_text()


def test_upgrade_refreshes_the_lock_file_with_poetry(
    run: Runner,
    tmp_path: Path,
    remotes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = project(tmp_path, remotes, "lib-b")
    (folder / "poetry.lock").write_text("# locked\n")
    fake_poetry(monkeypatch, tmp_path, 'echo "$PWD $*" > "$PWD/poetry.lock"\n')

    result = run("deps", "--path", str(folder), "--upgrade")

    assert result.exit_code == 0
    assert result.stderr == (
        "upgraded lib-b: 0.1.0 -> 0.2.0\nrefreshed poetry.lock with 'poetry lock'\n"
    )
    assert (folder / "poetry.lock").read_text() == f"{folder} lock\n"


def test_a_failing_poetry_lock_is_an_error(
    run: Runner,
    tmp_path: Path,
    remotes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = project(tmp_path, remotes, "lib-b")
    (folder / "poetry.lock").write_text("# locked\n")
    fake_poetry(
        monkeypatch, tmp_path, "echo 'Because app depends on lib-b...' >&2\nexit 1\n"
    )

    result = run("deps", "--path", str(folder), "--upgrade")

    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: poetry lock failed in {folder}: Because app depends on lib-b...; "
        "the pins in pyproject.toml are upgraded, fix the cause and run 'poetry lock'"
    )


def test_an_unknown_name_is_a_usage_error(
    run: Runner, tmp_path: Path, remotes: dict[str, str]
) -> None:
    folder = project(tmp_path, remotes, "lib-c")

    result = run("deps", "--path", str(folder), "--upgrade", "lib-z")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Invalid value for NAME: no Git dependency pinned to a tag is named "
        "lib-z (pinned: lib-c); see 'releasekit deps --help'\n"
    )


def test_no_git_dependencies(run: Runner, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.0"\n')

    result = run("deps", "--path", str(tmp_path), "--json")

    assert (result.exit_code, json.loads(result.stdout)) == (0, {"dependencies": []})
    assert result.stderr == (
        f"no Git dependency pinned to a version tag in {tmp_path / 'pyproject.toml'}\n"
    )


def test_outputs_and_summary_inside_actions(
    run: Runner,
    tmp_path: Path,
    remotes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = project(tmp_path, remotes, "lib-b", "lib-c")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")

    result = run("deps", "--path", str(folder))

    assert result.exit_code == 10
    assert (tmp_path / "output").read_text().splitlines()[1] == "lib-b"
    assert (tmp_path / "summary").read_text() == (
        "### Git dependencies\n\n"
        "| name | current | newest | status |\n"
        "|---|---|---|---|\n"
        "| lib-b | `0.1.0` | `0.2.0` | outdated |\n"
        "| lib-c | `v3.0.0` | `v3.0.0` | up-to-date |\n\n"
    )
    # The token and the basic-auth form git sends are masked before any use.
    basic = base64.b64encode(b"x-access-token:ghs_secret").decode()
    message = "lib-b should move to a newer tag; run 'releasekit deps --upgrade'"
    assert result.stderr == (
        f"::add-mask::{basic}\n::add-mask::ghs_secret\n"
        f"::error::{message}\nerror: {message}\n"
    )
