from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from releasekit.errors import ImageError
from releasekit.registry import (
    Credentials,
    Registry,
    credentials_for,
    login_advice,
    push_advice,
)
from tests.support.fixtures import (
    base_image,
    docker_client,
    push,
    registry,
    write_build_context,
)
from tests.support.registry import Registry as LocalRegistry
from tests.support.registry import find_free_port

__all__ = ["base_image", "docker_client", "registry"]

REVISION = "f" * 40


def test_ghcr_takes_the_actor_and_the_job_token() -> None:
    masked: list[str] = []
    env = {"GITHUB_ACTOR": "octocat", "GITHUB_TOKEN": "ghs_secret"}

    credentials = credentials_for("ghcr.io", env, mask=masked.append)

    assert credentials == Credentials("octocat", "ghs_secret")
    assert masked == [
        "ghs_secret",
        base64.b64encode(b"octocat:ghs_secret").decode(),
    ]
    assert "ghs_secret" not in repr(credentials)


def test_other_registries_take_releasekit_variables_or_stdin() -> None:
    env = {
        "RELEASEKIT_REGISTRY_USERNAME": "bot",
        "RELEASEKIT_REGISTRY_PASSWORD": "from-env",
        "GITHUB_TOKEN": "ignored",
    }

    assert credentials_for("quay.io", env) == Credentials("bot", "from-env")
    assert credentials_for("quay.io", env, password_stdin="typed\n") == Credentials(
        "bot", "typed"
    )


@pytest.mark.parametrize(
    ("registry_host", "env", "message"),
    [
        (
            "ghcr.io",
            {"GITHUB_TOKEN": "x"},
            "no user to log in to ghcr.io as; set GITHUB_ACTOR",
        ),
        (
            "ghcr.io",
            {"GITHUB_ACTOR": "octocat"},
            "no password for ghcr.io; set GITHUB_TOKEN or pass --password-stdin",
        ),
        (
            "quay.io",
            {"RELEASEKIT_REGISTRY_PASSWORD": "x"},
            "no user to log in to quay.io as; set RELEASEKIT_REGISTRY_USERNAME",
        ),
    ],
)
def test_missing_credentials(
    registry_host: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ImageError) as caught:
        credentials_for(registry_host, env)
    assert caught.value.message == message


def test_advice_names_what_to_fix() -> None:
    assert push_advice("ghcr.io", "denied: permission_denied: write_package") == (
        "give the job 'permissions: packages: write'; if the package already "
        "exists, link it to this repository in its settings (Manage Actions "
        "access), which the org.opencontainers.image.source label does for a new "
        "package"
    )
    assert push_advice("quay.io", "unauthorized: authentication required") == (
        "check RELEASEKIT_REGISTRY_USERNAME and RELEASEKIT_REGISTRY_PASSWORD"
    )
    assert login_advice("ghcr.io") == (
        "check that GITHUB_TOKEN is the job's token (or a token with "
        "write:packages) and GITHUB_ACTOR its user"
    )


@pytest.fixture
def pushed(
    docker_client: docker.DockerClient,
    base_image: str,
    registry: LocalRegistry,
    tmp_path: Path,
) -> Iterator[str]:
    """An image with a revision label, pushed as owner/app:1.0."""
    context = write_build_context(tmp_path / "context", f"FROM {base_image}\n")
    repository = f"{registry.host}/owner/app"
    docker_client.images.build(
        path=str(context),
        tag=f"{repository}:1.0",
        labels={"org.opencontainers.image.revision": REVISION},
        rm=True,
        forcerm=True,
    )
    credentials = {"username": registry.username, "password": registry.password}
    push(docker_client, repository, "1.0", auth_config=credentials)
    yield repository
    docker_client.images.remove(f"{repository}:1.0", force=True)


def test_published_reads_the_digest_and_labels(
    pushed: str, registry: LocalRegistry
) -> None:
    client = Registry(registry.host, Credentials(registry.username, registry.password))

    found = client.published("owner/app", "1.0")

    assert found is not None
    assert found.digest == registry.manifest("owner/app", "1.0")[1]
    assert found.label("org.opencontainers.image.revision") == REVISION
    assert client.digest("owner/app", "1.0") == found.digest
    assert client.published("owner/app", "2.0") is None
    assert client.published("owner/missing", "1.0") is None
    assert client.digest("owner/app", "2.0") is None


def test_a_wrong_password_is_refused_with_advice(registry: LocalRegistry) -> None:
    client = Registry(registry.host, Credentials(registry.username, "wrong-secret"))

    with pytest.raises(ImageError) as caught:
        client.published("owner/app", "1.0")

    assert caught.value.message == (
        f"{registry.host} refused the credentials of 'releasekit' (UNAUTHORIZED); "
        "check RELEASEKIT_REGISTRY_USERNAME and RELEASEKIT_REGISTRY_PASSWORD"
    )
    assert "wrong-secret" not in caught.value.message


def test_anonymous_reads_are_refused(registry: LocalRegistry) -> None:
    with pytest.raises(ImageError, match="refused the credentials of 'anonymous'"):
        Registry(registry.host).digest("owner/app", "1.0")


def test_an_unreachable_registry() -> None:
    host = f"127.0.0.1:{find_free_port()}"

    with pytest.raises(ImageError) as caught:
        Registry(host, Credentials("u", "p")).digest("owner/app", "1.0")

    assert caught.value.message == (
        f"cannot reach the registry at https://{host}: [Errno 111] Connection "
        "refused; check the address, and that its CA is trusted (the system store "
        f"or /etc/containers/certs.d/{host}/ca.crt)"
    )


def test_a_dry_run_asks_nothing() -> None:
    said: list[str] = []
    client = Registry("127.0.0.1:1", dry_run=True, say=said.append)

    assert client.published("owner/app", "1.0") is None
    assert client.digest("owner/app", "1.0") is None
    assert said == [
        "would look up 127.0.0.1:1/owner/app:1.0 in the registry",
        "would read the digest of 127.0.0.1:1/owner/app:1.0",
    ]
