"""Errors releasekit raises; each carries the exit code the CLI ends with.

ReleasekitError          any failure not covered below (exit 1)
├── ProjectError         pyproject.toml missing, unreadable, invalid or unwritable (3)
│   └── ConfigError      a bad ``[tool.releasekit]`` setting (3)
├── VersionError         a version that is not usable PEP 440, or a refused bump (4)
├── GitError             a git command, the remote or a push failed (5)
│   └── PushRejected     the remote refused a push (5)
├── ForgeError           GitHub refused or failed an API request, or no token (6)
├── ImageError           the container engine or the registry failed (7)
├── NothingToRelease     ``--strict`` and the version is already released (8)
├── CheckFailed          ``releasekit check`` found problems in a pull request (9)
└── DependenciesOutdated ``releasekit deps`` found newer release tags (10)

Exit code 2 is a command-line usage error, as in every click program.
"""

from __future__ import annotations


class ReleasekitError(Exception):
    """Raised for any failure the user can act on; the base of the hierarchy."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProjectError(ReleasekitError):
    """Raised when pyproject.toml is missing, unreadable, invalid or unwritable."""

    exit_code = 3


class ConfigError(ProjectError):
    """Raised when a ``[tool.releasekit]`` setting is unknown or has a wrong type."""


class VersionError(ReleasekitError):
    """Raised for a version that is not usable PEP 440 or a bump that is refused."""

    exit_code = 4


class GitError(ReleasekitError):
    """Raised when a git command, the remote or a push fails."""

    exit_code = 5


class PushRejected(GitError):
    """Raised when the remote refuses a push; ``reason`` says why."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ForgeError(ReleasekitError):
    """Raised when GitHub refuses or fails an API request, or no token is set."""

    exit_code = 6


class ImageError(ReleasekitError):
    """Raised when the container engine or the registry fails."""

    exit_code = 7


class NothingToRelease(ReleasekitError):
    """Raised under ``--strict`` when the version is already released."""

    exit_code = 8


class CheckFailed(ReleasekitError):
    """Raised when ``releasekit check`` finds problems in a pull request."""

    exit_code = 9


class DependenciesOutdated(ReleasekitError):
    """Raised when ``releasekit deps`` finds Git dependencies with newer tags."""

    exit_code = 10


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected failure",
    2: "command-line usage error",
    ProjectError.exit_code: "pyproject.toml or [tool.releasekit] is invalid",
    VersionError.exit_code: "invalid version or refused bump",
    GitError.exit_code: "git or the remote failed",
    ForgeError.exit_code: "GitHub API failed or refused",
    ImageError.exit_code: "container engine or registry failed",
    NothingToRelease.exit_code: "nothing to release (with --strict)",
    CheckFailed.exit_code: "pull request check failed",
    DependenciesOutdated.exit_code: "Git dependencies are outdated",
}
