"""``releasekit init``: add the release workflows and settings to a project."""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli.common import PATH_OPTION, get_state
from releasekit.scaffold import KINDS

KIND_OPTION = typer.Option(
    None,
    "--kind",
    help=f"One of {', '.join(KINDS)}; by default service when there is a Dockerfile.",
)
FORCE_OPTION = typer.Option(
    False, "--force", help="Overwrite workflow files that differ from the templates."
)


def init(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    kind: str | None = KIND_OPTION,
    force: bool = FORCE_OPTION,
) -> None:
    """Write the release workflows and a commented tool.releasekit settings table.

    Prints the files written. Refuses (exit 3) to overwrite a workflow that
    differs from releasekit's template unless --force; a second run does nothing.
    """
    from releasekit.scaffold import detect_kind, plan_init, write_changes

    display = get_state(ctx).display
    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(
            f"must be one of {', '.join(KINDS)}", param_hint="--kind"
        )
    kind = kind or detect_kind(path)

    changes = plan_init(path, kind, _releasekit_version())
    written = write_changes(changes, force=force)

    if not written:
        display.status(f"nothing to do: {path} already has the {kind} workflows")
        return
    display.status(f"set up {path} as a {kind}: wrote {len(written)} files")
    display.data("\n".join(str(change.path.relative_to(path)) for change in written))


def _releasekit_version() -> str:
    from importlib.metadata import version

    return version("releasekit")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("init")(init)
