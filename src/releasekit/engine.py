"""The container engine, through the docker SDK and the Docker Engine API.

The engine is whatever ``DOCKER_HOST`` and the usual docker environment point
at: Docker, or podman's Docker-compatible service. Only what a release needs:
build with streamed output, log in, and push a tag while reporting progress and
the digest the registry gave. With ``dry_run`` the engine is never contacted
and every change is reported as "would ..." instead.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from releasekit.errors import ImageError
from releasekit.registry import Credentials, login_advice, push_advice

if TYPE_CHECKING:
    import docker

log = logging.getLogger(__name__)

DEFAULT_HOST: Final = "unix:///var/run/docker.sock"

# How much of a failed build step's output an error shows.
BUILD_LOG_LINES: Final = 20

# Docker's classic builder says "Step 2/5 : RUN ...", podman "STEP 2/5: RUN ...".
_STEP = re.compile(r"^(?:Step|STEP) \d+/\d+ ?:")

# podman ends a push with "<tag>: digest: sha256:<hex> size: <bytes>".
_PUSHED_DIGEST = re.compile(r"^\S+: digest: (?P<digest>sha256:[0-9a-f]{64})\b")

Chunk = Mapping[str, Any]


class BuildFailed(ImageError):
    """Raised when a build step fails; ``output`` holds that step's last lines."""

    def __init__(self, message: str, output: list[str]) -> None:
        super().__init__(message)
        self.output = output


class Engine:
    """A container engine reached through the Docker Engine API."""

    def __init__(
        self,
        client: docker.DockerClient | None,
        *,
        host: str,
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
    ) -> None:
        self._client = client
        self.host = host
        self.dry_run = dry_run
        self._say = say

    @classmethod
    def connect(
        cls,
        *,
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
        environ: Mapping[str, str] | None = None,
    ) -> Engine:
        """Connect to the engine the docker environment names, and check it answers."""
        env = os.environ if environ is None else environ
        host = env.get("DOCKER_HOST") or DEFAULT_HOST
        if dry_run:
            return cls(None, host=host, dry_run=True, say=say)

        import docker
        import docker.errors

        failure = None
        with warnings.catch_warnings():
            # A refused connection leaves its socket to the collector, referenced
            # from the traceback: keep only the reason and collect it here, quietly.
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                client = docker.DockerClient.from_env(environment=dict(env))
                client.ping()
            except docker.errors.DockerException as err:
                failure = _reason(err)
            gc.collect()
        if failure is not None:
            raise ImageError(
                f"cannot reach the container engine at {host}: {failure}; "
                "start Docker (or podman's service) or point DOCKER_HOST at it"
            )
        return cls(client, host=host, say=say)

    def close(self) -> None:
        """Close the connection to the engine."""
        if self._client is not None:
            self._client.close()

    def build(
        self,
        context: Path,
        dockerfile: Path,
        references: list[str],
        labels: Mapping[str, str],
        buildargs: Mapping[str, str],
        *,
        show: Callable[[str], None],
    ) -> str:
        """Build an image, tag it with every reference and return its ID.

        The build's output goes line by line to ``show``.
        """
        if self.dry_run:
            self._say(
                f"would build {references[0]} from {context} with {dockerfile.name}"
                f" and build arguments {_pairs(buildargs)}"
            )
            for reference in references[1:]:
                self._say(f"would tag it {reference}")
            return ""

        client = self._require()
        image_id = self._run_build(
            client, context, dockerfile, references, labels, dict(buildargs), show
        )
        import docker.errors

        try:
            for reference in references[1:]:
                repository, _, tag = reference.rpartition(":")
                client.api.tag(image_id, repository, tag)
        except docker.errors.DockerException as err:
            raise ImageError(
                f"the engine at {self.host} could not tag the image: {_reason(err)}"
            ) from err
        return image_id

    def _run_build(
        self,
        client: docker.DockerClient,
        context: Path,
        dockerfile: Path,
        references: list[str],
        labels: Mapping[str, str],
        buildargs: dict[str, str],
        show: Callable[[str], None],
    ) -> str:
        import docker.errors
        import requests

        step: deque[str] = deque(maxlen=BUILD_LOG_LINES)
        image_id = ""
        try:
            stream = client.api.build(
                path=str(context),
                dockerfile=str(dockerfile),
                tag=references[0],
                labels=dict(labels),
                buildargs=buildargs,
                rm=True,
                forcerm=True,
                decode=True,
            )
            for chunk in stream:
                _raise_build_error(chunk, step)
                for line in str(chunk.get("stream") or "").splitlines():
                    if _STEP.match(line):
                        step.clear()
                    step.append(line)
                    show(line)
                image_id = str((chunk.get("aux") or {}).get("ID") or image_id)
        except (docker.errors.DockerException, requests.RequestException) as err:
            raise ImageError(
                f"the engine at {self.host} failed the build: {_reason(err)}"
            ) from err

        if not image_id:
            # Without an ID in the stream, the first tag names the image.
            image_id = str(client.images.get(references[0]).id)
        return image_id

    def has_image(self, reference: str) -> bool:
        """Tell whether the engine holds an image under a reference."""
        if self.dry_run:
            return True

        import docker.errors

        try:
            self._require().images.get(reference)
        except docker.errors.ImageNotFound:
            return False
        except docker.errors.DockerException as err:
            raise ImageError(
                f"the engine at {self.host} failed to look up {reference}: "
                f"{_reason(err)}"
            ) from err
        return True

    def login(self, registry: str, credentials: Credentials) -> None:
        """Log the engine in to a registry."""
        if self.dry_run:
            self._say(f"would log in to {registry} as {credentials.username}")
            return

        import docker.errors

        try:
            self._require().login(
                credentials.username,
                credentials.password,
                registry=registry,
                reauth=True,
            )
        except docker.errors.APIError as err:
            raise ImageError(
                f"{registry} refused the login of {credentials.username!r} "
                f"({_reason(err)}); {login_advice(registry)}"
            ) from err
        except docker.errors.DockerException as err:
            raise ImageError(
                f"the engine at {self.host} failed to log in to {registry}: "
                f"{_reason(err)}"
            ) from err

    def push(
        self,
        reference: str,
        credentials: Credentials,
        progress: Callable[[Chunk], None],
    ) -> str | None:
        """Push one tag; return the digest the push reported, if it did.

        Registry errors arrive inside the stream, not as exceptions, so every
        chunk is checked.
        """
        if self.dry_run:
            self._say(f"would push {reference}")
            return None

        import docker.errors
        import requests

        repository, _, tag = reference.rpartition(":")
        registry = repository.split("/", 1)[0]
        digest = None
        try:
            stream: Iterable[Chunk] = self._require().api.push(
                repository,
                tag=tag,
                stream=True,
                decode=True,
                auth_config=credentials.auth_config(),
            )
            for chunk in stream:
                message = _stream_error(chunk)
                if message is not None:
                    raise ImageError(
                        f"pushing {reference} failed: {message}; "
                        f"{push_advice(registry, message)}"
                    )
                progress(chunk)
                digest = digest or _digest(chunk)
        except (docker.errors.DockerException, requests.RequestException) as err:
            raise ImageError(
                f"the engine at {self.host} failed to push {reference}: {_reason(err)}"
            ) from err
        return digest

    def _require(self) -> docker.DockerClient:
        if self._client is None:  # pragma: no cover - dry runs return earlier
            raise RuntimeError("the engine is not connected")
        return self._client


def _raise_build_error(chunk: Chunk, step: deque[str]) -> None:
    message = _stream_error(chunk)
    if message is None:
        return
    failing = next((line for line in step if _STEP.match(line)), None)
    where = f" at {failing}" if failing else ""
    raise BuildFailed(
        f"the image build failed{where}: {message}; fix the step and run again",
        list(step),
    )


def _stream_error(chunk: Chunk) -> str | None:
    if "error" not in chunk and "errorDetail" not in chunk:
        return None
    detail = chunk.get("errorDetail") or {}
    text = str(chunk.get("error") or detail.get("message") or "unknown error")
    return " ".join(text.split())


def _digest(chunk: Chunk) -> str | None:
    aux = chunk.get("aux")
    if isinstance(aux, Mapping) and aux.get("Digest"):
        return str(aux["Digest"])
    match = _PUSHED_DIGEST.match(str(chunk.get("status") or ""))
    return match["digest"] if match else None


def _pairs(values: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items()) or "none"


def _reason(err: BaseException) -> str:
    explanation = getattr(err, "explanation", None)
    text = str(explanation or err) or type(err).__name__
    return " ".join(text.split())
