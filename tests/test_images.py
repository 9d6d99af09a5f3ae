from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from releasekit.config import ImageConfig
from releasekit.errors import ImageError, VersionError
from releasekit.git import Repository
from releasekit.images import (
    ImageMetadata,
    ImageName,
    Inputs,
    check_registry,
    check_tag,
    compute_metadata,
    gather_inputs,
    image_name,
    image_tags,
    parse_build_args,
    parse_remote_url,
)
from releasekit.project import Project
from releasekit.versions import format_tag, parse_version
from tests.support.gitrepos import git, make_origin

SHA = "0123456789abcdef0123456789abcdef01234567"
CREATED = datetime(2026, 5, 4, 12, 30, 15, tzinfo=timezone.utc)
LONG_BRANCH = "feature/" + "x" * 192

# Like docker/metadata-action's fixtures: (version, branch, tags).
TAGS = [
    ("1.2.3", None, ["1.2.3", "1.2", "1", "latest"]),
    ("v1.2.3", None, ["1.2.3", "1.2", "1", "latest"]),
    ("0.3.1", None, ["0.3.1", "0.3", "latest"]),
    ("0.0.1", None, ["0.0.1", "0.0", "latest"]),
    ("2.0", None, ["2.0", "2", "latest"]),
    ("10.20.30", "ignored/for-final", ["10.20.30", "10.20", "10", "latest"]),
    ("1.2.3.post1", None, ["1.2.3.post1", "1.2", "1", "latest"]),
    ("1.2.3rc1", "main", ["1.2.3rc1-main"]),
    ("1.2.3-rc.1", "main", ["1.2.3rc1-main"]),
    ("1.2.3a1", "feature/login", ["1.2.3a1-feature-login"]),
    ("1.2.3b2", "release/v1.2", ["1.2.3b2-release-v1.2"]),
    ("1.2.3.dev4", "fix#12-crash", ["1.2.3.dev4-fix-12-crash"]),
    ("1.2.3a1", "Feature/UPPER-Case", ["1.2.3a1-Feature-UPPER-Case"]),
    (
        "1.2.3a1",
        "dependabot/pip/requests-2.32.0",
        ["1.2.3a1-dependabot-pip-requests-2.32.0"],
    ),
    ("1.2.3a1.dev2", "user@host:topic", ["1.2.3a1.dev2-user-host-topic"]),
    ("1.2.3.post1.dev2", "main", ["1.2.3.post1.dev2-main"]),
    ("1.2.3rc1", "1234", ["1.2.3rc1-b1234"]),
    ("1.2.3rc1", "--weird..", ["1.2.3rc1-weird"]),
    ("1.2.3a1", LONG_BRANCH, ["1.2.3a1-feature-" + "x" * 112]),
]


@pytest.mark.parametrize(("version", "branch", "expected"), TAGS)
def test_tags(version: str, branch: str | None, expected: list[str]) -> None:
    tags = image_tags(parse_version(version), ImageConfig(), branch)

    assert list(tags) == expected
    assert all(len(tag) <= 128 for tag in tags)


@pytest.mark.parametrize(("version", "branch", "expected"), TAGS)
def test_a_prerelease_tag_is_its_git_tag_without_the_prefix(
    version: str, branch: str | None, expected: list[str]
) -> None:
    parsed = parse_version(version)
    if not parsed.is_unstable():
        return

    git_tag = format_tag("v{version}-{branch}", parsed, branch)

    assert git_tag == f"v{expected[0]}"


def test_an_over_long_branch_is_cut_to_fit_a_tag() -> None:
    (tag,) = image_tags(parse_version("1.2.3a1"), ImageConfig(), "b" * 200)

    assert tag == "1.2.3a1-" + "b" * 120
    assert len(tag) == 128


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"tag_latest": False}, ["1.2.3", "1.2", "1"]),
        ({"tag_minor": False}, ["1.2.3", "1", "latest"]),
        ({"tag_major": False}, ["1.2.3", "1.2", "latest"]),
        (
            {"tag_minor": False, "tag_major": False, "tag_latest": False},
            ["1.2.3"],
        ),
    ],
)
def test_floating_tags_can_be_switched_off(
    settings: dict[str, bool], expected: list[str]
) -> None:
    tags = image_tags(parse_version("1.2.3"), ImageConfig(**settings))
    assert list(tags) == expected


def test_a_prerelease_never_gets_floating_tags_whatever_the_settings() -> None:
    tags = image_tags(parse_version("2.0.0rc1"), ImageConfig(), "main")
    assert tags == ("2.0.0rc1-main",)


