"""Container image metadata: the image name, its tags and its OCI labels.

Everything here is computed, never fetched from an engine or a registry, so
``releasekit image metadata`` works anywhere and ``--dry-run`` can show exactly
what a push would do. Names are lowercased, then checked against the reference
grammar of the distribution registry; anything still invalid is an error that
names the part at fault, never silently rewritten.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

from poetry.core.constraints.version import Version

from releasekit.errors import ImageError
from releasekit.versions import is_prerelease, slugify_branch

if TYPE_CHECKING:
    from releasekit.config import ImageConfig
    from releasekit.git import Repository
    from releasekit.project import Project

OCI: Final = "org.opencontainers.image"
REVISION_LABEL: Final = f"{OCI}.revision"
VERSION_LABEL: Final = f"{OCI}.version"

# The reference grammar of the distribution registry (distribution/reference).
_DOMAIN_PART = r"(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])"
_REGISTRY = re.compile(
    rf"^(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-f:]+\])(?::[0-9]+)?$"
)
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_NAME_LENGTH: Final = 255

# The scp-like form git accepts for ssh: [user@]host:owner/repo(.git).
_SCP_URL = re.compile(r"^(?:[^@/]+@)?(?P<host>[^/:]+):(?P<path>[^/].*)$")
_NETWORK_SCHEMES: Final = ("https", "http", "ssh", "git", "git+ssh")

COMPONENT_RULE: Final = (
    "use lowercase letters and digits, separated by '.', '_', '__' or '-'"
)


@dataclass(frozen=True)
class ImageName:
    """An image repository: ``<registry>/<owner>/<name>``, without a tag."""

    registry: str
    path: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.path}"

    def reference(self, tag: str) -> str:
        """The full reference of one tag, ``registry/owner/name:tag``."""
        return f"{self}:{tag}"


@dataclass(frozen=True)
class ImageMetadata:
    """What a release's image is called, tagged and labelled."""

    name: ImageName
    version: str
    tags: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def version_tag(self) -> str:
        """The exact version tag: immutable once pushed, unlike floating tags."""
        return self.tags[0]

    @property
    def revision(self) -> str:
        """The commit the image is built from."""
        return self.labels.get(REVISION_LABEL, "")

    @property
    def references(self) -> list[str]:
        """Every tag as a full reference, the version tag first."""
        return [self.name.reference(tag) for tag in self.tags]

    def outputs(self) -> dict[str, str]:
        """Step outputs: multi-valued ones hold one item per line."""
        return {
            "image": str(self.name),
            "tags": "\n".join(self.references),
            "labels": "\n".join(f"{key}={value}" for key, value in self.labels.items()),
            "version": self.version,
        }


@dataclass(frozen=True)
class Inputs:
    """Everything image metadata is computed from, gathered beforehand."""

    project_name: str
    version: Version
    revision: str
    config: ImageConfig
    created: datetime
    owner: str | None = None
    owner_source: str = "the origin URL"
    source_url: str | None = None
    branch: str | None = None
    registry: str | None = None
    image: str | None = None
    description: str | None = None
    licenses: str | None = None
    authors: str | None = None
    homepage: str | None = None


def compute_metadata(inputs: Inputs) -> ImageMetadata:
    """Name, tag and label the image of a release."""
    name = image_name(inputs)
    tags = image_tags(inputs.version, inputs.config, inputs.branch)
    labels = oci_labels(inputs)
    return ImageMetadata(name, inputs.version.to_string(), tags, labels)


def image_name(inputs: Inputs) -> ImageName:
    """The image repository, from the flags, the settings or the project."""
    registry_source = "--registry" if inputs.registry else "tool.releasekit.image"
    registry = check_registry(
        inputs.registry or inputs.config.registry, source=registry_source
    )

    if inputs.image or inputs.config.name:
        source = "--image" if inputs.image else "tool.releasekit.image.name"
        owner, _, name = (inputs.image or inputs.config.name).rpartition("/")
        if not owner or not name:
            raise ImageError(
                f"{source} {inputs.image or inputs.config.name!r} is not of the "
                "form OWNER/NAME; pass both, e.g. acme/model-service"
            )
        path = (
            _check_path(owner, "owner", source)
            + "/"
            + _check_path(name, "name", source)
        )
    else:
        if not inputs.owner:
            raise ImageError(
                "cannot tell the image owner: GITHUB_REPOSITORY_OWNER is unset and "
                "the origin URL names no owner; pass --image OWNER/NAME"
            )
        owner = _check_path(inputs.owner, "owner", inputs.owner_source)
        name = _check_path(inputs.project_name, "name", "the project name")
        path = f"{owner}/{name}"

    full = f"{registry}/{path}"
    if len(full) > MAX_NAME_LENGTH:
        raise ImageError(
            f"image name {full!r} is {len(full)} characters long, more than the "
            f"{MAX_NAME_LENGTH} a registry accepts; pass a shorter --image OWNER/NAME"
        )
    return ImageName(registry, path)


def check_registry(text: str, *, source: str = "--registry") -> str:
    """Lowercase and check a registry host with an optional port."""
    host = text.strip().lower()
    if not _REGISTRY.match(host):
        raise ImageError(
            f"image registry {text!r} (from {source}) is not a valid HOST[:PORT]; "
            "pass e.g. --registry ghcr.io or --registry 127.0.0.1:5000"
        )
    return host


def _check_path(text: str, part: str, source: str) -> str:
    lowered = text.strip().lower()
    for component in lowered.split("/"):
        if not _PATH_COMPONENT.match(component):
            raise ImageError(
                f"image {part} {text!r} (from {source}) is not a valid image "
                f"name component: {COMPONENT_RULE}; pass --image OWNER/NAME"
            )
    return lowered


def image_tags(
    version: Version, config: ImageConfig, branch: str | None = None
) -> tuple[str, ...]:
    """The tags of a version's image, the exact version tag first.

    A final version also gets the floating tags the settings allow; a
    pre-release gets only ``<version>-<branch slug>``, the slug of its git tag.
    """
    text = version.to_string()
    if version.epoch or version.local:
        raise ImageError(
            f"version {text!r} has an epoch or a local part, which an image tag "
            "cannot carry; release a plain PEP 440 version"
        )

    if is_prerelease(version):
        if not branch:
            raise ImageError(
                f"{text} is a pre-release, whose image tag names its branch, and "
                "the branch is unknown (detached HEAD); pass --branch"
            )
        tags = [f"{text}-{slugify_branch(branch, text)}"]
    else:
        tags = [text]
        if config.tag_minor:
            tags.append(f"{version.major}.{version.minor or 0}")
        if config.tag_major and version.major > 0:
            tags.append(str(version.major))
        if config.tag_latest:
            tags.append("latest")

    for tag in tags:
        check_tag(tag)
    return tuple(dict.fromkeys(tags))


def check_tag(tag: str) -> str:
    """Refuse a tag that a registry would refuse."""
    if not _TAG.match(tag):
        raise ImageError(
            f"image tag {tag!r} is not valid: a tag is 1 to 128 letters, digits, "
            "'_', '.' or '-' and does not start with '.' or '-'"
        )
    return tag


def parse_build_args(pairs: list[str]) -> dict[str, str]:
    """Read ``KEY=VALUE`` build arguments; ``VERSION`` is releasekit's own."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ImageError(
                f"build argument {pair!r} is not of the form KEY=VALUE; "
                "pass e.g. --build-arg BASE_IMAGE=python:3.12-slim"
            )
        if key == "VERSION":
            raise ImageError(
                "the VERSION build argument is the released version, which "
                "releasekit sets; drop --build-arg VERSION=..."
            )
        values[key] = value
    return values


def oci_labels(inputs: Inputs) -> dict[str, str]:
    """The ``org.opencontainers.image.*`` labels; empty values are left out."""
    values = {
        "title": inputs.project_name,
        "description": inputs.description,
        "version": inputs.version.to_string(),
        "revision": inputs.revision,
        "created": format_created(inputs.created),
        "source": inputs.source_url,
        "url": inputs.homepage or inputs.source_url,
        "licenses": inputs.licenses,
        "authors": inputs.authors,
    }
    return {f"{OCI}.{key}": _fold(value) for key, value in values.items() if value}


def format_created(moment: datetime) -> str:
    """RFC 3339 in UTC to the second, as in ``2026-05-04T12:00:00Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fold(value: str) -> str:
    # One label per output line: a multi-line description must fit on one.
    return " ".join(value.split())


def parse_remote_url(url: str) -> tuple[str, str, str] | None:
    """Split a git remote URL into host, owner and repository; None if it can't.

    Local paths and ``file://`` URLs name no owner.
    """
    text = url.strip()
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        if parts.scheme not in _NETWORK_SCHEMES or not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
    else:
        match = _SCP_URL.match(text)
        if match is None:
            return None
        host, path = match["host"], match["path"]

    path = path.strip("/").removesuffix(".git")
    owner, _, repo = path.rpartition("/")
    if not owner or not repo:
        return None
    return host, owner, repo


# Gathering the inputs from the project, git and the environment.


def gather_inputs(
    project: Project,
    repo: Repository,
    environ: Mapping[str, str] | None = None,
    *,
    version: Version | None = None,
    branch: str | None = None,
    registry: str | None = None,
    image: str | None = None,
    now: datetime | None = None,
) -> Inputs:
    """Collect what the metadata needs; git is asked only for what is missing."""
    env = os.environ if environ is None else environ
    version = version or project.version
    owner, owner_source, source_url = _repository_facts(repo, env)
    if is_prerelease(version):
        branch = branch or _ref_branch(env) or repo.branch()

    document = project.pyproject
    return Inputs(
        project_name=document.name or project.folder.resolve().name,
        version=version,
        revision=repo.head(),
        config=project.config.image,
        created=now or _created(env),
        owner=owner,
        owner_source=owner_source,
        source_url=source_url,
        branch=branch,
        registry=registry,
        image=image,
        description=_first_string(document, ("project", "description"))
        or _first_string(document, ("tool", "poetry", "description")),
        licenses=_licenses(document),
        authors=_authors(document),
        homepage=_homepage(document),
    )


def _repository_facts(
    repo: Repository, env: Mapping[str, str]
) -> tuple[str | None, str, str | None]:
    """The owner, where it came from, and the repository's web address."""
    github = env.get("GITHUB_REPOSITORY", "")
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    source_url = f"{server.rstrip('/')}/{github}" if "/" in github else None
    owner = env.get("GITHUB_REPOSITORY_OWNER") or (github.split("/")[0] or None)
    if owner and source_url:
        return owner, "GITHUB_REPOSITORY_OWNER", source_url

    from releasekit.errors import GitError

    try:
        parsed = parse_remote_url(repo.remote_url())
    except GitError:
        parsed = None
    if parsed is None:
        return owner, "GITHUB_REPOSITORY_OWNER", source_url
    host, remote_owner, name = parsed
    return (
        owner or remote_owner,
        "GITHUB_REPOSITORY_OWNER" if owner else "the origin URL",
        source_url or f"https://{host}/{remote_owner}/{name}",
    )


def _ref_branch(env: Mapping[str, str]) -> str | None:
    # On a tag push GITHUB_REF_NAME is the tag, not a branch.
    if env.get("GITHUB_REF_TYPE") == "tag":
        return None
    return env.get("GITHUB_REF_NAME") or None


def _created(env: Mapping[str, str]) -> datetime:
    # SOURCE_DATE_EPOCH pins the time for reproducible builds.
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)


def _first_string(document: Any, keys: tuple[str, ...]) -> str | None:
    value = document.table(*keys)
    return str(value) if isinstance(value, str) and value.strip() else None


def _licenses(document: Any) -> str | None:
    license_ = document.table("project", "license")
    if isinstance(license_, dict):
        text = license_.get("text")
        return str(text) if isinstance(text, str) and text.strip() else None
    return _first_string(document, ("project", "license")) or _first_string(
        document, ("tool", "poetry", "license")
    )


def _authors(document: Any) -> str | None:
    people: list[str] = []
    for entry in document.table("project", "authors") or []:
        if isinstance(entry, dict):
            name, email = entry.get("name"), entry.get("email")
            if name and email:
                people.append(f"{name} <{email}>")
            elif name or email:
                people.append(str(name or email))
    for entry in document.table("tool", "poetry", "authors") or []:
        if isinstance(entry, str) and entry not in people:
            people.append(str(entry))
    return ", ".join(people) or None


def _homepage(document: Any) -> str | None:
    urls = document.table("project", "urls")
    if isinstance(urls, dict):
        for key, value in urls.items():
            if str(key).lower() in ("homepage", "home", "documentation"):
                return str(value)
    return _first_string(document, ("tool", "poetry", "homepage"))
