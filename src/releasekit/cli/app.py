"""The typer application: the global options and every command."""

from __future__ import annotations

import logging
import sys

import typer

from releasekit.cli import bump, check, deps, image, init, release, version
from releasekit.cli.common import State, app
from releasekit.display import NORMAL, QUIET, VERBOSE, Display
from releasekit.runtime import SECRETS, Actions

__all__ = ["app"]

for module in (version, bump, release, image, deps, check, init):
    module.register(app)


@app.callback()
def configure(
    ctx: typer.Context,
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show diagnostics on stderr."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Show only errors and warnings on stderr."
    ),
) -> None:
    """Release Poetry projects: bump, tag, publish GitHub releases and images."""
    verbosity = VERBOSE if verbose else QUIET if quiet else NORMAL
    actions = Actions.from_environment()
    ctx.obj = State(display=Display(verbosity=verbosity, actions=actions))
    _configure_logging(verbosity)


def _configure_logging(verbosity: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_redact)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("releasekit", "github", "git", "docker", "urllib3"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbosity >= VERBOSE else logging.WARNING)
        logger.propagate = False


def _redact(record: logging.LogRecord) -> bool:
    record.msg = SECRETS.redact(record.getMessage())
    record.args = None
    return True