def test_a_prerelease_without_a_branch_is_refused() -> None:
    with pytest.raises(ImageError) as caught:
        image_tags(parse_version("1.2.3a1"), ImageConfig(), None)

    assert caught.value.message == (
        "1.2.3a1 is a pre-release, whose image tag names its branch, and the "
        "branch is unknown (detached HEAD); pass --branch"
    )
    assert caught.value.exit_code == 7


def test_a_branch_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(VersionError, match="gives an empty tag suffix"):
        image_tags(parse_version("1.2.3a1"), ImageConfig(), "///")


@pytest.mark.parametrize("version", ["1!2.0.0", "1.2.3+local.7"])
def test_epochs_and_local_versions_are_refused(version: str) -> None:
    with pytest.raises(VersionError):
        parse_version(version)


@pytest.mark.parametrize(
    "tag", ["", ".hidden", "-dash", "1.2.3+local", "a/b", "x" * 129, "tab\tbed"]
)
def test_invalid_tags_are_refused(tag: str) -> None:
    with pytest.raises(ImageError) as caught:
        check_tag(tag)
    assert caught.value.message == (
        f"image tag {tag!r} is not valid: a tag is 1 to 128 letters, digits, "
        "'_', '.' or '-' and does not start with '.' or '-'"
    )


@pytest.mark.parametrize("tag", ["latest", "_x", "1.2.3a1-Feature", "x" * 128])
def test_valid_tags_pass(tag: str) -> None:
    assert check_tag(tag) == tag


def _inputs(**changes: object) -> Inputs:
    base = Inputs(
        project_name="model-service",
        version=parse_version("1.2.3"),
        revision=SHA,
        config=ImageConfig(),
        created=CREATED,
        owner="acme",
        owner_source="GITHUB_REPOSITORY_OWNER",
        source_url="https://github.com/acme/model-service",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_name_from_the_owner_and_the_project() -> None:
    assert image_name(_inputs()) == ImageName("ghcr.io", "acme/model-service")
    assert str(image_name(_inputs())) == "ghcr.io/acme/model-service"


def test_an_uppercase_owner_and_name_are_lowercased() -> None:
    name = image_name(_inputs(owner="AcmeCorp", project_name="Model_Service"))
    assert str(name) == "ghcr.io/acmecorp/model_service"


def test_flags_override_the_settings_which_override_the_defaults() -> None:
    config = ImageConfig(registry="registry.example.com:5000", name="team/svc")
    from_config = image_name(_inputs(config=config))
    from_flags = image_name(
        _inputs(config=config, registry="LocalHost:5443", image="Other/Name")
    )

    assert str(from_config) == "registry.example.com:5000/team/svc"
    assert str(from_flags) == "localhost:5443/other/name"


def test_an_image_path_may_have_more_than_two_components() -> None:
    name = image_name(_inputs(image="acme/platform/model-service"))
    assert name.path == "acme/platform/model-service"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"owner": "acme_"},
            "image owner 'acme_' (from GITHUB_REPOSITORY_OWNER) is not a valid image "
            "name component: use lowercase letters and digits, separated by '.', "
            "'_', '__' or '-'; pass --image OWNER/NAME",
        ),
        (
            {"project_name": "-svc"},
            "image name '-svc' (from the project name) is not a valid image name "
            "component: use lowercase letters and digits, separated by '.', '_', "
            "'__' or '-'; pass --image OWNER/NAME",
        ),
        (
            {"image": "acme/my service"},
            "image name 'my service' (from --image) is not a valid image name "
            "component: use lowercase letters and digits, separated by '.', '_', "
            "'__' or '-'; pass --image OWNER/NAME",
        ),
        (
            {"image": "svc"},
            "--image 'svc' is not of the form OWNER/NAME; pass both, e.g. "
            "acme/model-service",
        ),
        (
            {"registry": "https://ghcr.io"},
            "image registry 'https://ghcr.io' (from --registry) is not a valid "
            "HOST[:PORT]; pass e.g. --registry ghcr.io or --registry 127.0.0.1:5000",
        ),
        (
            {"owner": None},
            "cannot tell the image owner: GITHUB_REPOSITORY_OWNER is unset and the "
            "origin URL names no owner; pass --image OWNER/NAME",
        ),
        (
            {"image": "acme/" + "n" * 250},
            f"image name 'ghcr.io/acme/{'n' * 250}' is 263 characters long, more "
            "than the 255 a registry accepts; pass a shorter --image OWNER/NAME",
        ),
    ],
)
def test_invalid_names_are_refused_naming_the_part(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ImageError) as caught:
        image_name(_inputs(**changes))
    assert caught.value.message == message


