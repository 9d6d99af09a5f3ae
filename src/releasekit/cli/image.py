"""``releasekit image``: name, build and publish the container image of a release."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from releasekit.cli.common import (
    DRY_RUN_OPTION,
    JSON_OPTION,
    PATH_OPTION,
    get_state,
    read_token,
)
from releasekit.display import NORMAL, Display

if TYPE_CHECKING:
    from releasekit.images import ImageMetadata
    from releasekit.project import Project
    from releasekit.publish import Publisher, Pushed
    from releasekit.registry import Credentials

image_app = typer.Typer(
    name="image",
    help="Name, build and publish the container image of a release.",
    no_args_is_help=True,
)

REGISTRY_OPTION = typer.Option(
    None,
    "--registry",
    metavar="HOST[:PORT]",
    help="Registry of the image. [default: tool.releasekit.image.registry, ghcr.io]",
)
IMAGE_OPTION = typer.Option(
    None,
    "--image",
    metavar="OWNER/NAME",
    help="Image path in the registry. [default: the repository owner and the "
    "project name]",
)
VERSION_OPTION = typer.Option(
    None,
    "--version",
    help="Version to publish, e.g. a release step's output. [default: "
    "pyproject.toml's]",
)
BRANCH_OPTION = typer.Option(
    None,
    "--branch",
    help="Branch a pre-release is built from; names its tag. [default: "
    "GITHUB_REF_NAME, else the checked-out branch]",
)
CONTEXT_OPTION = typer.Option(
    None,
    "--context",
    file_okay=False,
    help="Build context. [default: tool.releasekit.image.context in the project]",
)
FILE_OPTION = typer.Option(
    None,
    "--file",
    "-f",
    dir_okay=False,
    help="Dockerfile. [default: tool.releasekit.image.dockerfile in the context]",
)
BUILD_ARG_OPTION = typer.Option(
    [],
    "--build-arg",
    metavar="KEY=VALUE",
    help="A build argument, besides VERSION; repeatable. Never a secret: the "
    "image history keeps build arguments.",
)
FORCE_OPTION = typer.Option(
    False,
    "--force",
    help="Replace a version tag that was built from another commit.",
)
PASSWORD_STDIN_OPTION = typer.Option(
    False,
    "--password-stdin",
    help="Read the registry password from stdin instead of the environment.",
)


@dataclass(frozen=True)
class Target:
    """The project and the image metadata a command works on."""

    project: Project
    metadata: ImageMetadata


@image_app.command("metadata")
def metadata(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    registry: str | None = REGISTRY_OPTION,
    image: str | None = IMAGE_OPTION,
    version: str | None = VERSION_OPTION,
    branch: str | None = BRANCH_OPTION,
    as_json: bool = JSON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Print the image's tags (one reference a line); needs no engine.

    --json and the step outputs add the image name, the OCI labels and the
    version.
    """
    display = get_state(ctx).display
    target = _target(display, path, registry, image, version, branch)

    outputs = target.metadata.outputs()
    text = "\n".join(target.metadata.references)
    display.result(outputs, text=text, as_json=as_json)


