from __future__ import annotations

from pathlib import Path

from releasekit.checks import CheckReport, Preview, check_pull_request
from tests.support.gitrepos import make_origin, make_tagged_remote


def test_collects_problems_of_the_file_and_of_every_dependency(tmp_path: Path) -> None:
    lib = make_tagged_remote(tmp_path, "lib", ["v1.0.0"])
    gone = (tmp_path / "gone.git").as_uri()
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[project]\nversion = "1.0.0+local"\n'
        f'dependencies = ["lib @ git+{lib}@v2.0.0", "gone @ git+{gone}@v1.0.0"]\n'
    )

    report = check_pull_request(folder, base_ref="main")

    assert report == CheckReport(
        problems=[
            "project.version '1.0.0+local' has a local part, which package indexes "
            "refuse; drop the '+...' suffix",
            f"lib is pinned to v2.0.0, which does not exist on {lib}; pin an "
            "existing tag, e.g. v1.0.0",
            f"gone: cannot reach {gone}: '{tmp_path / 'gone.git'}' does not appear "
            "to be a git repository; check the URL and your credentials",
        ]
    )


def test_a_base_branch_without_a_version_is_a_warning(tmp_path: Path) -> None:
    origin = make_origin(tmp_path, {"README.md": "hello\n"})
    clone = origin.clone(tmp_path / "clone")
    (clone / "pyproject.toml").write_text('[project]\nversion = "0.1.0rc1"\n')

    report = check_pull_request(clone, base_ref="main", default_branch="release")

    assert report == CheckReport(
        warnings=[
            "main has no pyproject.toml, so the version was not compared with it"
        ],
        preview=Preview("0.1.0rc1", "v0.1.0rc1", True, ()),
    )


def test_an_invalid_base_version_is_a_warning(tmp_path: Path) -> None:
    origin = make_origin(tmp_path, {"pyproject.toml": "[project]\nversion = 2\n"})
    clone = origin.clone(tmp_path / "clone")
    (clone / "pyproject.toml").write_text('[project]\nversion = "1.0.0"\n')

    report = check_pull_request(clone, base_ref="main")

    assert report.warnings == [
        "cannot read the version of main (origin/main:pyproject.toml: "
        "project.version must be a string, not an integer; write it in quotes, "
        'e.g. "1.2.3"), so the version was not compared with it'
    ]
    assert report.problems == []


def test_a_pre_release_image_gets_its_version_only(tmp_path: Path) -> None:
    origin = make_origin(tmp_path, {"pyproject.toml": '[project]\nversion = "1"\n'})
    clone = origin.clone(tmp_path / "clone")
    (clone / "pyproject.toml").write_text(
        '[project]\nversion = "2.0.0b2"\n[tool.releasekit.image]\nname = "o/app"\n'
    )

    report = check_pull_request(clone, base_ref="main", default_branch="x")

    assert report.problems == []
    assert report.preview == Preview("2.0.0b2", "v2.0.0b2", True, ("2.0.0b2",))
