from __future__ import annotations

import base64
import io
from pathlib import Path

from releasekit.runtime import SECRETS, Actions, escape_command_data, neutralise


def _actions(tmp_path: Path) -> tuple[Actions, io.StringIO]:
    stream = io.StringIO()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    actions = Actions.from_environment(env)
    actions.stream = stream
    return actions, stream


def _read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file the way the runner does."""
    lines = path.read_text().split("\n")
    outputs: dict[str, str] = {}
    while lines and lines[0]:
        name, delimiter = lines.pop(0).split("<<")
        value = []
        while lines[0] != delimiter:
            value.append(lines.pop(0))
        lines.pop(0)
        outputs[name] = "\n".join(value)
    return outputs


def test_outputs_are_multiline_safe(tmp_path: Path) -> None:
    actions, _ = _actions(tmp_path)
    actions.set_outputs({"version": "1.2.3", "notes": "line one\nEOF\nline three"})
    actions.set_outputs({"tag": "v1.2.3"})

    assert _read_outputs(tmp_path / "output") == {
        "version": "1.2.3",
        "notes": "line one\nEOF\nline three",
        "tag": "v1.2.3",
    }


def test_summary_is_appended(tmp_path: Path) -> None:
    actions, _ = _actions(tmp_path)
    actions.add_summary("## Released v1.2.3\n")
    actions.add_summary("| a | b |")
    assert (tmp_path / "summary").read_text() == "## Released v1.2.3\n\n| a | b |\n\n"


def test_mask_registers_the_token_and_its_basic_auth_form(tmp_path: Path) -> None:
    actions, stream = _actions(tmp_path)
    token = "ghs_recognisable_token_123"
    actions.mask(token)
    actions.mask(token)

    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert sorted(stream.getvalue().splitlines()) == sorted(
        [f"::add-mask::{token}", f"::add-mask::{basic}"]
    )
    assert SECRETS.redact(f"token {token} and {basic}") == "token *** and ***"


def test_annotations_escape_and_redact(tmp_path: Path) -> None:
    actions, stream = _actions(tmp_path)
    actions.mask("s3cret")
    stream.truncate(0)
    stream.seek(0)

    actions.annotate("error", "push failed: 100% with s3cret\n::set-output")

    assert stream.getvalue() == "::error::push failed: 100%25 with ***%0A::set-output\n"


def test_nothing_is_written_outside_actions(tmp_path: Path) -> None:
    stream = io.StringIO()
    actions = Actions.from_environment({"GITHUB_OUTPUT": str(tmp_path / "output")})
    actions.stream = stream

    actions.set_outputs({"version": "1.0"})
    actions.add_summary("x")
    actions.annotate("warning", "w")
    actions.mask("token-outside")

    assert list(tmp_path.iterdir()) == []
    assert stream.getvalue() == ""
    assert SECRETS.redact("token-outside") == "***"


def test_untrusted_text_cannot_start_a_workflow_command() -> None:
    assert neutralise("::add-mask::x") == ":\u200b:add-mask::x"
    assert neutralise("branch\n::error::fake") == "branch ::error::fake"
    assert escape_command_data("a\r\nb%") == "a%0D%0Ab%25"
