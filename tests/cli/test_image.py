"""``releasekit image`` against the real engine and a registry of each test's own."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import docker
import docker.errors
import pytest

from tests.conftest import Runner
from tests.support.fixtures import (
    base_image,
    docker_client,
    engine_url,
    image_cleanup,
    registry,
)
from tests.support.gitrepos import git, make_origin
from tests.support.registry import Registry

__all__ = ["base_image", "docker_client", "image_cleanup", "registry"]

PATH = "acme/tiny-svc"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
PYPROJECT = """\
[project]
name = "tiny-svc"
version = "{version}"
description = "A tiny service"
license = "MIT"
authors = [{{ name = "Ada", email = "ada@example.com" }}]
"""
DOCKERFILE = """\
FROM {base}
ARG VERSION
RUN echo "$VERSION" > /version.txt
CMD ["cat", "/version.txt"]
"""


@pytest.fixture
def project(
    tmp_path: Path,
    base_image: str,
    registry: Registry,
    image_cleanup: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A clone of a service project, its environment pointing at the registry."""
    origin = make_origin(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.format(version="1.2.3"),
            "Dockerfile": DOCKERFILE.format(base=base_image),
        },
    )
    clone = origin.clone(tmp_path / "clone")
    for name in ("GITHUB_REF_NAME", "GITHUB_REF_TYPE", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/tiny-svc")
    monkeypatch.setenv("GITHUB_REPOSITORY_OWNER", "acme")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("DOCKER_HOST", engine_url())
    monkeypatch.setenv("RELEASEKIT_REGISTRY_USERNAME", registry.username)
    monkeypatch.setenv("RELEASEKIT_REGISTRY_PASSWORD", registry.password)
    for tag in ("1.2.3", "1.2", "1", "latest", "1.2.4a1-feature-login"):
        image_cleanup.append(f"{registry.host}/{PATH}:{tag}")
    return clone


def labels(revision: str, version: str = "1.2.3") -> dict[str, str]:
    return {
        "org.opencontainers.image.title": "tiny-svc",
        "org.opencontainers.image.description": "A tiny service",
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
        "org.opencontainers.image.source": "https://github.com/acme/tiny-svc",
        "org.opencontainers.image.url": "https://github.com/acme/tiny-svc",
        "org.opencontainers.image.licenses": "MIT",
        "org.opencontainers.image.authors": "Ada <ada@example.com>",
    }


def commit(clone: Path, version: str, message: str = "Change") -> str:
    (clone / "pyproject.toml").write_text(PYPROJECT.format(version=version))
    git(clone, "commit", "--quiet", "-am", message)
    return git(clone, "rev-parse", "HEAD")


def test_metadata_text_and_json(run: Runner, project: Path, registry: Registry) -> None:
    head = git(project, "rev-parse", "HEAD")
    args = ("image", "metadata", "--path", str(project), "--registry", registry.host)
    mark = registry.log_position()

    text = run(*args)
    as_json = run(*args, "--json")

    image = f"{registry.host}/{PATH}"
    assert text.exit_code == 0
    assert text.stdout == "".join(
        f"{image}:{tag}\n" for tag in ("1.2.3", "1.2", "1", "latest")
    )
    assert text.stderr.splitlines() == [
        f"image {image}, version 1.2.3, tags 1.2.3, 1.2, 1, latest",
        *(f"label {key}={value}" for key, value in labels(head).items()),
    ]
    assert json.loads(as_json.stdout) == {
        "image": image,
        "tags": "\n".join(f"{image}:{tag}" for tag in ("1.2.3", "1.2", "1", "latest")),
        "labels": "\n".join(f"{key}={value}" for key, value in labels(head).items()),
        "version": "1.2.3",
    }
    assert registry.requests(since=mark) == []


def test_final_release_pushes_four_tags_with_exact_labels(
    run: Runner,
    project: Path,
    registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    head = git(project, "rev-parse", "HEAD")

    result = run(
        "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert result.exit_code == 0, result.stderr
    assert registry.tags(PATH) == ["1", "1.2", "1.2.3", "latest"]
    _manifest, digest = registry.manifest(PATH, "1.2.3")
    assert {registry.manifest(PATH, tag)[1] for tag in ("1", "1.2", "latest")} == {
        digest
    }
    config_labels = registry.config_labels(PATH, "1.2.3")
    assert {k: v for k, v in config_labels.items() if k.startswith("org.open")} == (
        labels(head)
    )
    assert result.stdout == f"{registry.host}/{PATH}@{digest}\n"
    assert "STEP 3/" in result.stderr
    assert f"{registry.host}/{PATH}:1.2.3 is {digest}" in result.stderr
    outputs = (tmp_path / "outputs").read_text()
    assert "digest<<" in outputs and f"\n{digest}\n" in outputs
    assert f"\n{registry.host}/{PATH}@{digest}\n" in outputs
    assert (
        (tmp_path / "summary")
        .read_text()
        .startswith(f"### Published `{registry.host}/{PATH}@{digest}`\n")
    )


def test_prerelease_pushes_one_tag_and_leaves_latest(
    run: Runner, project: Path, registry: Registry
) -> None:
    base = ("image", "publish", "--path", str(project), "--registry", registry.host)
    assert run(*base).exit_code == 0
    latest = registry.manifest(PATH, "latest")[1]
    head = commit(project, "1.2.4a1")
    git(project, "checkout", "--quiet", "-b", "feature/login")

    result = run(*base)

    assert result.exit_code == 0, result.stderr
    assert registry.tags(PATH) == [
        "1",
        "1.2",
        "1.2.3",
        "1.2.4a1-feature-login",
        "latest",
    ]
    assert registry.manifest(PATH, "latest")[1] == latest
    assert (
        registry.config_labels(PATH, "1.2.4a1-feature-login")[
            "org.opencontainers.image.revision"
        ]
        == head
    )


def test_rerun_builds_and_uploads_nothing(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("image", "publish", "--path", str(project), "--registry", registry.host)
    first = run(*args, "--json")
    mark = registry.log_position()
    # A re-run must not need the engine at all.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/engine.sock")

    again = run(*args, "--json")

    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout) == {**json.loads(first.stdout), "pushed": "false"}
    assert json.loads(first.stdout)["pushed"] == "true"
    assert registry.count_blob_uploads(since=mark) == 0
    assert [r.method for r in registry.requests(since=mark) if r.method != "GET"] == []
    head = git(project, "rev-parse", "HEAD")
    assert again.stderr.splitlines()[-1] == (
        f"{registry.host}/{PATH}:1.2.3 is already published from {head[:12]}; "
        "nothing to build or push"
    )


def test_version_tag_from_another_commit_is_refused_unless_forced(
    run: Runner, project: Path, registry: Registry
) -> None:
    args = ("image", "publish", "--path", str(project), "--registry", registry.host)
    assert run(*args).exit_code == 0
    first = git(project, "rev-parse", "HEAD")
    before = {tag: registry.manifest(PATH, tag)[1] for tag in registry.tags(PATH)}
    (project / "README").write_text("changed\n")
    git(project, "add", "README")
    git(project, "commit", "--quiet", "-m", "Change after the release")
    second = git(project, "rev-parse", "HEAD")
    mark = registry.log_position()

    refused = run(*args)

    assert refused.exit_code == 7
    assert refused.stderr.splitlines()[-1] == (
        f"error: {registry.host}/{PATH}:1.2.3 already exists, built from commit "
        f"{first[:12]}, not from {second[:12]}; a published version is never "
        "replaced: release a new version (or pass --force to replace it)"
    )
    assert {tag: registry.manifest(PATH, tag)[1] for tag in registry.tags(PATH)} == (
        before
    )
    assert registry.count_blob_uploads(since=mark) == 0

    forced = run(*args, "--force")

    assert forced.exit_code == 0, forced.stderr
    assert (
        f"warning: replacing {registry.host}/{PATH}:1.2.3, built from commit "
        f"{first[:12]} (--force)"
    ) in forced.stderr
    assert (
        registry.config_labels(PATH, "1.2.3")["org.opencontainers.image.revision"]
        == second
    )


def test_wrong_password(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELEASEKIT_REGISTRY_PASSWORD", "not-the-password-1234")

    result = run(
        "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert result.exit_code == 7
    assert result.stderr.splitlines()[-1] == (
        f"error: {registry.host} refused the credentials of 'releasekit' "
        "(UNAUTHORIZED); check RELEASEKIT_REGISTRY_USERNAME and "
        "RELEASEKIT_REGISTRY_PASSWORD"
    )
    assert "not-the-password-1234" not in result.stderr + result.stdout
    assert registry.tags(PATH) == []


def test_unreachable_engine(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/engine.sock")

    result = run(
        "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert result.exit_code == 7
    last = result.stderr.splitlines()[-1]
    assert last.startswith(
        "error: cannot reach the container engine at unix:///nonexistent/engine.sock: "
    )
    assert last.endswith(
        "; start Docker (or podman's service) or point DOCKER_HOST at it"
    )
    assert registry.tags(PATH) == []


@pytest.mark.parametrize("quiet", [False, True])
def test_build_failure_shows_the_failing_step(
    run: Runner, project: Path, registry: Registry, base_image: str, quiet: bool
) -> None:
    (project / "Dockerfile").write_text(
        f'FROM {base_image}\nRUN echo "about to fail" && exit 3\n'
    )
    flags = ("-q",) if quiet else ()

    result = run(
        *flags, "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert result.exit_code == 7
    lines = result.stderr.splitlines()
    step = 'STEP 2/11: RUN echo "about to fail" && exit 3'
    assert lines[-3:] == [
        step,
        "about to fail",
        f'error: the image build failed at {step}: building at STEP "RUN echo '
        '"about to fail" && exit 3": while running runtime: exit status 3; '
        "fix the step and run again",
    ]
    if quiet:
        assert len(lines) == 3
    assert registry.tags(PATH) == []


def test_uppercase_owner_is_lowercased_in_the_name_only(
    run: Runner,
    project: Path,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    image_cleanup: list[str],
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "AcmeCorp/Tiny-Svc")
    monkeypatch.setenv("GITHUB_REPOSITORY_OWNER", "AcmeCorp")
    image_cleanup.extend(
        f"{registry.host}/acmecorp/tiny-svc:{tag}"
        for tag in ("1.2.3", "1.2", "1", "latest")
    )

    result = run(
        "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert result.exit_code == 0, result.stderr
    assert registry.tags("acmecorp/tiny-svc") == ["1", "1.2", "1.2.3", "latest"]
    assert (
        registry.config_labels("acmecorp/tiny-svc", "1.2.3")[
            "org.opencontainers.image.source"
        ]
        == "https://github.com/AcmeCorp/Tiny-Svc"
    )


def test_invalid_owner_is_refused_before_anything_runs(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY_OWNER", "acme_")

    result = run(
        "image", "publish", "--path", str(project), "--registry", registry.host
    )

    assert (result.exit_code, result.stdout) == (7, "")
    assert result.stderr == (
        "error: image owner 'acme_' (from GITHUB_REPOSITORY_OWNER) is not a valid "
        "image name component: use lowercase letters and digits, separated by '.', "
        "'_', '__' or '-'; pass --image OWNER/NAME\n"
    )
    assert [r for r in registry.requests() if r.path != "/v2/"] == []


def test_over_long_branch_gives_a_128_character_tag(
    run: Runner,
    project: Path,
    registry: Registry,
    image_cleanup: list[str],
) -> None:
    commit(project, "1.2.4a1")
    branch = "feature/" + "Long#Branch-" * 16
    tag = ("1.2.4a1-feature-" + "Long-Branch-" * 16)[:128]
    image_cleanup.append(f"{registry.host}/{PATH}:{tag}")

    result = run(
        "image",
        "publish",
        "--path",
        str(project),
        "--registry",
        registry.host,
        "--branch",
        branch,
    )

    assert result.exit_code == 0, result.stderr
    assert len(tag) == 128
    assert registry.tags(PATH) == [tag]


def test_dry_run_touches_neither_engine_nor_registry(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/engine.sock")
    head = git(project, "rev-parse", "HEAD")
    image = f"{registry.host}/{PATH}"
    mark = registry.log_position()

    result = run(
        "image",
        "publish",
        "--path",
        str(project),
        "--registry",
        registry.host,
        "--dry-run",
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "".join(
        f"{image}:{tag}\n" for tag in ("1.2.3", "1.2", "1", "latest")
    )
    assert result.stderr.splitlines() == [
        f"image {image}, version 1.2.3, tags 1.2.3, 1.2, 1, latest",
        *(f"label {key}={value}" for key, value in labels(head).items()),
        f"would look up {image}:1.2.3 in the registry",
        f"would build {image}:1.2.3 from {project.resolve()} with Dockerfile and "
        "build arguments VERSION=1.2.3",
        f"would tag it {image}:1.2",
        f"would tag it {image}:1",
        f"would tag it {image}:latest",
        f"would look up {image}:1.2 in the registry",
        f"would look up {image}:1 in the registry",
        f"would log in to {registry.host} as releasekit",
        f"would push {image}:1.2",
        f"would push {image}:1",
        f"would push {image}:latest",
        f"would push {image}:1.2.3",
        f"would read the digest of {image}:1.2.3",
    ]
    assert registry.requests(since=mark) == []


def test_build_then_push_with_the_password_on_stdin(
    run: Runner,
    project: Path,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELEASEKIT_REGISTRY_PASSWORD")
    common = ("--path", str(project), "--registry", registry.host)

    built = run("image", "build", *common, "--json")
    monkeypatch.setattr(sys, "stdin", io.StringIO(registry.password + "\n"))
    pushed = run("image", "push", *common, "--password-stdin")

    assert built.exit_code == 0, built.stderr
    assert json.loads(built.stdout)["image_id"].startswith("sha256:")
    assert pushed.exit_code == 0, pushed.stderr
    digest = registry.manifest(PATH, "1.2.3")[1]
    assert pushed.stdout == f"{registry.host}/{PATH}@{digest}\n"
    assert registry.tags(PATH) == ["1", "1.2", "1.2.3", "latest"]


def test_push_without_a_built_image(
    run: Runner, project: Path, registry: Registry
) -> None:
    commit(project, "9.9.9")

    result = run("image", "push", "--path", str(project), "--registry", registry.host)

    assert result.exit_code == 7
    assert result.stderr.splitlines()[-1] == (
        f"error: the engine at {engine_url()} has no image "
        f"{registry.host}/{PATH}:9.9.9; build it first with 'releasekit image build'"
    )


def test_push_without_credentials(
    run: Runner, project: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RELEASEKIT_REGISTRY_PASSWORD")

    result = run("image", "push", "--path", str(project), "--registry", registry.host)

    assert result.exit_code == 7
    assert result.stderr.splitlines()[-1] == (
        f"error: no password for {registry.host}; set RELEASEKIT_REGISTRY_PASSWORD "
        "or pass --password-stdin"
    )
    assert [r for r in registry.requests() if r.path != "/v2/"] == []


def test_the_image_runs_with_its_version(
    run: Runner,
    project: Path,
    registry: Registry,
    docker_client: docker.DockerClient,
) -> None:
    run("image", "build", "--path", str(project), "--registry", registry.host)

    output = docker_client.containers.run(f"{registry.host}/{PATH}:1.2.3", remove=True)

    assert output == b"1.2.3\n"


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        ("build", "GITHUB_TOKEN"),
        ("build", "GH_TOKEN"),
        ("build", "RELEASEKIT_REGISTRY_PASSWORD"),
        ("publish", "GITHUB_TOKEN"),
    ],
)
def test_a_secret_from_the_environment_is_never_a_build_argument(
    run: Runner,
    project: Path,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    variable: str,
) -> None:
    secret = "the-job-token-0123456789"
    monkeypatch.setenv(variable, secret)
    # The refusal comes before the engine is needed.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/engine.sock")

    result = run(
        "image",
        command,
        "--path",
        str(project),
        "--registry",
        registry.host,
        "--build-arg",
        f"TOKEN={secret}",
    )

    assert result.exit_code == 7
    assert result.stderr.splitlines()[-1] == (
        "error: build argument TOKEN holds a secret, which the image history "
        "would keep; pass it another way"
    )
    assert secret not in result.stdout + result.stderr
    assert registry.tags(PATH) == []


def test_a_floating_tag_never_replaces_an_earlier_versions_own_tag(
    run: Runner, project: Path, registry: Registry, image_cleanup: list[str]
) -> None:
    image_cleanup += [f"{registry.host}/{PATH}:{tag}" for tag in ("2.0", "2.0.1")]
    args = ("image", "publish", "--path", str(project), "--registry", registry.host)
    commit(project, "2.0")
    assert run(*args).exit_code == 0
    own = registry.manifest(PATH, "2.0")[1]
    commit(project, "2.0.1")

    result = run(*args)

    assert result.exit_code == 0, result.stderr
    assert registry.tags(PATH) == ["2", "2.0", "2.0.1", "latest"]
    assert registry.manifest(PATH, "2.0")[1] == own
    digest = registry.manifest(PATH, "2.0.1")[1]
    assert {registry.manifest(PATH, tag)[1] for tag in ("2", "latest")} == {digest}
    assert (
        f"warning: {registry.host}/{PATH}:2.0 is the tag of version 2.0, which is "
        "never replaced; not moving it to 2.0.1"
    ) in result.stderr.splitlines()
