"""``releasekit release``, ``prerelease``, and the steps they are made of.

``tag`` and ``publish`` are the single steps, for workflows that compose them.
"""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli.common import (
    BRANCH_OPTION,
    DRY_RUN_OPTION,
    JSON_OPTION,
    PATH_OPTION,
    State,
    get_state,
)
from releasekit.errors import NothingToRelease
from releasekit.preflight import Preflight, connect, open_checkout
from releasekit.releases import Outcome


def release(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    branch: str | None = BRANCH_OPTION,
    no_bump: bool = typer.Option(
        False, "--no-bump", help="Stop after the GitHub release (bump later)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 8 when the version is already released."
    ),
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Tag the version, publish its GitHub release, then commit the next version."""
    from releasekit import releases

    state = get_state(ctx)
    preflight = _preflight(state, path, branch, dry_run)
    outcome = releases.release(preflight, bump=not no_bump, say=state.display.status)
    _report(state, "release", outcome, as_json)
    if strict and not outcome.released:
        raise NothingToRelease(f"{outcome.reason}; nothing to release (--strict)")


def prerelease(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    branch: str | None = BRANCH_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Commit the next pre-release version, tag it for the branch, pre-release it."""
    from releasekit import releases

    state = get_state(ctx)
    preflight = _preflight(state, path, branch, dry_run)
    outcome = releases.prerelease(preflight, say=state.display.status)
    _report(state, "pre-release", outcome, as_json)


def tag(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    branch: str | None = BRANCH_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create and push the tag of the current version at HEAD (one step)."""
    from releasekit import releases

    state = get_state(ctx)
    checkout = open_checkout(
        path, branch=branch, dry_run=dry_run, say=state.display.status
    )
    outcome = releases.tag_version(checkout, say=state.display.status)
    _report(state, "tag", outcome, as_json)


def publish(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    branch: str | None = BRANCH_OPTION,
    tag_name: str | None = typer.Option(
        None, "--tag", help="Tag to release; default: the current version's tag."
    ),
    dry_run: bool = DRY_RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create the GitHub release of an existing tag (one step)."""
    from releasekit import releases

    state = get_state(ctx)
    preflight = _preflight(state, path, branch, dry_run)
    outcome = releases.publish(preflight, tag_name, say=state.display.status)
    _report(state, "publish", outcome, as_json)


def _preflight(
    state: State, path: Path, branch: str | None, dry_run: bool
) -> Preflight:
    display = state.display
    checkout = open_checkout(path, branch=branch, dry_run=dry_run, say=display.status)
    return connect(
        checkout, dry_run=dry_run, say=display.status, mask=display.actions.mask
    )


def _report(state: State, what: str, outcome: Outcome, as_json: bool) -> None:
    outputs = outcome.outputs()
    rows = "\n".join(f"| {key} | {value} |" for key, value in outputs.items() if value)
    summary = f"### releasekit {what}\n\n| output | value |\n|---|---|\n{rows}\n"
    state.display.result(outputs, text=outcome.tag, as_json=as_json, summary=summary)


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command("release")(release)
    app.command("prerelease")(prerelease)
    app.command("tag")(tag)
    app.command("publish")(publish)
