"""Git dependencies pinned to a version tag: find them, check and upgrade them.

Two spellings are understood. Poetry's tables, wherever Poetry keeps
dependencies: ``lib = {git = "https://...", tag = "v1.2.3"}`` (or ``rev`` when
it names a version tag). PEP 508 strings in ``[project]``:
``"lib @ git+https://...@v1.2.3#subdirectory=lib"``. An upgrade rewrites the
tag strings and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from poetry.core.constraints.version import Version
from poetry.core.version.exceptions import InvalidVersionError
from tomlkit.items import String

from releasekit.errors import GitError, ProjectError
from releasekit.pyproject import Pyproject, write_atomic

KeyPath = tuple[str | int, ...]

UP_TO_DATE: Final = "up-to-date"
OUTDATED: Final = "outdated"
MISSING: Final = "missing"
UNREACHABLE: Final = "unreachable"
UPGRADED: Final = "upgraded"

# ls-remote waits on the network, not the CPU: a few threads are plenty.
WORKERS: Final = 8

# A rev names a version tag when it reads as one; branches and SHAs do not.
_VERSION_TAG: Final = re.compile(r"^[vV]?\d+(\.\d+)+")
_REQUIREMENT: Final = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?"
    r"\s*@\s*git\+(?P<url>[^\s;#]+)"
)


@dataclass(frozen=True)
class GitDependency:
    """A dependency on a Git remote, pinned to a version tag."""

    name: str
    url: str
    tag: str
    where: str
    path: KeyPath

    @property
    def key(self) -> str:
        """The name normalised as PEP 503 does, for comparisons."""
        return normalise_name(self.name)


@dataclass(frozen=True)
class _Pin:
    name: str
    url: str
    tag: str
    start: int
    end: int


def normalise_name(name: str) -> str:
    """Normalise a distribution name: lowercase, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def tag_version(name: str) -> Version | None:
    """The PEP 440 version a tag name stands for, or None when it is not one."""
    try:
        return Version.parse(name)
    except InvalidVersionError:
        return None


def newest_tag(tags: Iterable[str], *, pre: bool = False) -> str | None:
    """The tag with the highest version; pre-releases count only with ``pre``."""
    candidates = []
    for name in tags:
        version = tag_version(name)
        if version is None or (version.is_unstable() and not pre):
            continue
        candidates.append((version, name))
    return max(candidates)[1] if candidates else None


def find_git_dependencies(pyproject: Pyproject) -> list[GitDependency]:
    """Every Git dependency of the project pinned to a version tag, in file order."""
    found = list(_poetry_dependencies(pyproject))
    found += _pep508_dependencies(pyproject)
    return found


@dataclass(frozen=True)
class DependencyCheck:
    """What the remote says about a dependency's pin."""

    dependency: GitDependency
    status: str
    newest: str | None = None
    error: str | None = None

    @property
    def problem(self) -> str | None:
        """Why the pin is broken or could not be checked, or None."""
        dependency = self.dependency
        if self.error:
            return f"{dependency.name}: {self.error}"
        if self.status != MISSING:
            return None
        advice = (
            f"pin an existing tag, e.g. {self.newest}"
            if self.newest
            else "pin a tag that exists there"
        )
        return (
            f"{dependency.name} is pinned to {dependency.tag}, which does not exist "
            f"on {dependency.url}; {advice}"
        )

    @property
    def upgradable(self) -> bool:
        """Tell whether the pin should and can move to the newest tag."""
        fixable = self.status in (OUTDATED, MISSING)
        return fixable and self.newest not in (None, self.dependency.tag)


def check_dependencies(
    dependencies: Iterable[GitDependency],
    *,
    pre: bool = False,
    token: str | None = None,
    workers: int = WORKERS,
) -> list[DependencyCheck]:
    """Compare each pin with the tags on its remote, asking remotes concurrently."""
    dependencies = list(dependencies)
    urls = sorted({dependency.url for dependency in dependencies})
    tags = _list_tags(urls, token=token, workers=workers)
    return [_judge(item, tags[item.url], pre=pre) for item in dependencies]


def _list_tags(
    urls: list[str], *, token: str | None, workers: int
) -> dict[str, dict[str, str] | GitError]:
    from concurrent.futures import ThreadPoolExecutor

    from releasekit.git import list_remote_tags

    def list_one(url: str) -> dict[str, str] | GitError:
        try:
            return list_remote_tags(url, token=token)
        except GitError as err:
            return err

    if not urls:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(urls)))) as pool:
        return dict(zip(urls, pool.map(list_one, urls), strict=True))


