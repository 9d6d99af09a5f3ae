from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from releasekit.engine import BuildFailed, Engine
from releasekit.errors import ImageError
from releasekit.registry import Credentials
from tests.support.fixtures import (
    base_image,
    docker_client,
    engine_url,
    registry,
    write_build_context,
)
from tests.support.registry import Registry

__all__ = ["base_image", "docker_client", "registry"]


@pytest.fixture
def engine() -> Iterator[Engine]:
    connected = Engine.connect(environ={"DOCKER_HOST": engine_url()})
    yield connected
    connected.close()


def test_an_unreachable_engine_names_docker_host(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/missing.sock"

    with pytest.raises(ImageError) as caught:
        Engine.connect(environ={"DOCKER_HOST": host})

    assert caught.value.message.startswith(
        f"cannot reach the container engine at {host}: Error while fetching server "
        "API version: "
    )
    assert caught.value.message.endswith(
        "; start Docker (or podman's service) or point DOCKER_HOST at it"
    )


def test_a_dry_run_never_connects(tmp_path: Path) -> None:
    said: list[str] = []
    engine = Engine.connect(
        dry_run=True,
        say=said.append,
        environ={"DOCKER_HOST": f"unix://{tmp_path}/missing.sock"},
    )

    image_id = engine.build(
        tmp_path,
        tmp_path / "Dockerfile",
        ["r/o/n:1.0", "r/o/n:latest"],
        {},
        {"VERSION": "1.0"},
        show=said.append,
    )
    engine.login("r", Credentials("u", "p"))
    digest = engine.push("r/o/n:1.0", Credentials("u", "p"), lambda chunk: None)

    assert (image_id, digest) == ("", None)
    assert said == [
        f"would build r/o/n:1.0 from {tmp_path} with Dockerfile and build "
        "arguments VERSION=1.0",
        "would tag it r/o/n:latest",
        "would log in to r as u",
        "would push r/o/n:1.0",
    ]


def test_build_streams_output_and_applies_labels_and_version(
    engine: Engine,
    base_image: str,
    docker_client: docker.DockerClient,
    tmp_path: Path,
) -> None:
    context = write_build_context(
        tmp_path,
        f'FROM {base_image}\nARG VERSION\nRUN echo "version $VERSION"\n',
    )
    lines: list[str] = []
    references = ["localhost/rk-engine/app:1.0", "localhost/rk-engine/app:latest"]

    image_id = engine.build(
        context,
        context / "Dockerfile",
        references,
        {"org.opencontainers.image.version": "1.0"},
        {"VERSION": "1.0"},
        show=lines.append,
    )

    try:
        image = docker_client.images.get(references[1])
        assert image.id == image_id
        assert image.labels["org.opencontainers.image.version"] == "1.0"
        assert set(references) <= set(image.tags)
        assert lines[0] == f"STEP 1/4: FROM {base_image}"
        assert "version 1.0" in lines
    finally:
        docker_client.images.remove(image_id, force=True)


def test_a_failing_step_raises_with_its_output(
    engine: Engine, base_image: str, tmp_path: Path
) -> None:
    context = write_build_context(
        tmp_path,
        f"FROM {base_image}\nRUN echo one && echo two && false\n",
    )

    with pytest.raises(BuildFailed) as caught:
        engine.build(
            context,
            context / "Dockerfile",
            ["localhost/rk-engine/fail:1"],
            {},
            {},
            show=lambda line: None,
        )

    step = "STEP 2/2: RUN echo one && echo two && false"
    assert caught.value.output == [step, "one", "two"]
    assert caught.value.message == (
        f'the image build failed at {step}: building at STEP "RUN echo one && '
        'echo two && false": while running runtime: exit status 1; fix the step '
        "and run again"
    )
    assert caught.value.exit_code == 7


def test_a_wrong_password_fails_the_login(engine: Engine, registry: Registry) -> None:
    with pytest.raises(ImageError) as caught:
        engine.login(registry.host, Credentials(registry.username, "wrong-secret"))

    assert caught.value.message == (
        f"{registry.host} refused the login of 'releasekit' (login attempt to "
        f"{registry.host} failed with status: 401 Unauthorized); check "
        "RELEASEKIT_REGISTRY_USERNAME and RELEASEKIT_REGISTRY_PASSWORD"
    )


def test_a_push_error_inside_the_stream_raises(
    engine: Engine,
    base_image: str,
    docker_client: docker.DockerClient,
    registry: Registry,
) -> None:
    reference = f"{registry.host}/owner/app:1.0"
    docker_client.images.get(base_image).tag(f"{registry.host}/owner/app", "1.0")

    try:
        with pytest.raises(ImageError) as caught:
            engine.push(
                reference,
                Credentials(registry.username, "wrong-secret"),
                lambda chunk: None,
            )
    finally:
        docker_client.images.remove(reference)

    assert caught.value.message.startswith(f"pushing {reference} failed: ")
    assert caught.value.message.endswith(
        "unauthorized: authentication required; check RELEASEKIT_REGISTRY_USERNAME "
        "and RELEASEKIT_REGISTRY_PASSWORD"
    )
    assert registry.tags("owner/app") == []


def test_push_reports_the_digest_the_registry_holds(
    engine: Engine,
    base_image: str,
    docker_client: docker.DockerClient,
    registry: Registry,
) -> None:
    reference = f"{registry.host}/owner/app:1.0"
    docker_client.images.get(base_image).tag(f"{registry.host}/owner/app", "1.0")
    chunks: list[object] = []

    try:
        digest = engine.push(
            reference,
            Credentials(registry.username, registry.password),
            chunks.append,
        )
    finally:
        docker_client.images.remove(reference)

    assert digest == registry.manifest("owner/app", "1.0")[1]
    assert chunks[0] == {"status": f"The push refers to repository [{reference}]"}
    assert engine.has_image(reference) is False
