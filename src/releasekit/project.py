"""A Poetry project as releasekit sees it: its file, its settings and its version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from poetry.core.constraints.version import Version

from releasekit.config import Config, load_config
from releasekit.pyproject import Pyproject
from releasekit.versions import format_tag, is_prerelease


@dataclass(frozen=True)
class Project:
    """A project folder with its parsed pyproject.toml, settings and version."""

    folder: Path
    pyproject: Pyproject
    config: Config
    version: Version

    @classmethod
    def load(cls, folder: Path) -> Project:
        """Read a project, checking its version and its settings."""
        pyproject = Pyproject.load(folder)
        version = pyproject.version()
        return cls(folder, pyproject, load_config(pyproject), version)

    @property
    def tag(self) -> str:
        """The tag a release of the current version gets."""
        return format_tag(self.config.tag_format, self.version)

    def version_outputs(self) -> dict[str, str]:
        """The outputs of ``releasekit version``."""
        return {
            "version": self.version.to_string(),
            "tag": self.tag,
            "is_prerelease": "true" if is_prerelease(self.version) else "false",
        }
