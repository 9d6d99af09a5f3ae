"""The exit codes the errors carry are the ones the README documents."""

from __future__ import annotations

import re
from pathlib import Path

from releasekit import errors
from releasekit.errors import EXIT_CODES, ReleasekitError

README = Path(__file__).resolve().parent.parent / "README.md"


def _documented() -> dict[int, str]:
    text = README.read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def test_every_exit_code_is_documented_once() -> None:
    assert sorted(_documented()) == sorted(EXIT_CODES) == list(range(11))


def test_every_error_class_carries_a_documented_code() -> None:
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, ReleasekitError)
    ]
    assert len(classes) == 11
    assert {cls.exit_code for cls in classes} == set(EXIT_CODES) - {0, 2}