def _judge(
    dependency: GitDependency, tags: dict[str, str] | GitError, *, pre: bool
) -> DependencyCheck:
    if isinstance(tags, GitError):
        return DependencyCheck(dependency, UNREACHABLE, error=tags.message)

    newest = newest_tag(tags, pre=pre)
    if dependency.tag not in tags:
        return DependencyCheck(dependency, MISSING, newest)
    current = tag_version(dependency.tag)
    latest = tag_version(newest) if newest else None
    if current is not None and latest is not None and latest > current:
        return DependencyCheck(dependency, OUTDATED, newest)
    return DependencyCheck(dependency, UP_TO_DATE, newest)


def write_pins(pyproject: Pyproject, pins: dict[GitDependency, str]) -> None:
    """Point each dependency at a new tag, rewriting only the tag strings."""
    if not pins:
        return
    for dependency, tag in pins.items():
        _replace_tag(pyproject, dependency, tag)
    text = pyproject.document.as_string()
    write_atomic(pyproject.path, text)
    pyproject.text = text


# Poetry's tables.


def _poetry_dependencies(pyproject: Pyproject) -> Iterator[GitDependency]:
    for where in _poetry_tables(pyproject):
        table = pyproject.table(*where)
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            path: KeyPath = (*where, name)
            yield from _poetry_entries(str(name), spec, ".".join(where), path)


def _poetry_tables(pyproject: Pyproject) -> Iterator[tuple[str, ...]]:
    yield ("tool", "poetry", "dependencies")
    yield ("tool", "poetry", "dev-dependencies")
    groups = pyproject.table("tool", "poetry", "group")
    if isinstance(groups, dict):
        for group in groups:
            yield ("tool", "poetry", "group", str(group), "dependencies")


def _poetry_entries(
    name: str, spec: Any, where: str, path: KeyPath
) -> Iterator[GitDependency]:
    # A dependency with several constraints is an array of tables.
    entries = list(enumerate(spec)) if isinstance(spec, list) else [(None, spec)]
    for index, entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("git"), str):
            continue
        base = path if index is None else (*path, index)
        for key in ("tag", "rev"):
            tag = entry.get(key)
            if isinstance(tag, str) and _is_version_tag(str(tag), strict=key == "rev"):
                url = str(entry["git"])
                yield GitDependency(name, url, str(tag), where, (*base, key))


# PEP 508 strings.


def _pep508_dependencies(pyproject: Pyproject) -> Iterator[GitDependency]:
    arrays: list[tuple[str, ...]] = [("project", "dependencies")]
    extras = pyproject.table("project", "optional-dependencies")
    if isinstance(extras, dict):
        arrays += [("project", "optional-dependencies", str(key)) for key in extras]

    for where in arrays:
        requirements = pyproject.table(*where)
        if not isinstance(requirements, list):
            continue
        for index, requirement in enumerate(requirements):
            pin = _parse_requirement(str(requirement))
            if pin is not None:
                path: KeyPath = (*where, index)
                yield GitDependency(pin.name, pin.url, pin.tag, ".".join(where), path)


def _parse_requirement(text: str) -> _Pin | None:
    """Find ``name @ git+URL@TAG`` in a requirement; None for anything else."""
    match = _REQUIREMENT.match(text)
    if match is None:
        return None

    parts = urlsplit(match["url"])
    url_path, sep, tag = parts.path.rpartition("@")
    if not sep or not _is_version_tag(tag, strict=True):
        return None

    url = parts._replace(path=url_path).geturl()
    end = match.end("url")
    return _Pin(match["name"], url, tag, end - len(tag), end)


def _is_version_tag(tag: str, *, strict: bool) -> bool:
    if strict and not _VERSION_TAG.match(tag):
        return False
    return tag_version(tag) is not None


# Rewriting.


def _replace_tag(pyproject: Pyproject, dependency: GitDependency, tag: str) -> None:
    container: Any = pyproject.document
    for key in dependency.path[:-1]:
        container = container[key]
    last = dependency.path[-1]
    item = container[last]
    if not isinstance(item, String):  # pragma: no cover - found as a string
        raise ProjectError(f"{pyproject.path}: {dependency.where} changed under us")

    if isinstance(last, str):
        container[last] = String(item.type, tag, tag, item.trivia)
        return

    pin = _parse_requirement(str(item))
    assert pin is not None  # found by the same parser
    value = str(item)[: pin.start] + tag + str(item)[pin.end :]
    raw = item.as_string()[len(item.type.value) : -len(item.type.value)]
    old, new = str(item)[: pin.end], value[: pin.start + len(tag)]
    if not raw.startswith(old):
        raise ProjectError(
            f"{pyproject.path}: cannot rewrite the pin of {dependency.name} in "
            f"{dependency.where} because it uses escape sequences; change its tag "
            "by hand"
        )
    container[last] = String(item.type, value, new + raw[len(old) :], item.trivia)
