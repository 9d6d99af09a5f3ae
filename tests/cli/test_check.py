from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Runner
from tests.support.gitrepos import Origin, git, make_origin, make_tagged_remote

PROJECT = '[project]\nname = "app"\nversion = "{version}"\n'


@pytest.fixture(autouse=True)
def outside_a_pull_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the runner's own pull request (when there is one) out of the tests."""
    for name in ("GITHUB_BASE_REF", "GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    """A remote whose main holds version 1.2.3, released as far as 1.2.2."""
    origin = make_origin(tmp_path, {"pyproject.toml": PROJECT.format(version="1.2.3")})
    push_tag(origin, "v1.2.2")
    return origin


def push_tag(origin: Origin, tag: str) -> None:
    git(origin.scratch, "tag", tag)
    git(origin.scratch, "push", "--quiet", "origin", tag)


def pull_request(origin: Origin, tmp_path: Path, version: str, extra: str = "") -> Path:
    """A clone on a feature branch whose pyproject.toml holds ``version``."""
    clone = origin.clone(tmp_path / "clone")
    git(clone, "checkout", "--quiet", "-b", "feature")
    (clone / "pyproject.toml").write_text(PROJECT.format(version=version) + extra)
    return clone


def test_all_good_prints_the_preview(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.3.0")

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert (result.exit_code, result.stderr) == (
        0,
        "no problems found; merging releases v1.3.0\n",
    )
    assert result.stdout == "tag      v1.3.0\nrelease  v1.3.0\n"


def test_the_preview_lists_image_tags_for_a_service(
    run: Runner, tmp_path: Path
) -> None:
    origin = make_origin(tmp_path, {"pyproject.toml": PROJECT.format(version="0.4.0")})
    clone = pull_request(origin, tmp_path, "0.4.0")
    (clone / "Dockerfile").write_text("FROM scratch\n")

    result = run("check", "--path", str(clone), "--base-ref", "main", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "ok": True,
        "problems": [],
        "warnings": [],
        "version": "0.4.0",
        "tag": "v0.4.0",
        "prerelease": False,
        "image_tags": ["0.4.0", "0.4", "latest"],
    }


def test_image_settings_shape_the_image_tags(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    image = "\n[tool.releasekit.image]\ntag_latest = false\n"
    clone = pull_request(origin, tmp_path, "2.0.0", image)

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert result.stdout.splitlines()[-1] == "images   2.0.0 2.0 2"


def test_base_ahead_means_an_unmerged_bump(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.2.3")
    origin.push_commit({"pyproject.toml": PROJECT.format(version="1.2.4")}, "Bump")
    push_tag(origin, "v1.2.3")

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert (result.exit_code, result.stdout) == (9, "")
    assert result.stderr == (
        "error: version 1.2.3 is lower than 1.2.4 on main: main got version bumps "
        "that this branch has not merged; merge origin/main into your branch "
        "(git fetch origin main && git merge origin/main) and keep main's version "
        "or a higher one\n"
        "error: version 1.2.3 is already released: the tag v1.2.3 exists on "
        "origin; bump the version ('releasekit bump patch') and commit it\n"
        "error: 2 problems found; fix them and push again\n"
    )


def test_equal_to_a_released_version(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.2.2")
    # The clone has no tags of its own: only the remote can tell.
    git(clone, "tag", "--delete", "v1.2.2")
    origin.push_commit({"pyproject.toml": PROJECT.format(version="1.2.2")}, "Undo")

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert result.exit_code == 9
    assert result.stderr == (
        "error: version 1.2.2 is already released: the tag v1.2.2 exists on "
        "origin; bump the version ('releasekit bump patch') and commit it\n"
        "error: 1 problem found; fix it and push again\n"
    )


def test_a_pre_release_cannot_go_to_the_default_branch(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.3.0a1")

    into_main = run("check", "--path", str(clone), "--base-ref", "main")
    into_other = run(
        "check", "--path", str(clone), "--base-ref", "main", "--default-branch", "dev"
    )

    assert into_main.exit_code == 9
    assert into_main.stderr == (
        "error: version 1.3.0a1 is a pre-release, but the pull request targets "
        "main, the default branch, which releases final versions only; run "
        "'releasekit bump release' and commit the result\n"
        "error: 1 problem found; fix it and push again\n"
    )
    assert into_other.exit_code == 0
    assert into_other.stdout == "tag      v1.3.0a1\nrelease  v1.3.0a1 (pre-release)\n"


def test_the_default_branch_is_the_remotes_head(run: Runner, tmp_path: Path) -> None:
    origin = make_origin(
        tmp_path, {"pyproject.toml": PROJECT.format(version="1.0.0")}, branch="trunk"
    )
    clone = pull_request(origin, tmp_path, "1.1.0rc1")

    result = run("check", "--path", str(clone), "--base-ref", "trunk")

    assert result.exit_code == 9
    assert "targets trunk, the default branch" in result.stderr


def test_an_invalid_pyproject_reports_every_problem(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.3.0")
    (clone / "pyproject.toml").write_text(
        '[project]\nversion = 1.3\n[tool.releasekit]\nbump_after_release = "huge"\n'
    )
    path = clone / "pyproject.toml"

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert (result.exit_code, result.stdout) == (9, "")
    assert result.stderr == (
        f"error: {path}: project.version must be a string, not a float; write it "
        'in quotes, e.g. "1.2.3"\n'
        f"error: {path}: tool.releasekit.bump_after_release must be one of patch, "
        "minor, major, not 'huge'\n"
        "error: 2 problems found; fix them and push again\n"
    )


def test_unparsable_toml_is_a_problem(run: Runner, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")

    result = run("check", "--path", str(tmp_path))

    assert result.exit_code == 9
    assert result.stderr == (
        f"error: {tmp_path / 'pyproject.toml'} is not valid TOML at line 1, "
        "column 8: unexpected character: '\\n'\n"
        "error: 1 problem found; fix it and push again\n"
    )


def test_a_dependency_tag_missing_on_its_remote(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    lib = make_tagged_remote(tmp_path, "lib", ["v0.9.0", "v1.0.0"])
    pins = f'\n[tool.poetry.dependencies]\nlib = {{git = "{lib}", tag = "v1.0.1"}}\n'
    clone = pull_request(origin, tmp_path, "1.3.0", pins)

    result = run("check", "--path", str(clone), "--base-ref", "main")

    assert result.exit_code == 9
    assert result.stderr == (
        f"error: lib is pinned to v1.0.1, which does not exist on {lib}; pin an "
        "existing tag, e.g. v1.0.0\n"
        "error: 1 problem found; fix it and push again\n"
    )


def test_without_a_base_branch_the_comparison_is_skipped(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.2.3")
    origin.push_commit({"pyproject.toml": PROJECT.format(version="1.2.4")}, "Bump")

    result = run("check", "--path", str(clone))

    assert (result.exit_code, result.stdout) == (
        0,
        "tag      v1.2.3\nrelease  v1.2.3\n",
    )
    assert result.stderr == (
        "warning: no base branch given (--base-ref or GITHUB_BASE_REF), so the "
        "version was not compared with the base branch's\n"
        "no problems found; merging releases v1.2.3\n"
    )


def test_the_base_branch_comes_from_github_base_ref(
    run: Runner, origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = pull_request(origin, tmp_path, "1.2.3")
    origin.push_commit({"pyproject.toml": PROJECT.format(version="1.2.4")}, "Bump")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")

    result = run("check", "--path", str(clone))

    assert result.exit_code == 9
    assert result.stderr.startswith("error: version 1.2.3 is lower than 1.2.4 on main")


def test_report_and_outputs_inside_actions(
    run: Runner, origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = pull_request(origin, tmp_path, "1.2.2")
    (clone / "Dockerfile").write_text("FROM scratch\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))

    failed = run("check", "--path", str(clone), "--base-ref", "main")
    (clone / "pyproject.toml").write_text(PROJECT.format(version="1.3.0"))
    passed = run("check", "--path", str(clone), "--base-ref", "main")

    assert (failed.exit_code, passed.exit_code) == (9, 0)
    assert (tmp_path / "summary").read_text() == (
        "### Release check: 2 problems\n\n"
        "- version 1.2.2 is lower than 1.2.3 on main: main got version bumps that "
        "this branch has not merged; merge origin/main into your branch (git fetch "
        "origin main && git merge origin/main) and keep main's version or a higher "
        "one\n"
        "- version 1.2.2 is already released: the tag v1.2.2 exists on origin; "
        "bump the version ('releasekit bump patch') and commit it\n\n"
        "### Release check: ready to merge\n\n"
        "| | |\n|---|---|\n"
        "| tag | `v1.3.0` |\n"
        "| release | `v1.3.0` |\n"
        "| image tags | `1.3.0`, `1.3`, `1`, `latest` |\n\n"
    )
    outputs = (tmp_path / "output").read_text().splitlines()
    assert [line for index, line in enumerate(outputs) if index % 3 == 1] == [
        "false",
        "2",
        "",
        "",
        "true",
        "0",
        "v1.3.0",
        "1.3.0 1.3 1 latest",
    ]


def test_outside_a_clone_is_a_git_error(run: Runner, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT.format(version="1.0.0"))

    result = run("check", "--path", str(tmp_path), "--base-ref", "main")

    assert (result.exit_code, result.stdout) == (5, "")
    assert result.stderr == (
        f"error: {tmp_path} is not inside a git repository; run releasekit in a clone\n"
    )


def test_a_missing_base_branch_is_a_git_error(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    clone = pull_request(origin, tmp_path, "1.3.0")

    result = run("check", "--path", str(clone), "--base-ref", "mian")

    assert (result.exit_code, result.stdout) == (5, "")
    assert result.stderr == (
        "error: the base branch mian does not exist on origin; pass the branch "
        "the pull request targets with --base-ref\n"
    )


def test_a_pre_release_already_tagged_on_any_branch(
    run: Runner, origin: Origin, tmp_path: Path
) -> None:
    push_tag(origin, "v1.3.0a1-feature-x")
    clone = pull_request(origin, tmp_path, "1.3.0a1")

    result = run(
        "check", "--path", str(clone), "--base-ref", "main", "--default-branch", "dev"
    )

    assert result.exit_code == 9
    assert result.stderr == (
        "error: version 1.3.0a1 is already released: the tag v1.3.0a1-feature-x "
        "exists on origin; bump the version ('releasekit bump prerelease') and "
        "commit it\n"
        "error: 1 problem found; fix it and push again\n"
    )
