"""PEP 440 versions as releasekit reads, bumps and tags them.

The version in pyproject.toml is always the next, unreleased one, so a pre-release
bump of a final 1.2.3 gives 1.2.3a1 rather than a pre-release of 1.2.4.
"""

from __future__ import annotations

import re
from typing import Final

from poetry.core.constraints.version import Version
from poetry.core.version.exceptions import InvalidVersionError

from releasekit.errors import VersionError

BUMP_KINDS: Final = ("patch", "minor", "major", "prerelease", "release")

# A container tag allows 128 characters; tags and image tags share one slug.
MAX_TAG_LENGTH: Final = 128

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def parse_version(text: str, *, source: str = "version") -> Version:
    """Parse and normalise a PEP 440 version that can become a tag.

    ``source`` names where the text came from, for the error message.
    """
    try:
        version = Version.parse(text.strip())
    except InvalidVersionError as err:
        raise VersionError(
            f"{source} {text!r} is not a valid PEP 440 version; "
            "use a form such as 1.2.3, 1.2.3a1 or 1.2.3rc1"
        ) from err

    if version.epoch:
        raise VersionError(
            f"{source} {text!r} has an epoch, which cannot become a tag; "
            "drop the 'N!' prefix"
        )
    if version.local:
        raise VersionError(
            f"{source} {text!r} has a local part, which package indexes refuse; "
            "drop the '+...' suffix"
        )
    return version


def bump_version(current: Version, target: str) -> Version:
    """Return the version that follows ``current`` for a bump kind or version."""
    if target in BUMP_KINDS:
        return _bump_kind(current, target)

    try:
        explicit = parse_version(target, source="requested version")
    except VersionError as err:
        if any(char.isdigit() for char in target):
            raise
        raise VersionError(
            f"{target!r} is neither a bump kind ({', '.join(BUMP_KINDS)}) "
            "nor a PEP 440 version; pass one of those"
        ) from err
    if explicit <= current:
        raise VersionError(
            f"requested version {explicit.to_string()} is not greater than the "
            f"current version {current.to_string()}; pass a higher version"
        )
    return explicit


def _bump_kind(current: Version, kind: str) -> Version:
    if kind == "patch":
        return current.next_patch()
    if kind == "minor":
        return current.next_minor()
    if kind == "major":
        return current.next_major()
    if kind == "prerelease":
        return _next_prerelease(current)
    return _finalise(current)


def _next_prerelease(current: Version) -> Version:
    if current.is_postrelease():
        raise VersionError(
            f"{current.to_string()} is a post-release, which has no pre-releases; "
            "bump patch first"
        )
    if current.pre is not None:
        return current.next_prerelease()

    # A final or dev version names a release still to come: pre-release that one.
    return Version.parse(f"{current.stable.to_string()}a1")


def _finalise(current: Version) -> Version:
    if not current.is_unstable():
        raise VersionError(
            f"{current.to_string()} is already a final version; "
            "bump patch, minor or major instead"
        )
    return current.stable


def is_prerelease(version: Version) -> bool:
    """Tell whether a version is a pre-release or development release."""
    return version.is_unstable()


def format_tag(template: str, version: Version, branch: str | None = None) -> str:
    """Fill a tag template such as ``v{version}`` or ``v{version}-{branch}``."""
    text = version.to_string()
    if branch is None:
        return template.replace("{version}", text)
    return template.replace("{version}", text).replace(
        "{branch}", slugify_branch(branch, text)
    )


def read_tag(template: str, tag: str) -> Version | None:
    """The version in a tag made from a template, or None if it does not fit."""
    parts = re.split(r"(\{version\}|\{branch\})", template)
    placeholders = {"{version}": "(?P<version>.+?)", "{branch}": ".+"}
    pattern = "".join(placeholders.get(part, re.escape(part)) for part in parts)
    match = re.fullmatch(pattern, tag)
    if not match:
        return None
    try:
        return parse_version(match["version"])
    except VersionError:
        return None


def slugify_branch(branch: str, version: str = "") -> str:
    """Turn a branch name into the slug used in pre-release and image tags.

    Every run of characters outside ``[A-Za-z0-9._-]`` becomes one ``-``; the
    result is cut so that ``{version}-{slug}`` fits a container tag.
    """
    slug = _SLUG_UNSAFE.sub("-", branch).strip(".-")
    if slug.isdigit():
        # "1.2.3a1-12" would read as a post-release to PEP 440 tools.
        slug = f"b{slug}"

    room = MAX_TAG_LENGTH - len(version) - 1
    slug = slug[:room].rstrip(".-")
    if not slug:
        raise VersionError(
            f"branch {branch!r} gives an empty tag suffix; "
            "use a branch name with letters or digits"
        )
    return slug
