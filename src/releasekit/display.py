"""What releasekit tells people (stderr) and what it hands to programs (stdout)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from releasekit.runtime import SECRETS, Actions, neutralise

QUIET, NORMAL, VERBOSE = 0, 1, 2


@dataclass
class Display:
    """Prints status to stderr, gated by verbosity, and data to stdout."""

    verbosity: int = NORMAL
    actions: Actions = field(default_factory=lambda: Actions(enabled=False))
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    def status(self, message: str) -> None:
        """Say what is happening; hidden by ``--quiet``."""
        if self.verbosity >= NORMAL:
            self._line(self.err, message)

    def detail(self, message: str) -> None:
        """Say more; shown only with ``--verbose``."""
        if self.verbosity >= VERBOSE:
            self._line(self.err, message)

    def warning(self, message: str) -> None:
        """Warn, always, and as an annotation in Actions: one line."""
        message = _one_line(message)
        self.actions.annotate("warning", message)
        self._line(self.err, f"warning: {message}")

    def error(self, message: str) -> None:
        """Report a failure, always, and as an annotation in Actions: one line."""
        message = _one_line(message)
        self.actions.annotate("error", message)
        self._line(self.err, f"error: {message}")

    def echo(self, message: str) -> None:
        """Print tool output that explains an error, whatever the verbosity."""
        self._line(self.err, message)

    def result(
        self,
        outputs: Mapping[str, str],
        *,
        text: str,
        as_json: bool = False,
        summary: str | None = None,
    ) -> None:
        """Hand a command's result to stdout, the step outputs and the summary."""
        self.actions.set_outputs(outputs)
        if summary:
            self.actions.add_summary(summary)
        if as_json:
            self.json(dict(outputs))
        else:
            self.data(text)

    def data(self, text: str) -> None:
        """Print a result for programs to read."""
        self._line(self.out, text)

    def json(self, payload: Mapping[str, Any]) -> None:
        """Print a result as one JSON document."""
        self._line(self.out, json.dumps(payload, indent=2, sort_keys=False))

    def _line(self, stream: TextIO, text: str) -> None:
        safe = "\n".join(neutralise(line) for line in text.splitlines() or [""])
        stream.write(SECRETS.redact(safe) + "\n")
        stream.flush()


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).replace("\r", " ")
