from __future__ import annotations

import pytest

from releasekit.errors import VersionError
from releasekit.versions import (
    bump_version,
    format_tag,
    parse_version,
    read_tag,
    slugify_branch,
)

BUMPS = [
    # The table of the release model: the file holds the next, unreleased version.
    ("1.2.3", "patch", "1.2.4"),
    ("1.2.3", "minor", "1.3.0"),
    ("1.2.3", "major", "2.0.0"),
    ("1.2.3", "prerelease", "1.2.3a1"),
    ("1.2.3a1", "patch", "1.2.3"),
    ("1.2.3a1", "minor", "1.3.0"),
    ("1.2.3a1", "major", "2.0.0"),
    ("1.2.3a1", "prerelease", "1.2.3a2"),
    ("1.2.3a1", "release", "1.2.3"),
    ("1.2.3rc2", "patch", "1.2.3"),
    ("1.2.3rc2", "minor", "1.3.0"),
    ("1.2.3rc2", "major", "2.0.0"),
    ("1.2.3rc2", "prerelease", "1.2.3rc3"),
    ("1.2.3rc2", "release", "1.2.3"),
    # Beta, and pre-releases of a .0 release.
    ("2.0.0b1", "prerelease", "2.0.0b2"),
    ("2.0.0b1", "release", "2.0.0"),
    ("2.0.0b1", "minor", "2.0.0"),
    ("2.0.0b1", "major", "2.0.0"),
    ("1.3.0a4", "minor", "1.3.0"),
    # Post-releases are final.
    ("1.2.3.post1", "patch", "1.2.4"),
    ("1.2.3.post1", "minor", "1.3.0"),
    ("1.2.3.post1", "major", "2.0.0"),
    # Development releases lead up to the release they name.
    ("1.2.3.dev1", "patch", "1.2.3"),
    ("1.2.3.dev1", "prerelease", "1.2.3a1"),
    ("1.2.3.dev1", "release", "1.2.3"),
    ("1.2.3a1.dev2", "prerelease", "1.2.3a1"),
    ("1.2.3a1.dev2", "release", "1.2.3"),
    ("1.2.3.post1.dev1", "release", "1.2.3.post1"),
    # Two segments keep their precision.
    ("1.2", "patch", "1.2.1"),
    ("1.2", "minor", "1.3"),
    ("1.2", "major", "2.0"),
    ("1.2", "prerelease", "1.2a1"),
    # 0.x versions.
    ("0.1.0", "patch", "0.1.1"),
    ("0.1.0", "minor", "0.2.0"),
    ("0.1.0", "major", "1.0.0"),
    ("0.9.9", "prerelease", "0.9.9a1"),
    ("0.0.1", "patch", "0.0.2"),
    # Explicit versions, normalised.
    ("1.2.3", "2.0.0", "2.0.0"),
    ("1.2.3", "v1.3", "1.3"),
    ("1.2.3", "1.2.4-alpha.1", "1.2.4a1"),
    ("1.2.3a1", "1.2.3rc1", "1.2.3rc1"),
]


@pytest.mark.parametrize(("current", "target", "expected"), BUMPS)
def test_bump(current: str, target: str, expected: str) -> None:
    assert bump_version(parse_version(current), target).to_string() == expected


REFUSED = [
    (
        "1.2.3",
        "release",
        "1.2.3 is already a final version; bump patch, minor or major instead",
    ),
    (
        "1.2.3.post1",
        "release",
        "1.2.3.post1 is already a final version; bump patch, minor or major instead",
    ),
    (
        "1.2.3.post1",
        "prerelease",
        "1.2.3.post1 is a post-release, which has no pre-releases; bump patch first",
    ),
    (
        "1.2.3",
        "1.2.3",
        "requested version 1.2.3 is not greater than the current "
        "version 1.2.3; pass a higher version",
    ),
    (
        "1.2.3",
        "1.2.3a1",
        "requested version 1.2.3a1 is not greater than the "
        "current version 1.2.3; pass a higher version",
    ),
    (
        "1.2.3",
        "next",
        "'next' is neither a bump kind (patch, minor, major, "
        "prerelease, release) nor a PEP 440 version; pass one of those",
    ),
    (
        "1.2.3",
        "2.0.0+build",
        "requested version '2.0.0+build' has a local part, "
        "which package indexes refuse; drop the '+...' suffix",
    ),
]


