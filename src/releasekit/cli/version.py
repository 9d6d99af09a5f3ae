"""``releasekit version``: print the project's version."""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli import show_version
from releasekit.cli.common import JSON_OPTION, PATH_OPTION, get_state


def version(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the project's next, unreleased version (and its tag with --json)."""
    show_version(get_state(ctx).display, path, as_json)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("version")(version)
