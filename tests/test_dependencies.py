from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.dependencies import (
    MISSING,
    OUTDATED,
    UNREACHABLE,
    UP_TO_DATE,
    DependencyCheck,
    GitDependency,
    check_dependencies,
    find_git_dependencies,
    newest_tag,
    write_pins,
)
from releasekit.errors import ProjectError
from releasekit.pyproject import Pyproject
from tests.support.gitrepos import make_tagged_remote

EVERY_SPELLING = """\
[project]
name = "app"
version = "1.0.0"
dependencies = [
    "requests>=2",
    "lib-a @ git+https://example.com/org/lib-a.git@v1.2.0",
    "Lib_B[fast, io] @ git+ssh://git@example.com/org/mono.git@1.0.0#subdirectory=b \
; python_version >= '3.10'",
    "lib-c @ git+https://example.com/org/lib-c.git@main",
    "lib-d @ https://example.com/lib-d-1.0.tar.gz",
]

[project.optional-dependencies]
cli = ["lib-e@git+https://example.com/org/lib-e@v0.3.0"]

[tool.poetry.dependencies]
python = "^3.10"
lib-f = { git = "https://example.com/org/lib-f.git", tag = "v2.0.0" }
lib-g = { git = "https://example.com/org/lib-g.git", rev = "v2.1" }
lib-h = { git = "https://example.com/org/lib-h.git", rev = "1234567" }
lib-i = { git = "https://example.com/org/lib-i.git", branch = "main" }
lib-j = { git = "https://example.com/org/lib-j.git", tag = "stable" }
lib-k = [
    { git = "https://example.com/org/lib-k.git", tag = "v1.0.0", python = "<3.12" },
    { path = "../lib-k", python = ">=3.12" },
]

[tool.poetry.dependencies.lib-l]
git = "git@example.com:org/lib-l.git"
tag = "v0.1.0rc1"

[tool.poetry.group.dev.dependencies]
lib-m = { git = "https://example.com/org/lib-m.git", tag = "v4.0.0" }

[tool.poetry.dev-dependencies]
lib-n = { git = "https://example.com/org/lib-n.git", tag = "v5.0.0" }
"""


def load(tmp_path: Path, text: str) -> Pyproject:
    (tmp_path / "pyproject.toml").write_bytes(text.encode())
    return Pyproject.load(tmp_path)


def test_finds_pins_in_both_spellings_everywhere_poetry_keeps_them(
    tmp_path: Path,
) -> None:
    found = find_git_dependencies(load(tmp_path, EVERY_SPELLING))

    poetry = ("tool", "poetry", "dependencies")
    group = ("tool", "poetry", "group", "dev", "dependencies")
    assert found == [
        GitDependency(
            "lib-f",
            "https://example.com/org/lib-f.git",
            "v2.0.0",
            "tool.poetry.dependencies",
            (*poetry, "lib-f", "tag"),
        ),
        GitDependency(
            "lib-g",
            "https://example.com/org/lib-g.git",
            "v2.1",
            "tool.poetry.dependencies",
            (*poetry, "lib-g", "rev"),
        ),
        GitDependency(
            "lib-k",
            "https://example.com/org/lib-k.git",
            "v1.0.0",
            "tool.poetry.dependencies",
            (*poetry, "lib-k", 0, "tag"),
        ),
        GitDependency(
            "lib-l",
            "git@example.com:org/lib-l.git",
            "v0.1.0rc1",
            "tool.poetry.dependencies",
            (*poetry, "lib-l", "tag"),
        ),
        GitDependency(
            "lib-n",
            "https://example.com/org/lib-n.git",
            "v5.0.0",
            "tool.poetry.dev-dependencies",
            ("tool", "poetry", "dev-dependencies", "lib-n", "tag"),
        ),
        GitDependency(
            "lib-m",
            "https://example.com/org/lib-m.git",
            "v4.0.0",
            "tool.poetry.group.dev.dependencies",
            (*group, "lib-m", "tag"),
        ),
        GitDependency(
            "lib-a",
            "https://example.com/org/lib-a.git",
            "v1.2.0",
            "project.dependencies",
            ("project", "dependencies", 1),
        ),
        GitDependency(
            "Lib_B",
            "ssh://git@example.com/org/mono.git",
            "1.0.0",
            "project.dependencies",
            ("project", "dependencies", 2),
        ),
        GitDependency(
            "lib-e",
            "https://example.com/org/lib-e",
            "v0.3.0",
            "project.optional-dependencies.cli",
            ("project", "optional-dependencies", "cli", 0),
        ),
    ]


def test_names_compare_normalised(tmp_path: Path) -> None:
    found = find_git_dependencies(load(tmp_path, EVERY_SPELLING))
    assert [item.key for item in found if item.name == "Lib_B"] == ["lib-b"]