@pytest.mark.parametrize(
    "registry",
    ["ghcr.io", "127.0.0.1:5443", "localhost", "a-b.example.com:1", "[::1]:5000"],
)
def test_valid_registries(registry: str) -> None:
    assert check_registry(registry) == registry


@pytest.mark.parametrize("registry", ["ghcr.io/acme", "-ghcr.io", "host:port", ""])
def test_invalid_registries(registry: str) -> None:
    with pytest.raises(ImageError, match="is not a valid HOST"):
        check_registry(registry)


def test_labels_are_exact_and_ordered() -> None:
    meta = compute_metadata(
        _inputs(
            description="Serves\n  the model.",
            licenses="MIT",
            authors="Ada <ada@example.com>",
        )
    )

    assert dict(meta.labels) == {
        "org.opencontainers.image.title": "model-service",
        "org.opencontainers.image.description": "Serves the model.",
        "org.opencontainers.image.version": "1.2.3",
        "org.opencontainers.image.revision": SHA,
        "org.opencontainers.image.created": "2026-05-04T12:30:15Z",
        "org.opencontainers.image.source": "https://github.com/acme/model-service",
        "org.opencontainers.image.url": "https://github.com/acme/model-service",
        "org.opencontainers.image.licenses": "MIT",
        "org.opencontainers.image.authors": "Ada <ada@example.com>",
    }
    assert meta.revision == SHA


def test_empty_labels_are_left_out_and_the_homepage_is_the_url() -> None:
    meta = compute_metadata(
        _inputs(source_url=None, homepage="https://docs.example.com")
    )
    assert sorted(meta.labels) == [
        "org.opencontainers.image.created",
        "org.opencontainers.image.revision",
        "org.opencontainers.image.title",
        "org.opencontainers.image.url",
        "org.opencontainers.image.version",
    ]
    assert meta.labels["org.opencontainers.image.url"] == "https://docs.example.com"


