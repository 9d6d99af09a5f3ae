"""Report the installed version of a distribution."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "lib-ml"
UNKNOWN_VERSION = "0+unknown"


def installed_version(distribution: str = DISTRIBUTION) -> str:
    """Return the installed version of `distribution`, or `0+unknown` if not installed.

    Running from a source checkout without installing is the usual cause of the
    fallback; `0+unknown` sorts below every real release.
    """
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION
