"""What every command shares: the app, its per-run state and common options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from releasekit.display import Display

app = typer.Typer(
    name="releasekit",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    """Per-invocation objects the callback builds for the commands."""

    display: Display


def get_state(ctx: typer.Context) -> State:
    """Return the state built by the app callback."""
    state = ctx.find_object(State)
    if state is None:  # pragma: no cover - the callback always runs first
        raise RuntimeError("releasekit state is missing")
    return state


PATH_OPTION = typer.Option(
    Path("."),
    "--path",
    help="Project folder holding pyproject.toml.",
    file_okay=False,
    show_default=True,
)
JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON.")
BRANCH_OPTION = typer.Option(
    None,
    "--branch",
    help="Branch to push to; default: GITHUB_REF_NAME, else the checked-out one.",
)
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Print what would be done and change nothing."
)


def read_token(display: Display) -> str | None:
    """The job token for reading remotes, masked before anything can print it."""
    import os

    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or None
    if token:
        display.actions.mask(token)
    return token