def test_outputs_hold_one_item_a_line() -> None:
    meta = ImageMetadata(
        ImageName("ghcr.io", "acme/svc"),
        "1.2.3",
        ("1.2.3", "latest"),
        {"a": "1", "b": "2"},
    )

    assert meta.outputs() == {
        "image": "ghcr.io/acme/svc",
        "tags": "ghcr.io/acme/svc:1.2.3\nghcr.io/acme/svc:latest",
        "labels": "a=1\nb=2",
        "version": "1.2.3",
    }
    assert meta.version_tag == "1.2.3"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/Acme/Svc.git", ("github.com", "Acme", "Svc")),
        ("https://github.com/acme/svc", ("github.com", "acme", "svc")),
        ("https://github.com/acme/svc/", ("github.com", "acme", "svc")),
        (
            "https://x-access-token:secret@github.com/acme/svc.git",
            ("github.com", "acme", "svc"),
        ),
        ("git@github.com:Acme/svc.git", ("github.com", "Acme", "svc")),
        ("ssh://git@github.com/acme/svc.git", ("github.com", "acme", "svc")),
        ("ssh://git@github.com:22/acme/svc", ("github.com", "acme", "svc")),
        ("git@gitlab.com:group/sub/svc.git", ("gitlab.com", "group/sub", "svc")),
        ("file:///tmp/origin.git", None),
        ("/srv/git/svc.git", None),
        ("https://github.com/svc", None),
    ],
)
def test_remote_urls(url: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_remote_url(url) == expected


PYPROJECT = """\
[project]
name = "model-service"
version = "1.2.3rc1"
description = "Serves the model"
license = { text = "Apache-2.0" }
authors = [{ name = "Ada", email = "ada@example.com" }, { name = "Bob" }]

[project.urls]
Homepage = "https://model.example.com"
"""


def _clone(tmp_path: Path, url: str, pyproject: str = PYPROJECT) -> Path:
    origin = make_origin(tmp_path, {"pyproject.toml": pyproject})
    clone = origin.clone(tmp_path / "clone")
    git(clone, "checkout", "--quiet", "-b", "feature/login")
    git(clone, "remote", "set-url", "origin", url)
    return clone


def test_gather_from_the_project_git_and_the_origin_url(tmp_path: Path) -> None:
    clone = _clone(tmp_path, "git@github.com:AcmeCorp/model-service.git")

    inputs = gather_inputs(Project.load(clone), Repository.open(clone), {}, now=CREATED)
    meta = compute_metadata(inputs)

    assert str(meta.name) == "ghcr.io/acmecorp/model-service"
    assert meta.tags == ("1.2.3rc1-feature-login",)
    assert dict(meta.labels) == {
        "org.opencontainers.image.title": "model-service",
        "org.opencontainers.image.description": "Serves the model",
        "org.opencontainers.image.version": "1.2.3rc1",
        "org.opencontainers.image.revision": git(clone, "rev-parse", "HEAD"),
        "org.opencontainers.image.created": "2026-05-04T12:30:15Z",
        "org.opencontainers.image.source": "https://github.com/AcmeCorp/model-service",
        "org.opencontainers.image.url": "https://model.example.com",
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.authors": "Ada <ada@example.com>, Bob",
    }


def test_gather_from_the_github_environment(tmp_path: Path) -> None:
    clone = _clone(tmp_path, "file:///nowhere/origin.git")
    git(clone, "checkout", "--quiet", "--detach")
    env = {
        "GITHUB_REPOSITORY": "Acme/Model-Service",
        "GITHUB_REPOSITORY_OWNER": "Acme",
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_REF_NAME": "release/1.2",
        "GITHUB_REF_TYPE": "branch",
        "SOURCE_DATE_EPOCH": "1700000000",
    }

    inputs = gather_inputs(Project.load(clone), Repository.open(clone), env)
    meta = compute_metadata(inputs)

    assert str(meta.name) == "ghcr.io/acme/model-service"
    assert meta.tags == ("1.2.3rc1-release-1.2",)
    assert meta.labels["org.opencontainers.image.source"] == (
        "https://github.example.com/Acme/Model-Service"
    )
    assert meta.labels["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z"


def test_the_branch_flag_wins_and_a_tag_ref_is_not_a_branch(tmp_path: Path) -> None:
    clone = _clone(tmp_path, "https://github.com/acme/model-service")
    env = {"GITHUB_REF_NAME": "v1.2.3rc1", "GITHUB_REF_TYPE": "tag"}
    project, repo = Project.load(clone), Repository.open(clone)

    from_checkout = compute_metadata(gather_inputs(project, repo, env))
    from_flag = compute_metadata(gather_inputs(project, repo, env, branch="hotfix"))

    assert from_checkout.tags == ("1.2.3rc1-feature-login",)
    assert from_flag.tags == ("1.2.3rc1-hotfix",)


def test_the_version_flag_overrides_the_file(tmp_path: Path) -> None:
    clone = _clone(tmp_path, "https://github.com/acme/model-service")

    inputs = gather_inputs(
        Project.load(clone),
        Repository.open(clone),
        {},
        version=parse_version("1.2.2"),
    )
    meta = compute_metadata(inputs)

    assert meta.tags == ("1.2.2", "1.2", "1", "latest")
    assert meta.labels["org.opencontainers.image.version"] == "1.2.2"


def test_poetry_1_metadata(tmp_path: Path) -> None:
    pyproject = """\
[tool.poetry]
name = "Old-Style"
version = "0.9.0"
description = "Poetry 1"
license = "BSD-3-Clause"
authors = ["Ada <ada@example.com>"]
homepage = "https://old.example.com"
"""
    clone = _clone(tmp_path, "https://github.com/acme/old", pyproject)

    meta = compute_metadata(
        gather_inputs(Project.load(clone), Repository.open(clone), {}, now=CREATED)
    )

    assert str(meta.name) == "ghcr.io/acme/old-style"
    assert meta.tags == ("0.9.0", "0.9", "latest")
    assert meta.labels["org.opencontainers.image.licenses"] == "BSD-3-Clause"
    assert meta.labels["org.opencontainers.image.authors"] == "Ada <ada@example.com>"
    assert meta.labels["org.opencontainers.image.url"] == "https://old.example.com"


def test_build_arguments() -> None:
    assert parse_build_args(["BASE_IMAGE=python:3.12", "EMPTY=", "X=a=b"]) == {
        "BASE_IMAGE": "python:3.12",
        "EMPTY": "",
        "X": "a=b",
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            "NOEQUALS",
            "build argument 'NOEQUALS' is not of the form KEY=VALUE; pass e.g. "
            "--build-arg BASE_IMAGE=python:3.12-slim",
        ),
        (
            "1BAD=x",
            "build argument '1BAD=x' is not of the form KEY=VALUE; pass e.g. "
            "--build-arg BASE_IMAGE=python:3.12-slim",
        ),
        (
            "VERSION=9",
            "the VERSION build argument is the released version, which releasekit "
            "sets; drop --build-arg VERSION=...",
        ),
    ],
)
def test_invalid_build_arguments(pair: str, message: str) -> None:
    with pytest.raises(ImageError) as caught:
        parse_build_args([pair])
    assert caught.value.message == message
