"""``releasekit deps``: list and upgrade Git dependencies pinned to version tags."""

from __future__ import annotations

from pathlib import Path

import typer

from releasekit.cli.common import JSON_OPTION, PATH_OPTION, get_state, read_token
from releasekit.dependencies import (
    MISSING,
    UPGRADED,
    DependencyCheck,
    GitDependency,
    check_dependencies,
    find_git_dependencies,
    normalise_name,
    write_pins,
)
from releasekit.display import Display
from releasekit.errors import DependenciesOutdated, GitError
from releasekit.lockfile import LOCK_FILENAME, refresh_lock
from releasekit.pyproject import Pyproject

COLUMNS = ("name", "current", "newest", "status")

NAMES_ARGUMENT = typer.Argument(
    None, metavar="[NAME...]", help="Only these dependencies (all by default)."
)


def deps(
    ctx: typer.Context,
    names: list[str] = NAMES_ARGUMENT,
    path: Path = PATH_OPTION,
    pre: bool = typer.Option(False, "--pre", help="Count pre-release tags as newer."),
    upgrade: bool = typer.Option(
        False, "--upgrade", help="Move outdated pins to the newest tag, then lock."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List Git dependencies pinned to a tag, with the newest tag of each remote.

    Exits 10 when a pin is outdated (or its tag is missing), 5 when a remote
    cannot be reached; with --upgrade, outdated pins are rewritten instead.
    """
    display = get_state(ctx).display
    pyproject = Pyproject.load(path)
    dependencies = _select(find_git_dependencies(pyproject), names or [])
    if not dependencies:
        display.status(f"no Git dependency pinned to a version tag in {pyproject.path}")

    checks = check_dependencies(dependencies, pre=pre, token=read_token(display))
    if upgrade:
        checks = _upgrade(display, pyproject, checks)

    _report(display, checks, as_json)
    _finish(display, checks)


def _select(dependencies: list[GitDependency], names: list[str]) -> list[GitDependency]:
    wanted = {normalise_name(name): name for name in names}
    unknown = sorted(set(wanted) - {item.key for item in dependencies})
    if unknown:
        known = ", ".join(sorted({item.name for item in dependencies})) or "none"
        raise typer.BadParameter(
            f"no Git dependency pinned to a tag is named "
            f"{', '.join(wanted[key] for key in unknown)} (pinned: {known})",
            param_hint="NAME",
        )
    return [item for item in dependencies if not wanted or item.key in wanted]


def _upgrade(
    display: Display, pyproject: Pyproject, checks: list[DependencyCheck]
) -> list[DependencyCheck]:
    pins = {check.dependency: str(check.newest) for check in checks if check.upgradable}
    if not pins:
        return checks

    write_pins(pyproject, pins)
    for dependency, tag in pins.items():
        display.status(f"upgraded {dependency.name}: {dependency.tag} -> {tag}")
    _lock(display, pyproject.path.parent)
    return [
        DependencyCheck(check.dependency, UPGRADED, check.newest)
        if check.dependency in pins
        else check
        for check in checks
    ]


def _lock(display: Display, folder: Path) -> None:
    if not (folder / LOCK_FILENAME).exists():
        display.status(f"no {LOCK_FILENAME} to refresh")
    elif refresh_lock(folder):
        display.status(f"refreshed {LOCK_FILENAME} with 'poetry lock'")
    else:
        display.warning(
            f"Poetry is not installed, so {LOCK_FILENAME} still has the old pins; "
            "run 'poetry lock'"
        )


def _report(display: Display, checks: list[DependencyCheck], as_json: bool) -> None:
    outdated = [check.dependency.name for check in checks if check.upgradable]
    display.actions.set_outputs({"outdated": " ".join(outdated)})
    display.actions.add_summary(_markdown(checks))
    if as_json:
        display.json({"dependencies": [_as_dict(check) for check in checks]})
    elif checks:
        display.data(_table(checks))


def _finish(display: Display, checks: list[DependencyCheck]) -> None:
    for check in checks:
        if check.problem:
            display.error(check.problem)

    unreachable = [check.dependency.name for check in checks if check.error]
    if unreachable:
        raise GitError(
            f"could not check {', '.join(unreachable)}: the remote cannot be reached"
        )
    stale = [check.dependency.name for check in checks if _stale(check)]
    if stale:
        raise DependenciesOutdated(
            f"{', '.join(stale)} should move to a newer tag; run 'releasekit deps "
            "--upgrade'"
        )


def _stale(check: DependencyCheck) -> bool:
    return check.upgradable or check.status == MISSING


def _table(checks: list[DependencyCheck]) -> str:
    rows = [COLUMNS] + [
        (
            check.dependency.name,
            check.dependency.tag,
            check.newest or "-",
            check.status,
        )
        for check in checks
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _markdown(checks: list[DependencyCheck]) -> str:
    lines = ["### Git dependencies", ""]
    if not checks:
        return "\n".join([*lines, "No Git dependency is pinned to a version tag."])
    lines += ["| name | current | newest | status |", "|---|---|---|---|"]
    for check in checks:
        dependency = check.dependency
        newest = f"`{check.newest}`" if check.newest else "-"
        lines.append(
            f"| {dependency.name} | `{dependency.tag}` | {newest} | {check.status} |"
        )
    return "\n".join(lines)


def _as_dict(check: DependencyCheck) -> dict[str, str | None]:
    dependency = check.dependency
    return {
        "name": dependency.name,
        "url": dependency.url,
        "where": dependency.where,
        "current": dependency.tag,
        "newest": check.newest,
        "status": check.status,
        "error": check.error,
    }


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("deps")(deps)