@image_app.command("build")
def build(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    context: Path | None = CONTEXT_OPTION,
    file: Path | None = FILE_OPTION,
    build_arg: list[str] = BUILD_ARG_OPTION,
    registry: str | None = REGISTRY_OPTION,
    image: str | None = IMAGE_OPTION,
    version: str | None = VERSION_OPTION,
    branch: str | None = BRANCH_OPTION,
    as_json: bool = JSON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Build the image with every tag and label, streaming the build to stderr."""
    display = get_state(ctx).display
    target = _target(display, path, registry, image, version, branch)
    source, dockerfile = _sources(target.project, context, file)
    buildargs = _build_args(display, build_arg)

    with (
        _publisher(display, target, None, dry_run) as publisher,
        _build_log(display) as show,
    ):
        image_id = publisher.build(source, dockerfile, show, buildargs)

    outputs = {**target.metadata.outputs(), "image_id": image_id}
    text = "\n".join(target.metadata.references)
    display.result(outputs, text=text, as_json=as_json)


@image_app.command("push")
def push(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    registry: str | None = REGISTRY_OPTION,
    image: str | None = IMAGE_OPTION,
    version: str | None = VERSION_OPTION,
    branch: str | None = BRANCH_OPTION,
    password_stdin: bool = PASSWORD_STDIN_OPTION,
    force: bool = FORCE_OPTION,
    as_json: bool = JSON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Push every tag of a built image and print image@digest.

    An existing version tag from the same commit makes this a no-op; from
    another commit it is refused unless --force.
    """
    display = get_state(ctx).display
    target = _target(display, path, registry, image, version, branch)
    credentials = _credentials(display, target, password_stdin, dry_run)

    with _publisher(display, target, credentials, dry_run) as publisher:
        pushed = publisher.existing(force=force) or publisher.push(credentials)

    _report_push(display, target, pushed, as_json)


@image_app.command("publish")
def publish(
    ctx: typer.Context,
    path: Path = PATH_OPTION,
    context: Path | None = CONTEXT_OPTION,
    file: Path | None = FILE_OPTION,
    build_arg: list[str] = BUILD_ARG_OPTION,
    registry: str | None = REGISTRY_OPTION,
    image: str | None = IMAGE_OPTION,
    version: str | None = VERSION_OPTION,
    branch: str | None = BRANCH_OPTION,
    password_stdin: bool = PASSWORD_STDIN_OPTION,
    force: bool = FORCE_OPTION,
    as_json: bool = JSON_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Build and push the image in one step; print image@digest.

    A re-run of a published release builds and pushes nothing.
    """
    display = get_state(ctx).display
    target = _target(display, path, registry, image, version, branch)
    credentials = _credentials(display, target, password_stdin, dry_run)
    source, dockerfile = _sources(target.project, context, file)
    buildargs = _build_args(display, build_arg)

    with (
        _publisher(display, target, credentials, dry_run) as publisher,
        _build_log(display) as show,
    ):
        pushed = publisher.publish(
            source,
            dockerfile,
            credentials,
            force=force,
            show=show,
            buildargs=buildargs,
        )

    _report_push(display, target, pushed, as_json)


def register(app: typer.Typer) -> None:
    """Add the ``image`` commands to the app."""
    app.add_typer(image_app, name="image")


# What the commands share.


def _target(
    display: Display,
    path: Path,
    registry: str | None,
    image: str | None,
    version: str | None,
    branch: str | None,
) -> Target:
    from releasekit.git import Repository
    from releasekit.images import compute_metadata, gather_inputs
    from releasekit.project import Project
    from releasekit.versions import parse_version

    project = Project.load(path)
    inputs = gather_inputs(
        project,
        Repository.open(path),
        version=parse_version(version, source="--version") if version else None,
        branch=branch,
        registry=registry,
        image=image,
    )
    meta = compute_metadata(inputs)

    tags = ", ".join(meta.tags)
    display.status(f"image {meta.name}, version {meta.version}, tags {tags}")
    for key, value in meta.labels.items():
        display.status(f"label {key}={value}")
    return Target(project, meta)


def _sources(
    project: Project, context: Path | None, file: Path | None
) -> tuple[Path, Path]:
    """The build context and the Dockerfile, as absolute paths."""
    config = project.config.image
    source = context if context is not None else project.folder / config.context
    dockerfile = file if file is not None else source / config.dockerfile
    return source.resolve(), dockerfile.resolve()


def _build_args(display: Display, pairs: list[str]) -> dict[str, str]:
    """Read the build arguments, once every secret in the environment is masked.

    Masked secrets are refused as build arguments, so the job token and the
    registry password are masked even when this command logs in nowhere.
    """
    import os

    from releasekit.images import parse_build_args
    from releasekit.registry import REGISTRY_PASSWORD

    read_token(display)
    password = os.environ.get(REGISTRY_PASSWORD, "").strip("\r\n")
    if password:
        display.actions.mask(password)
    return parse_build_args(pairs)


def _credentials(
    display: Display, target: Target, password_stdin: bool, dry_run: bool
) -> Credentials:
    from releasekit.errors import ImageError
    from releasekit.registry import Credentials, credentials_for

    registry = target.metadata.name.registry
    password = sys.stdin.read() if password_stdin else None
    try:
        return credentials_for(
            registry, password_stdin=password, mask=display.actions.mask
        )
    except ImageError as err:
        if not dry_run:
            raise
        display.warning(f"{err.message} (a real run would stop here)")
        return Credentials("<unset>", "")


@contextmanager
def _publisher(
    display: Display, target: Target, credentials: Credentials | None, dry_run: bool
) -> Iterator[Publisher]:
    from releasekit.engine import Engine
    from releasekit.progress import push_progress
    from releasekit.publish import Publisher, run_prepare
    from releasekit.registry import Registry

    registry = Registry(
        target.metadata.name.registry,
        credentials,
        dry_run=dry_run,
        say=display.status,
    )
    publisher = Publisher(
        target.metadata,
        registry,
        lambda: Engine.connect(dry_run=dry_run, say=display.status),
        progress=lambda: push_progress(display),
        say=display.status,
        warn=display.warning,
        prepare=lambda: run_prepare(
            target.project.config.image.prepare,
            target.project.folder,
            dry_run=dry_run,
            say=display.status,
        ),
    )
    try:
        yield publisher
    finally:
        publisher.close()


@contextmanager
def _build_log(display: Display) -> Iterator[Callable[[str], None]]:
    """Stream build output; under --quiet, show the failing step's output."""
    from releasekit.engine import BuildFailed

    try:
        yield display.status
    except BuildFailed as err:
        if display.verbosity < NORMAL:
            for line in err.output:
                display.echo(line)
        raise


def _report_push(
    display: Display, target: Target, pushed: Pushed, as_json: bool
) -> None:
    meta = target.metadata
    outputs = {**meta.outputs(), **pushed.outputs()}
    if pushed.reference:
        tags = "".join(f"- `{reference}`\n" for reference in meta.references)
        verb = "Published" if pushed.pushed else "Already published"
        summary = f"### {verb} `{pushed.reference}`\n\n{tags}"
    else:
        summary = None
    text = pushed.reference or "\n".join(meta.references)
    display.result(outputs, text=text, as_json=as_json, summary=summary)
