"""``releasekit bump``: move the version in pyproject.toml forward."""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli.common import DRY_RUN_OPTION, JSON_OPTION, PATH_OPTION, get_state
from releasekit.pyproject import Pyproject
from releasekit.versions import BUMP_KINDS, bump_version

TARGET_HELP = (
    f"One of {', '.join(BUMP_KINDS)}, or an explicit PEP 440 version greater "
    "than the current one."
)


def bump(
    ctx: typer.Context,
    target: str = typer.Argument(..., metavar="KIND|VERSION", help=TARGET_HELP),
    path: Path = PATH_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Bump the version in pyproject.toml and print the new version."""
    state = get_state(ctx)
    project = Pyproject.load(path)
    current = project.version()
    new = bump_version(current, target)

    change = f"{current.to_string()} -> {new.to_string()} in {project.path}"
    if dry_run:
        state.display.status(f"would bump {change}")
    else:
        project.write_version(new)
        state.display.status(f"bumped {change}")

    outputs = {"version": new.to_string(), "previous_version": current.to_string()}
    state.display.result(outputs, text=outputs["version"], as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("bump")(bump)
