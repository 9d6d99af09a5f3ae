"""Fixtures for tests that use the real container engine, base image and registry.

Start the services first with ``eval "$(scripts/services.sh)"``. To use the
fixtures in a test module or in ``tests/conftest.py``, import them by name::

    from tests.support.fixtures import base_image, docker_client, registry

A missing service fails the test with a hint; it is never skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from .registry import Registry

ROOT = Path(__file__).resolve().parents[2]
ENGINE_URL = "unix:///run/releasekit/podman.sock"
BASE_IMAGE = "localhost/releasekit/python-base:bookworm"

# podman's push stream ends with "<tag>: digest: sha256:<hex> size: <bytes>".
PUSHED_DIGEST = re.compile(r"^(?P<tag>\S+): digest: (?P<digest>sha256:[0-9a-f]{64})")


def engine_url() -> str:
    """Return the engine's address: ``DOCKER_HOST``, else the services socket."""
    return os.environ.get("DOCKER_HOST") or ENGINE_URL


def connect_engine(url: str | None = None) -> docker.DockerClient:
    """Connect to the engine, or fail the test saying how to start it."""
    url = url or engine_url()
    try:
        client = docker.DockerClient(base_url=url)
        client.ping()
    except docker.errors.DockerException as err:
        pytest.fail(
            f"no container engine at {url}: run scripts/services.sh ({err})",
            pytrace=False,
        )
    return client


def ensure_base_image(client: docker.DockerClient) -> str:
    """Make sure the local base image is in the engine; return its name."""
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        subprocess.run([str(ROOT / "scripts" / "base-image.sh")], check=True)
    return BASE_IMAGE


def write_build_context(
    directory: Path, dockerfile: str, files: dict[str, str] | None = None
) -> Path:
    """Write a Dockerfile and other files into a build context folder."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(dockerfile)
    for name, content in (files or {}).items():
        (directory / name).write_text(content)
    return directory


def push(
    client: docker.DockerClient,
    repository: str,
    tag: str,
    auth_config: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Push one tag and return every chunk of the stream, errors included."""
    return list(
        client.images.push(
            repository, tag=tag, stream=True, decode=True, auth_config=auth_config
        )
    )


def stream_errors(chunks: list[dict[str, Any]]) -> list[str]:
    """Return the error messages found in a push or build stream."""
    return [
        chunk.get("error") or chunk["errorDetail"].get("message", "")
        for chunk in chunks
        if "error" in chunk or "errorDetail" in chunk
    ]


def pushed_digest(chunks: list[dict[str, Any]]) -> str | None:
    """Return the digest that a push stream reports, from Docker or podman."""
    for chunk in chunks:
        digest = (chunk.get("aux") or {}).get("Digest")
        if digest:
            return str(digest)
        match = PUSHED_DIGEST.match(chunk.get("status", ""))
        if match:
            return match["digest"]
    return None


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """A docker SDK client connected to the engine."""
    client = connect_engine()
    yield client
    # Multi-stage builds leave their build stages behind as untagged images,
    # and with the vfs driver each costs a full copy of its file system.
    client.images.prune(filters={"dangling": True})
    client.close()


@pytest.fixture(scope="session")
def base_image(docker_client: docker.DockerClient) -> str:
    """The name of the local Python base image, built if it is missing."""
    return ensure_base_image(docker_client)


@pytest.fixture
def image_cleanup(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """A list to append image references to; they are removed after the test."""
    references: list[str] = []
    yield references
    for reference in references:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.images.remove(reference, force=True)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    """An empty registry of this test's own, stopped afterwards."""
    with Registry(tmp_path / "registry") as running:
        yield running
