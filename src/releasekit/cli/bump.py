"""``releasekit bump``: move the version in pyproject.toml forward."""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli.common import (
    BRANCH_OPTION,
    DRY_RUN_OPTION,
    JSON_OPTION,
    PATH_OPTION,
    get_state,
)
from releasekit.config import load_config
from releasekit.display import Display
from releasekit.pyproject import Pyproject
from releasekit.versions import BUMP_KINDS, bump_version

TARGET_HELP = (
    f"One of {', '.join(BUMP_KINDS)}, or an explicit PEP 440 version greater "
    "than the current one. [default: tool.releasekit.bump_after_release, patch]"
)


def bump(
    ctx: typer.Context,
    target: str | None = typer.Argument(
        None, metavar="[KIND|VERSION]", help=TARGET_HELP, show_default=False
    ),
    path: Path = PATH_OPTION,
    commit: bool = typer.Option(
        False, "--commit", help="Commit pyproject.toml as the bot."
    ),
    push: bool = typer.Option(
        False, "--push", help="Commit and push to the branch (implies --commit)."
    ),
    branch: str | None = BRANCH_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Bump the version in pyproject.toml and print the new version."""
    display = get_state(ctx).display
    if target is None:
        target = load_config(Pyproject.load(path)).bump_after_release
    if push or commit:
        previous, new = _bump_in_git(display, path, target, push, branch, dry_run)
    else:
        previous, new = _bump_file(display, path, target, dry_run)

    outputs = {"version": new, "previous_version": previous}
    display.result(outputs, text=new, as_json=as_json)


def _bump_file(
    display: Display, path: Path, target: str, dry_run: bool
) -> tuple[str, str]:
    pyproject = Pyproject.load(path)
    current = pyproject.version()
    new = bump_version(current, target)

    change = f"{current.to_string()} -> {new.to_string()} in {pyproject.path}"
    if dry_run:
        display.status(f"would bump {change}")
    else:
        pyproject.write_version(new)
        display.status(f"bumped {change}")
    return current.to_string(), new.to_string()


def _bump_in_git(
    display: Display,
    path: Path,
    target: str,
    push: bool,
    branch: str | None,
    dry_run: bool,
) -> tuple[str, str]:
    from releasekit.bumps import commit_bump, push_bump
    from releasekit.preflight import open_checkout

    checkout = open_checkout(
        path, branch=branch, dry_run=dry_run, say=display.status, need_branch=push
    )
    start = checkout.project.version
    if not push:
        new, _ = commit_bump(checkout, target, display.status)
        return start.to_string(), new.to_string()

    result = push_bump(checkout, start=start, target=target, say=display.status)
    return start.to_string(), result.version.to_string()


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("bump")(bump)
