"""What the real engine (podman's Docker API) and registry do through the SDK.

These tests pin down the behaviour the image commands rely on: stream shapes,
the exceptions raised, what the registry holds afterwards.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import re
import time
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from .fixtures import (
    base_image,
    docker_client,
    image_cleanup,
    push,
    pushed_digest,
    registry,
    stream_errors,
    write_build_context,
)
from .registry import Registry, find_free_port

__all__ = ["base_image", "docker_client", "image_cleanup", "registry"]

TINY_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG VERSION=unset
RUN echo "built $VERSION" > /built.txt && python3 -c "print('run step ok')"
LABEL org.example.from-dockerfile="yes"
HEALTHCHECK --interval=5s CMD python3 -c "print('ok')"
CMD ["cat", "/built.txt"]
"""

LABELS = {
    "org.opencontainers.image.version": "1.2.3",
    "org.opencontainers.image.revision": "0" * 40,
}


@pytest.fixture(scope="module")
def tiny_image(
    docker_client: docker.DockerClient,
    base_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Build the tiny image once; yield its tag and its build stream."""
    context = write_build_context(tmp_path_factory.mktemp("tiny"), TINY_DOCKERFILE)
    tag = "localhost/releasekit-test/tiny:1.2.3"

    _image, logs = docker_client.images.build(
        path=str(context),
        tag=tag,
        buildargs={"BASE_IMAGE": base_image, "VERSION": "1.2.3"},
        labels=LABELS,
        rm=True,
        forcerm=True,
        # The compat API caches layers; without this a rebuild shows no RUN output.
        nocache=True,
    )

    yield tag, list(logs)
    docker_client.images.remove(tag, force=True)


def test_build_runs_steps_and_applies_buildargs_and_labels(
    docker_client: docker.DockerClient,
    base_image: str,
    tiny_image: tuple[str, list[dict[str, str]]],
) -> None:
    tag, logs = tiny_image
    image = docker_client.images.get(tag)

    assert logs[0] == {"stream": f"STEP 1/8: FROM {base_image}\n"}
    assert {"stream": "run step ok\n"} in logs
    assert image.labels["org.example.from-dockerfile"] == "yes"
    assert LABELS.items() <= image.labels.items()
    # podman's compat inspect leaves the health check out; it is in the config.
    assert image.attrs["Config"].get("Healthcheck") is None


def test_container_output_can_be_read(
    docker_client: docker.DockerClient, tiny_image: tuple[str, list[dict[str, str]]]
) -> None:
    tag, _logs = tiny_image

    output = docker_client.containers.run(tag, remove=True)

    assert output == b"built 1.2.3\n"


def test_push_reports_digest_and_repush_uploads_nothing(
    docker_client: docker.DockerClient,
    tiny_image: tuple[str, list[dict[str, str]]],
    registry: Registry,
    image_cleanup: list[str],
) -> None:
    tag, _logs = tiny_image
    repository = f"{registry.host}/owner/tiny"
    docker_client.images.get(tag).tag(repository, "1.2.3")
    image_cleanup.append(f"{repository}:1.2.3")

    login = docker_client.login(
        registry.username, registry.password, registry=registry.host
    )
    first = push(docker_client, repository, "1.2.3")
    mark = registry.log_position()
    second = push(docker_client, repository, "1.2.3")

    assert login == {"IdentityToken": "", "Status": "Login Succeeded"}
    assert stream_errors(first) == []
    assert first[0] == {"status": f"The push refers to repository [{repository}:1.2.3]"}
    manifest, digest = registry.manifest("owner/tiny", "1.2.3")
    raw_manifest, _digest = registry.raw_manifest("owner/tiny", "1.2.3")
    assert digest == "sha256:" + hashlib.sha256(raw_manifest).hexdigest()
    # The size podman reports is not the length of the manifest served.
    assert re.fullmatch(rf"1\.2\.3: digest: {digest} size: \d+", first[-1]["status"]), (
        first
    )
    assert pushed_digest(first) == digest
    assert registry.tags("owner/tiny") == ["1.2.3"]
    assert manifest["mediaType"] == (
        "application/vnd.docker.distribution.manifest.v2+json"
    )
    assert LABELS.items() <= registry.config_labels("owner/tiny", "1.2.3").items()
    config = registry.config("owner/tiny", "1.2.3")
    assert config["config"]["Healthcheck"]["Test"][0] == "CMD-SHELL"
    # Two layers (the base and the RUN step) and the config.
    assert registry.count_blob_uploads() == 3

    assert pushed_digest(second) == digest
    assert registry.count_blob_uploads(since=mark) == 0


def test_login_with_wrong_password_raises_api_error(
    docker_client: docker.DockerClient, registry: Registry
) -> None:
    with pytest.raises(docker.errors.APIError) as caught:
        docker_client.login(registry.username, "wrong", registry=registry.host)

    assert caught.value.status_code == 500
    assert caught.value.explanation == (
        f"login attempt to {registry.host} failed with status: 401 Unauthorized"
    )


def test_push_with_wrong_password_reports_error_in_stream(
    docker_client: docker.DockerClient,
    tiny_image: tuple[str, list[dict[str, str]]],
    registry: Registry,
    image_cleanup: list[str],
) -> None:
    tag, _logs = tiny_image
    repository = f"{registry.host}/owner/denied"
    docker_client.images.get(tag).tag(repository, "1.2.3")
    image_cleanup.append(f"{repository}:1.2.3")

    chunks = push(
        docker_client,
        repository,
        "1.2.3",
        auth_config={"username": registry.username, "password": "wrong"},
    )

    errors = stream_errors(chunks)
    assert len(errors) == 1
    assert errors[0].endswith("unauthorized: authentication required")
    assert chunks[-1]["error"] == chunks[-1]["errorDetail"]["message"]
    assert registry.tags("owner/denied") == []


def test_failing_run_step_raises_build_error_with_its_output(
    docker_client: docker.DockerClient, base_image: str, tmp_path: Path
) -> None:
    context = write_build_context(
        tmp_path, f'FROM {base_image}\nRUN echo "about to fail" && exit 3\n'
    )

    with pytest.raises(docker.errors.BuildError) as caught:
        # Without forcerm the failed step's build container stays behind.
        docker_client.images.build(
            path=str(context), tag="localhost/rk-fail:1", rm=True, forcerm=True
        )

    message = 'building at STEP "RUN echo "about to fail" && exit 3": '
    message += "while running runtime: exit status 3\n"
    assert caught.value.msg == message
    assert list(caught.value.build_log) == [
        {"stream": f"STEP 1/2: FROM {base_image}\n"},
        {"stream": 'STEP 2/2: RUN echo "about to fail" && exit 3\n'},
        {"stream": "about to fail\n"},
        {"errorDetail": {"message": message}, "error": message},
    ]


def test_published_port_is_reachable_from_the_host(
    docker_client: docker.DockerClient, base_image: str
) -> None:
    port = find_free_port()
    container = docker_client.containers.run(
        base_image,
        ["python3", "-m", "http.server", "8000"],
        detach=True,
        ports={"8000/tcp": ("127.0.0.1", port)},
    )

    try:
        status = wait_for_http(f"http://127.0.0.1:{port}/")
        container.reload()
        ports = container.attrs["NetworkSettings"]["Ports"]
    finally:
        container.remove(force=True)

    assert status == 200
    assert ports == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}


def wait_for_http(url: str, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_base_image_installs_an_offline_wheel_into_a_venv(
    docker_client: docker.DockerClient, base_image: str, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    write_wheel(wheels, "rk_hello", "0.1.0", "GREETING = 'hello from a wheel'\n")
    script = (
        "python3 -m venv /opt/venv"
        " && /opt/venv/bin/pip install -q --no-index --find-links /wheels rk_hello"
        " && /opt/venv/bin/python -c 'import rk_hello; print(rk_hello.GREETING)'"
    )

    output = docker_client.containers.run(
        base_image,
        ["sh", "-c", script],
        volumes={str(wheels): {"bind": "/wheels", "mode": "ro"}},
        remove=True,
    )

    assert output == b"hello from a wheel\n"


def write_wheel(directory: Path, name: str, version: str, source: str) -> Path:
    """Write a pure-Python wheel with one module, without any build tool."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": source,
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        ),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: releasekit-tests\n"
            "Root-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [
        f"{path},sha256={record_hash(text)},{len(text)}" for path, text in files.items()
    ]
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,", ""])

    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def record_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_unreachable_engine_raises_docker_exception(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        # The SDK leaves the failed connection's socket open; it is closed at
        # garbage collection with a ResourceWarning, which would fail the run.
        warnings.simplefilter("ignore", ResourceWarning)
        with pytest.raises(docker.errors.DockerException) as caught:
            docker.DockerClient(base_url=f"unix://{tmp_path}/missing.sock")
        message = str(caught.value)
        del caught
        gc.collect()

    assert message.startswith("Error while fetching server API version: ")
    assert "No such file or directory" in message


def test_base_image_runs_as_a_non_root_user(
    docker_client: docker.DockerClient, base_image: str
) -> None:
    output = docker_client.containers.run(
        base_image,
        ["python3", "-c", "import os; print(os.getuid())"],
        user="65534",
        remove=True,
    )

    assert output == b"65534\n"