@pytest.mark.parametrize(("current", "target", "message"), REFUSED)
def test_bump_refused(current: str, target: str, message: str) -> None:
    with pytest.raises(VersionError) as caught:
        bump_version(parse_version(current), target)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("1.2.3-alpha.1", "1.2.3a1"),
        ("v1.2.3", "1.2.3"),
        ("1.2.3.RC.2", "1.2.3rc2"),
        (" 1.0 ", "1.0"),
        ("1.2.3-post.1", "1.2.3.post1"),
    ],
)
def test_parse_normalises(text: str, normalised: str) -> None:
    assert parse_version(text).to_string() == normalised


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1.2.3-SNAPSHOT",
            "version '1.2.3-SNAPSHOT' is not a valid PEP 440 "
            "version; use a form such as 1.2.3, 1.2.3a1 or 1.2.3rc1",
        ),
        (
            "latest",
            "version 'latest' is not a valid PEP 440 version; use a form "
            "such as 1.2.3, 1.2.3a1 or 1.2.3rc1",
        ),
        (
            "1!2.0",
            "version '1!2.0' has an epoch, which cannot become a tag; "
            "drop the 'N!' prefix",
        ),
        (
            "1.2.3+local",
            "version '1.2.3+local' has a local part, which package "
            "indexes refuse; drop the '+...' suffix",
        ),
    ],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(VersionError) as caught:
        parse_version(text)
    assert caught.value.message == message


def test_tag_never_doubles_the_v() -> None:
    assert format_tag("v{version}", parse_version("v1.2.3")) == "v1.2.3"


def test_prerelease_tag_uses_the_branch_slug() -> None:
    version = parse_version("1.2.3a1")
    tag = format_tag("v{version}-{branch}", version, branch="feature/Login#12")
    assert tag == "v1.2.3a1-feature-Login-12"


@pytest.mark.parametrize(
    ("branch", "slug"),
    [
        ("feature/Login#12", "feature-Login-12"),
        ("main", "main"),
        ("fix//double", "fix-double"),
        ("-.leading/and/trailing.-", "leading-and-trailing"),
        ("release/1.2.x", "release-1.2.x"),
        ("ünïcode-branch", "n-code-branch"),
        ("1234", "b1234"),
        ("under_score", "under_score"),
    ],
)
def test_slug(branch: str, slug: str) -> None:
    assert slugify_branch(branch, "1.2.3a1") == slug


def test_slug_fits_a_container_tag_with_the_version() -> None:
    slug = slugify_branch("a" * 200, "1.2.3a1")
    assert len(f"1.2.3a1-{slug}") == 128
    assert slug == "a" * 120


def test_slug_cut_does_not_end_in_a_separator() -> None:
    slug = slugify_branch("a" * 119 + "/b" * 10, "1.2.3a1")
    assert slug == "a" * 119


def test_slug_of_nothing_usable_is_refused() -> None:
    with pytest.raises(VersionError) as caught:
        slugify_branch("///", "1.0a1")
    assert caught.value.message == (
        "branch '///' gives an empty tag suffix; use a branch name with letters "
        "or digits"
    )


@pytest.mark.parametrize(
    ("template", "tag", "version"),
    [
        ("v{version}", "v1.2.3", "1.2.3"),
        ("release-{version}.x", "release-1.2.3.x", "1.2.3"),
        ("v{version}-{branch}", "v1.2.3a1-feature-Login-12", "1.2.3a1"),
        ("v{version}", "v1.2.3a1-topic", None),
        ("v{version}", "nightly", None),
        ("v{version}", "1.2.3", None),
    ],
)
def test_read_tag(template: str, tag: str, version: str | None) -> None:
    found = read_tag(template, tag)
    assert (found.to_string() if found else None) == version
