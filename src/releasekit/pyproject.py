"""The project's pyproject.toml: find, read and rewrite its version in place.

Rewrites are style-preserving: only the version strings change, every other byte
(comments, quoting, key order, line endings) stays as it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from poetry.core.constraints.version import Version
from tomlkit.exceptions import ParseError
from tomlkit.items import String
from tomlkit.toml_document import TOMLDocument

from releasekit.errors import ProjectError
from releasekit.versions import parse_version

FILENAME = "pyproject.toml"

# Poetry 2 writes the version under [project] (PEP 621), Poetry 1 under [tool.poetry].
VERSION_KEYS: tuple[tuple[str, ...], ...] = (
    ("project", "version"),
    ("tool", "poetry", "version"),
)


@dataclass
class Pyproject:
    """A parsed pyproject.toml and the text it was parsed from."""

    path: Path
    text: str
    document: TOMLDocument

    @classmethod
    def load(cls, directory: Path) -> Pyproject:
        """Read and parse ``directory/pyproject.toml``."""
        path = directory / FILENAME
        try:
            # newline="" keeps CRLF line endings, so a rewrite can preserve them.
            with path.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
        except FileNotFoundError as err:
            raise ProjectError(
                f"no {FILENAME} in {directory}; run releasekit in the project "
                "folder or pass --path"
            ) from err
        except (OSError, UnicodeDecodeError) as err:
            raise ProjectError(f"cannot read {path}: {_reason(err)}") from err
        return cls.parse(path, text)

    @classmethod
    def parse(cls, path: Path, text: str) -> Pyproject:
        """Parse pyproject.toml text; ``path`` names it in errors."""
        try:
            document = tomlkit.parse(text)
        except ParseError as err:
            raise ProjectError(
                f"{path} is not valid TOML at line {err.line}, column {err.col}: "
                f"{_parse_reason(err)}"
            ) from err
        return cls(path=path, text=text, document=document)

    @property
    def name(self) -> str | None:
        """The project name from ``[project]`` or ``[tool.poetry]``."""
        for table in (("project",), ("tool", "poetry")):
            value = _lookup(self.document, (*table, "name"))
            if isinstance(value, str):
                return str(value)
        return None

    def table(self, *keys: str) -> Any:
        """Return the value at a dotted key path, or None when absent."""
        return _lookup(self.document, keys)

    def version(self) -> Version:
        """Return the project's version, checked and normalised."""
        found = dict(self._version_items())
        if not found:
            raise ProjectError(self._missing_version_message())

        versions = {
            key: parse_version(str(item), source=key) for key, item in found.items()
        }
        distinct = {version.to_string() for version in versions.values()}
        if len(distinct) > 1:
            detail = " but ".join(f"{key} is {found[key]!s}" for key in found)
            raise ProjectError(
                f"{self.path}: {detail}; make both keys carry the same version"
            )
        return next(iter(versions.values()))

    def with_version(self, version: Version) -> str:
        """Return the file's text with every version key set to ``version``."""
        for keys, item in self._version_strings():
            table = _lookup(self.document, keys[:-1])
            table[keys[-1]] = String(
                item.type, version.to_string(), version.to_string(), item.trivia
            )
        return self.document.as_string()

    def write_version(self, version: Version) -> None:
        """Rewrite the file atomically with the new version."""
        write_atomic(self.path, self.with_version(version))
        self.text = self.document.as_string()

    def _version_items(self) -> Iterator[tuple[str, Any]]:
        dynamic = _lookup(self.document, ("project", "dynamic")) or []
        static = _lookup(self.document, ("project", "version"))
        if "version" in dynamic and static is not None:
            raise ProjectError(
                f"{self.path}: project.version is set and also listed in "
                "project.dynamic, which PEP 621 forbids; remove one of them"
            )

        for keys in VERSION_KEYS:
            value = _lookup(self.document, keys)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ProjectError(
                    f"{self.path}: {'.'.join(keys)} must be a string, "
                    f'not {_toml_type(value)}; write it in quotes, e.g. "1.2.3"'
                )
            yield ".".join(keys), value

    def _version_strings(self) -> Iterator[tuple[tuple[str, ...], String]]:
        for keys in VERSION_KEYS:
            item = _lookup(self.document, keys)
            if isinstance(item, String):
                yield keys, item

    def _missing_version_message(self) -> str:
        dynamic = _lookup(self.document, ("project", "dynamic")) or []
        if "version" in dynamic:
            return (
                f"{self.path}: the version is dynamic (project.dynamic), so "
                "releasekit cannot read or bump it; set a static project.version "
                "or tool.poetry.version"
            )
        return (
            f"{self.path} has no version; add project.version "
            "(or tool.poetry.version for Poetry 1)"
        )


def write_atomic(path: Path, text: str) -> None:
    """Replace a file's content so that readers see the old or the new, never half."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as err:
        raise ProjectError(f"cannot write {path}: {_reason(err)}") from err
    if not mode & 0o222:
        raise ProjectError(
            f"cannot write {path}: the file is read-only; make it writable "
            f"(chmod u+w {path.name})"
        )

    import tempfile  # only writes need it; reading the version stays lean

    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as err:
        raise ProjectError(f"cannot write {path}: {_reason(err)}") from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise ProjectError(f"cannot write {path}: {_reason(err)}") from err


def _lookup(document: Any, keys: tuple[str, ...]) -> Any:
    node = document
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _toml_type(value: Any) -> str:
    if hasattr(value, "unwrap"):
        value = value.unwrap()
    names = {bool: "a boolean", int: "an integer", float: "a float"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    return str(err)


def _parse_reason(err: ParseError) -> str:
    # tomlkit appends " at line L col C" to its message; the caller reports both.
    message = str(err)
    return message.split(" at line ")[0].strip().rstrip(".").lower()
