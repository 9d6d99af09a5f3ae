"""The CI runtime: GitHub Actions step outputs, summaries, annotations and masks.

Outside Actions every method is a no-op apart from remembering secrets, so the
commands call them unconditionally.
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


@dataclass
class Secrets:
    """Every secret the process handles, so that any output can be redacted."""

    values: set[str] = field(default_factory=set)

    def add(self, secret: str) -> list[str]:
        """Remember a secret and its derived forms; return the new ones."""
        forms = {secret, _basic_auth(secret)} if secret else set()
        new = sorted(forms - self.values)
        self.values |= forms
        return new

    def redact(self, text: str) -> str:
        """Replace every known secret in ``text`` with ``***``."""
        for secret in sorted(self.values, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


def _basic_auth(token: str) -> str:
    # git over HTTPS sends the job token as basic auth of "x-access-token:<token>".
    raw = f"x-access-token:{token}".encode()
    return base64.b64encode(raw).decode("ascii")


SECRETS = Secrets()


@dataclass
class Actions:
    """The GitHub Actions runtime, active when ``GITHUB_ACTIONS=true``."""

    enabled: bool
    output_path: Path | None = None
    summary_path: Path | None = None
    stream: TextIO = field(default_factory=lambda: sys.stderr)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Actions:
        """Describe the runtime from the process environment."""
        env = os.environ if environ is None else environ
        enabled = env.get("GITHUB_ACTIONS") == "true"
        return cls(
            enabled=enabled,
            output_path=_path(env.get("GITHUB_OUTPUT")) if enabled else None,
            summary_path=_path(env.get("GITHUB_STEP_SUMMARY")) if enabled else None,
        )

    def mask(self, secret: str) -> None:
        """Register a secret so that neither releasekit nor the runner prints it."""
        for form in SECRETS.add(secret):
            if self.enabled:
                self._command("add-mask", form)

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Write step outputs; multi-line values use a random delimiter."""
        if not self.output_path:
            return
        lines = []
        for name, value in outputs.items():
            delimiter = f"releasekit_{os.urandom(8).hex()}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        with self.output_path.open("a", encoding="utf-8") as handle:
            handle.write("".join(lines))

    def add_summary(self, markdown: str) -> None:
        """Append Markdown to the job's step summary."""
        if not self.summary_path:
            return
        with self.summary_path.open("a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")

    def annotate(self, level: str, message: str) -> None:
        """Emit an ``error`` or ``warning`` annotation."""
        if self.enabled:
            self._command(level, SECRETS.redact(message))

    def _command(self, name: str, value: str) -> None:
        self.stream.write(f"::{name}::{escape_command_data(value)}\n")
        self.stream.flush()


def escape_command_data(text: str) -> str:
    """Escape text so that the runner reads it as data of one workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def neutralise(text: str) -> str:
    """Make untrusted text safe to print on its own line in an Actions log.

    The runner parses any line that starts with ``::`` as a workflow command, so
    line breaks are folded and a leading ``::`` is broken up.
    """
    folded = text.replace("\r", " ").replace("\n", " ")
    if folded.lstrip().startswith("::"):
        folded = ":\u200b" + folded.lstrip()[1:]
    return folded


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
