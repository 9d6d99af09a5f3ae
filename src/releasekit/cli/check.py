"""``releasekit check``: fail a pull request that would release something wrong."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from releasekit.cli.common import JSON_OPTION, PATH_OPTION, get_state, read_token
from releasekit.display import Display
from releasekit.errors import CheckFailed

if TYPE_CHECKING:
    from releasekit.checks import CheckReport, Preview

BASE_REF_OPTION = typer.Option(
    None,
    "--base-ref",
    envvar="GITHUB_BASE_REF",
    help="Branch the pull request targets.",
    show_envvar=True,
)
DEFAULT_BRANCH_OPTION = typer.Option(
    None,
    "--default-branch",
    help="The branch releases come from; by default the remote's HEAD, else main.",
)


def check(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    base_ref: str | None = BASE_REF_OPTION,
    default_branch: str | None = DEFAULT_BRANCH_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a pull request: version, released tags and Git dependency tags.

    Prints what merging would release; exits 9 after listing every problem.
    """
    from releasekit.checks import check_pull_request

    display = get_state(ctx).display
    token = read_token(display)
    report = check_pull_request(
        path, base_ref=base_ref or None, default_branch=default_branch, token=token
    )

    for warning in report.warnings:
        display.warning(warning)
    for problem in report.problems:
        display.error(problem)
    _publish(display, report, as_json)

    if report.problems:
        count = len(report.problems)
        raise CheckFailed(
            f"{count} problem{'s' if count > 1 else ''} found; fix "
            f"{'them' if count > 1 else 'it'} and push again"
        )


def _publish(display: Display, report: CheckReport, as_json: bool) -> None:
    preview = report.preview
    outputs = {
        "ok": "false" if report.problems else "true",
        "problems": str(len(report.problems)),
        "tag": preview.tag if preview else "",
        "image_tags": " ".join(preview.image_tags) if preview else "",
    }
    display.actions.set_outputs(outputs)
    display.actions.add_summary(_markdown(report))
    if as_json:
        display.json(_as_dict(report))
    elif preview:
        display.status(f"no problems found; merging releases {preview.tag}")
        display.data(_preview_text(preview))


def _release(preview: Preview) -> str:
    return f"{preview.tag} (pre-release)" if preview.prerelease else preview.tag


def _preview_text(preview: Preview) -> str:
    lines = [f"tag      {preview.tag}", f"release  {_release(preview)}"]
    if preview.image_tags:
        lines.append(f"images   {' '.join(preview.image_tags)}")
    return "\n".join(lines)


def _markdown(report: CheckReport) -> str:
    preview = report.preview
    if report.problems or preview is None:
        count = len(report.problems)
        lines = [f"### Release check: {count} problem{'s' if count > 1 else ''}", ""]
        lines += [f"- {problem}" for problem in report.problems]
    else:
        lines = ["### Release check: ready to merge", "", "| | |", "|---|---|"]
        lines += [f"| tag | `{preview.tag}` |", f"| release | `{_release(preview)}` |"]
        if preview.image_tags:
            tags = ", ".join(f"`{tag}`" for tag in preview.image_tags)
            lines.append(f"| image tags | {tags} |")
    lines += ["", *(f"> warning: {warning}" for warning in report.warnings)]
    return "\n".join(lines)


def _as_dict(report: CheckReport) -> dict[str, object]:
    preview = report.preview
    return {
        "ok": not report.problems,
        "problems": report.problems,
        "warnings": report.warnings,
        "version": preview.version if preview else None,
        "tag": preview.tag if preview else None,
        "prerelease": preview.prerelease if preview else None,
        "image_tags": list(preview.image_tags) if preview else [],
    }


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("check")(check)
