"""Publishing a release's image: build it, push every tag, confirm the digest.

The exact version tag is immutable. When the registry already holds it, built
from the commit being released, this is a re-run and nothing is built or
pushed; built from another commit, it is refused unless forced. Floating tags
(``1.2``, ``1``, ``latest``) move with every release. The version tag is pushed
last, so finding it means an earlier run pushed every tag.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from releasekit.engine import Chunk, Engine
from releasekit.errors import ImageError
from releasekit.images import REVISION_LABEL, VERSION_LABEL, ImageMetadata
from releasekit.registry import Credentials, Registry
from releasekit.runtime import SECRETS

log = logging.getLogger(__name__)

# Opens a progress display for the pushes and yields what reports to it.
ProgressFactory = Callable[[], AbstractContextManager[Callable[[Chunk], None]]]


@dataclass(frozen=True)
class Pushed:
    """The outcome of a push: the digest, and whether anything was pushed."""

    digest: str
    reference: str
    pushed: bool

    def outputs(self) -> dict[str, str]:
        """Step outputs: ``digest``, ``ref`` (image@digest) and ``pushed``."""
        return {
            "digest": self.digest,
            "ref": self.reference,
            "pushed": "true" if self.pushed else "false",
        }


class Publisher:
    """Builds and pushes the image of one release."""

    def __init__(
        self,
        metadata: ImageMetadata,
        registry: Registry,
        connect: Callable[[], Engine],
        *,
        progress: ProgressFactory = lambda: nullcontext(_ignore),
        say: Callable[[str], None] = log.info,
        warn: Callable[[str], None] = log.warning,
        prepare: Callable[[], None] = lambda: None,
    ) -> None:
        self.metadata = metadata
        self._prepare = prepare
        self.registry = registry
        self._connect = connect
        self._engine: Engine | None = None
        self._progress = progress
        self._say = say
        self._warn = warn

    @property
    def engine(self) -> Engine:
        """The engine, connected on first use so that a re-run never needs it."""
        if self._engine is None:
            self._engine = self._connect()
        return self._engine

    def close(self) -> None:
        """Close the engine connection, if one was made."""
        if self._engine is not None:
            self._engine.close()

    def build(
        self,
        context: Path,
        dockerfile: Path,
        show: Callable[[str], None],
        buildargs: Mapping[str, str] | None = None,
    ) -> str:
        """Build and tag the image; return its ID (empty in a dry run)."""
        for key, value in (buildargs or {}).items():
            if value and SECRETS.redact(value) != value:
                raise ImageError(
                    f"build argument {key} holds a secret, which the image history "
                    "would keep; pass it another way"
                )
        self._prepare()

        if not context.is_dir():
            raise ImageError(
                f"the build context {context} is not a folder; pass --context or "
                "set tool.releasekit.image.context"
            )
        if not dockerfile.is_file():
            raise ImageError(
                f"no Dockerfile at {dockerfile}; pass --file or set "
                "tool.releasekit.image.dockerfile"
            )

        meta = self.metadata
        # The version is a build argument; a secret never is (image history keeps them).
        image_id = self.engine.build(
            context,
            dockerfile,
            meta.references,
            meta.labels,
            {**(buildargs or {}), "VERSION": meta.version},
            show=show,
        )
        if image_id:
            self._say(
                f"built {meta.references[0]} ({image_id.removeprefix('sha256:')[:12]})"
            )
        return image_id

    def existing(self, *, force: bool = False) -> Pushed | None:
        """What an earlier run of this release published; None to go on.

        Raises when the version tag holds an image of another commit, unless
        ``force``.
        """
        meta = self.metadata
        found = self.registry.published(meta.name.path, meta.version_tag)
        if found is None:
            return None

        reference = meta.name.reference(meta.version_tag)
        built_from = found.label(REVISION_LABEL) or ""
        if built_from == meta.revision:
            self._say(
                f"{reference} is already published from {meta.revision[:12]}; "
                "nothing to build or push"
            )
            return Pushed(found.digest, f"{meta.name}@{found.digest}", pushed=False)

        described = _commit(built_from)
        if not force:
            raise ImageError(
                f"{reference} already exists, built from {described}, not from "
                f"{meta.revision[:12]}; a published version is never replaced: "
                "release a new version (or pass --force to replace it)"
            )
        self._warn(f"replacing {reference}, built from {described} (--force)")
        return None

    def push(self, credentials: Credentials) -> Pushed:
        """Log in and push every tag, the version tag last; confirm the digest."""
        meta = self.metadata
        engine = self.engine
        if not engine.has_image(meta.references[0]):
            raise ImageError(
                f"the engine at {engine.host} has no image {meta.references[0]}; "
                "build it first with 'releasekit image build'"
            )

        floating = self._movable_tags()
        engine.login(meta.name.registry, credentials)
        reported = None
        with self._progress() as progress:
            for tag in (*floating, meta.version_tag):
                reported = engine.push(meta.name.reference(tag), credentials, progress)
        if not engine.dry_run:
            self._say(f"pushed {', '.join(meta.references)}")

        return self._confirm(reported)

    def _movable_tags(self) -> list[str]:
        """The floating tags to push: never one that is a version's own tag.

        Version 2.0's own tag is also the floating tag of every 2.0.x release.
        """
        meta = self.metadata
        movable = []
        for tag in meta.tags[1:]:
            found = None
            if tag != "latest":
                found = self.registry.published(meta.name.path, tag)
            if found is not None and found.label(VERSION_LABEL) == tag:
                self._warn(
                    f"{meta.name.reference(tag)} is the tag of version {tag}, which "
                    f"is never replaced; not moving it to {meta.version}"
                )
                continue
            movable.append(tag)
        return movable

    def _confirm(self, reported: str | None) -> Pushed:
        meta = self.metadata
        reference = meta.name.reference(meta.version_tag)
        if self.registry.dry_run:
            self.registry.digest(meta.name.path, meta.version_tag)
            return Pushed("", "", pushed=False)

        digest = self.registry.digest(meta.name.path, meta.version_tag)
        if digest is None:
            raise ImageError(
                f"{reference} is missing from the registry right after its push; "
                "run again"
            )
        if reported and reported != digest:
            raise ImageError(
                f"the push of {reference} reported {reported} but the registry "
                f"holds {digest}; another push raced this one: run again"
            )
        self._say(f"{reference} is {digest}")
        return Pushed(digest, f"{meta.name}@{digest}", pushed=True)

    def publish(
        self,
        context: Path,
        dockerfile: Path,
        credentials: Credentials,
        *,
        force: bool = False,
        show: Callable[[str], None],
        buildargs: Mapping[str, str] | None = None,
    ) -> Pushed:
        """Build and push, unless an earlier run already published this release."""
        earlier = self.existing(force=force)
        if earlier is not None:
            return earlier
        self.build(context, dockerfile, show, buildargs)
        return self.push(credentials)


def run_prepare(
    command: Sequence[str], folder: Path, *, dry_run: bool, say: Callable[[str], None]
) -> None:
    """Run the project's command that readies the build context (e.g. its wheels)."""
    if not command:
        return
    shown = shlex.join(command)
    if dry_run:
        say(f"would run {shown} in {folder}")
        return

    say(f"running {shown}")
    try:
        # Its output is for people: stdout carries releasekit's data.
        done = subprocess.run(list(command), cwd=folder, stdout=sys.stderr, check=False)
    except OSError as err:
        raise ImageError(
            f"cannot run {shown}: {err.strerror}; fix tool.releasekit.image.prepare"
        ) from err
    if done.returncode != 0:
        raise ImageError(
            f"{shown} exited with status {done.returncode}; fix it, then run again"
        )


def _ignore(chunk: Chunk) -> None:
    pass


def _commit(sha: str) -> str:
    return f"commit {sha[:12]}" if sha else "an unknown commit (no revision label)"