@pytest.mark.parametrize(
    ("tags", "pre", "newest"),
    [
        (["v1.9.0", "v1.10.0", "v1.2.0"], False, "v1.10.0"),
        (["1.0.0", "latest", "v1.1.0", "nightly-2024"], False, "v1.1.0"),
        (["v1.0.0", "v2.0.0a1", "v1.1.0.dev3"], False, "v1.0.0"),
        (["v1.0.0", "v2.0.0a1", "v2.0.0rc1"], True, "v2.0.0rc1"),
        (["latest", "v2.0.0b1"], False, None),
        ([], True, None),
    ],
)
def test_newest_tag_orders_by_pep_440(
    tags: list[str], pre: bool, newest: str | None
) -> None:
    assert newest_tag(tags, pre=pre) == newest


UPGRADE_BEFORE = (
    "# The app.\r\n"
    "[project]\r\n"
    'name = "app"  # name\r\n'
    'version = "1.0.0"\r\n'
    "dependencies = [\r\n"
    "  'lib-a[x] @ git+https://example.com/lib-a.git@v1.2.0#subdirectory=a ;"
    ' python_version >= "3.10"\',  # A\r\n'
    '    "lib-b @ git+https://example.com/lib-b.git@0.1.0"   ,\r\n'
    "]\r\n"
    "\r\n"
    "[tool.poetry.dependencies]\r\n"
    "lib-c = {git = 'https://example.com/lib-c.git',tag='v3.0'}   # C\r\n"
    'lib-d = [ { git = "https://example.com/lib-d.git", rev = "v1.0.0" } ]\r\n'
    "\r\n"
    "[tool.poetry.group.dev.dependencies.lib-e]\r\n"
    'git = "https://example.com/lib-e.git"\r\n'
    'tag    =    "v0.9.0"    # keep me\r\n'
)


def test_upgrade_rewrites_only_the_tag_strings(tmp_path: Path) -> None:
    pyproject = load(tmp_path, UPGRADE_BEFORE)
    found = find_git_dependencies(pyproject)
    new_tags = ["v3.1", "v1.1.0", "v0.10.0", "v1.3.0", "0.2.0"]

    write_pins(pyproject, dict(zip(found, new_tags, strict=True)))

    expected = (
        UPGRADE_BEFORE.replace("@v1.2.0#", "@v1.3.0#")
        .replace("@0.1.0", "@0.2.0")
        .replace("tag='v3.0'", "tag='v3.1'")
        .replace('rev = "v1.0.0"', 'rev = "v1.1.0"')
        .replace('"v0.9.0"', '"v0.10.0"')
    )
    assert (tmp_path / "pyproject.toml").read_bytes() == expected.encode()
    assert [item.tag for item in find_git_dependencies(Pyproject.load(tmp_path))] == [
        "v3.1",
        "v1.1.0",
        "v0.10.0",
        "v1.3.0",
        "0.2.0",
    ]


def test_upgrade_leaves_escaped_strings_to_the_user(tmp_path: Path) -> None:
    text = (
        '[project]\nversion = "1.0"\n'
        'dependencies = ["lib-\\u0061 @ git+https://example.com/a.git@v1.0.0"]\n'
    )
    pyproject = load(tmp_path, text)
    [dependency] = find_git_dependencies(pyproject)

    with pytest.raises(ProjectError) as caught:
        write_pins(pyproject, {dependency: "v1.1.0"})

    assert caught.value.message == (
        f"{tmp_path / 'pyproject.toml'}: cannot rewrite the pin of lib-a in "
        "project.dependencies because it uses escape sequences; change its tag by hand"
    )
    assert (tmp_path / "pyproject.toml").read_text() == text


def test_check_asks_each_remote(tmp_path: Path) -> None:
    remotes = tmp_path / "remotes"
    remotes.mkdir()
    current = make_tagged_remote(remotes, "current", ["v1.0.0", "v2.0.0a1"])
    old = make_tagged_remote(remotes, "old", ["v1.0.0", "v1.10.0", "v1.9.0"])
    gone = (remotes / "gone.git").as_uri()
    dependencies = [
        GitDependency("current", current, "v1.0.0", "project.dependencies", ()),
        GitDependency("old", old, "v1.9.0", "project.dependencies", ()),
        GitDependency("typo", old, "v1.9.1", "project.dependencies", ()),
        GitDependency("gone", gone, "v1.0.0", "project.dependencies", ()),
    ]

    checks = check_dependencies(dependencies)

    assert checks == [
        DependencyCheck(dependencies[0], UP_TO_DATE, "v1.0.0"),
        DependencyCheck(dependencies[1], OUTDATED, "v1.10.0"),
        DependencyCheck(dependencies[2], MISSING, "v1.10.0"),
        DependencyCheck(
            dependencies[3],
            UNREACHABLE,
            error=f"cannot reach {gone}: '{remotes / 'gone.git'}' does not appear to "
            "be a git repository; check the URL and your credentials",
        ),
    ]
    assert check_dependencies(dependencies, workers=1) == checks
    assert check_dependencies(dependencies[:1], pre=True)[0] == DependencyCheck(
        dependencies[0], OUTDATED, "v2.0.0a1"
    )
    assert [check.upgradable for check in checks] == [False, True, True, False]
