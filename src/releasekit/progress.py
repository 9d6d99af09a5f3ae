"""Per-layer push progress: a live display on a terminal, plain lines in CI.

Docker's push stream reports each layer (``Preparing``, ``Pushing`` with byte
counts, ``Pushed`` or ``Layer already exists``); podman's reports only the
start and the digest. Either way, lines without a layer are printed as status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from releasekit.display import NORMAL, Display
from releasekit.runtime import SECRETS, neutralise

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

Chunk = Mapping[str, Any]

_QUIET_STATUSES = ("Preparing", "Waiting", "Pushing")


class PlainProgress:
    """Says, once per layer and state, what happens to it."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._states: dict[str, str] = {}

    def __call__(self, chunk: Chunk) -> None:
        status, layer = _status(chunk)
        if not status:
            return
        if not layer:
            self._say(status)
            return
        if self._states.get(layer) == status:
            return

        self._states[layer] = status
        if status == "Pushing":
            total = (chunk.get("progressDetail") or {}).get("total")
            size = f" ({_megabytes(total)})" if total else ""
            self._say(f"layer {layer}: pushing{size}")
        elif status not in _QUIET_STATUSES:
            self._say(f"layer {layer}: {status[0].lower()}{status[1:]}")


class LiveProgress:
    """A rich progress bar per layer."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, chunk: Chunk) -> None:
        status, layer = _status(chunk)
        if not status:
            return
        if not layer:
            text = neutralise(SECRETS.redact(status))
            self._progress.console.print(text, markup=False, highlight=False)
            return

        task = self._tasks.get(layer)
        if task is None:
            task = self._progress.add_task(f"{layer} {status}", total=None)
            self._tasks[layer] = task
        detail = chunk.get("progressDetail") or {}
        if detail.get("total"):
            self._progress.update(
                task, total=detail["total"], completed=detail.get("current", 0)
            )
        finished = status not in _QUIET_STATUSES
        if finished:
            total = self._progress.tasks[task].total or 1
            self._progress.update(task, total=total, completed=total)
        self._progress.update(task, description=f"{layer} {status}")


def _status(chunk: Chunk) -> tuple[str, str]:
    """A push chunk's status line and the layer it is about ("" for none)."""
    return str(chunk.get("status") or "").strip(), str(chunk.get("id") or "")


@contextmanager
def push_progress(display: Display) -> Iterator[Callable[[Chunk], None]]:
    """The progress callback that suits where stderr goes."""
    if display.verbosity < NORMAL:
        yield lambda chunk: None
        return
    if not _is_terminal(display) or display.actions.enabled:
        yield PlainProgress(display.status)
        return

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    console = Console(file=display.err)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console, redirect_stderr=False) as progress:
        yield LiveProgress(progress)


def _is_terminal(display: Display) -> bool:
    isatty = getattr(display.err, "isatty", None)
    return bool(isatty and isatty())


def _megabytes(size: Any) -> str:
    return f"{int(size) / 1_000_000:.1f} MB"
