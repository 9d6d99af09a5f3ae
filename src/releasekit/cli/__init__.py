"""The ``releasekit`` command line and the one place that renders its errors.

``releasekit version`` runs on every workflow step, so it is answered without
importing typer; everything else goes through the typer app in ``app.py``.
Commands import heavy libraries (PyGithub, GitPython, docker) inside their
functions, so ``--help`` stays fast too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from releasekit.display import NORMAL, QUIET, VERBOSE, Display
from releasekit.errors import ReleasekitError
from releasekit.runtime import Actions

__all__ = ["main", "show_version"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with the documented code."""
    args = list(sys.argv[1:] if argv is None else argv)
    display = Display(actions=Actions.from_environment())
    display.verbosity = _leading_verbosity(args)
    fast = _parse_fast_version(args)
    if fast is not None:
        verbosity, path, as_json = fast
        display.verbosity = verbosity
        sys.exit(_guarded(display, lambda: show_version(display, path, as_json)))
    sys.exit(_guarded(display, lambda: _run_app(display, args)))


def show_version(display: Display, path: Path, as_json: bool) -> int:
    """Print the version of the project in ``path``: ``releasekit version``."""
    from releasekit.project import Project

    outputs = Project.load(path).version_outputs()
    display.result(outputs, text=outputs["version"], as_json=as_json)
    return 0


def _guarded(display: Display, action: Callable[[], int]) -> int:
    try:
        return action()
    except ReleasekitError as err:
        display.error(err.message)
        return err.exit_code
    except KeyboardInterrupt:
        display.error("interrupted; run the command again to finish")
        return 130
    except Exception as err:
        # A bug: one redacted line, and the traceback only with --verbose.
        import traceback

        display.detail(traceback.format_exc().rstrip())
        display.error(
            f"unexpected {type(err).__name__}: {err}; run again with -v and report "
            "the output"
        )
        return 1


def _run_app(display: Display, args: list[str]) -> int:
    import typer

    from releasekit.cli.app import app

    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="releasekit", standalone_mode=False)
    except typer.TyperException as err:
        # Usage errors: typer's click exceptions carry click's exit code 2.
        display.error(_usage_message(err))
        return int(getattr(err, "exit_code", 2))
    except typer.Abort:
        display.error("interrupted; run the command again to finish")
        return 130
    return code if isinstance(code, int) else 0


def _leading_verbosity(args: list[str]) -> int:
    """The verbosity the global options before the command ask for."""
    verbosity = NORMAL
    for arg in args:
        if arg in ("-v", "--verbose"):
            verbosity = VERBOSE
        elif arg in ("-q", "--quiet"):
            verbosity = QUIET
        else:
            break
    return verbosity


def _parse_fast_version(args: list[str]) -> tuple[int, Path, bool] | None:
    """Recognise the plain forms of ``releasekit version``; None means "ask typer"."""
    verbosity = NORMAL
    rest = list(args)
    while rest and rest[0] in ("-v", "--verbose", "-q", "--quiet"):
        verbosity = VERBOSE if rest.pop(0) in ("-v", "--verbose") else QUIET
    if not rest or rest.pop(0) != "version":
        return None

    path, as_json = Path("."), False
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            as_json = True
        elif arg == "--path" and rest and not rest[0].startswith("-"):
            path = Path(rest.pop(0))
        elif arg.startswith("--path=") and len(arg) > len("--path="):
            path = Path(arg.removeprefix("--path="))
        else:
            return None
    return verbosity, path, as_json


def _usage_message(err: Exception) -> str:
    ctx = getattr(err, "ctx", None)
    where = ctx.command_path if ctx is not None else "releasekit"
    message = str(getattr(err, "format_message", lambda: str(err))())
    return f"{message.rstrip('.')}; see '{where} --help'"
