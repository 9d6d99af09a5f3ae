"""The ``[tool.releasekit]`` settings of a project, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Final

from releasekit.errors import ConfigError
from releasekit.pyproject import Pyproject

TABLE: Final = "tool.releasekit"

BOT_AUTHOR: Final = (
    "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
)


@dataclass(frozen=True)
class ImageConfig:
    """Settings of ``[tool.releasekit.image]``: where and how images are named."""

    registry: str = "ghcr.io"
    name: str = ""
    context: str = "."
    dockerfile: str = "Dockerfile"
    tag_minor: bool = True
    tag_major: bool = True
    tag_latest: bool = True
    prepare: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """Settings of ``[tool.releasekit]``."""

    tag_format: str = "v{version}"
    prerelease_tag_format: str = "v{version}-{branch}"
    bump_after_release: str = "patch"
    commit_message: str = "Bump version to {version} [skip ci]"
    commit_author: str = BOT_AUTHOR
    release_notes: str = "github"
    image: ImageConfig = field(default_factory=ImageConfig)


_CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "bump_after_release": ("patch", "minor", "major"),
    "release_notes": ("github", "commits"),
}


def load_config(project: Pyproject) -> Config:
    """Read ``[tool.releasekit]`` from a project, checking every key."""
    table = project.table("tool", "releasekit")
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise ConfigError(f"{project.path}: {TABLE} must be a table")

    values = _read_table(project, table, Config, TABLE, nested={"image"})
    image = table.get("image")
    if image is not None:
        if not isinstance(image, dict):
            raise ConfigError(f"{project.path}: {TABLE}.image must be a table")
        values["image"] = ImageConfig(
            **_read_table(project, image, ImageConfig, f"{TABLE}.image")
        )

    config = Config(**values)
    _check_templates(project, config)
    return config


def _read_table(
    project: Pyproject,
    table: dict[str, Any],
    schema: type[Config] | type[ImageConfig],
    prefix: str,
    nested: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Any]:
    known = {item.name: item for item in fields(schema)}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        dotted = f"{prefix}.{key}"
        if key not in known:
            raise ConfigError(
                f"{project.path}: unknown key {dotted}; known keys are "
                f"{', '.join(sorted(known))}"
            )
        if key in nested:
            continue

        expected = type(getattr(schema(), key))
        value = raw.unwrap() if hasattr(raw, "unwrap") else raw
        if expected is tuple:
            if not isinstance(value, list) or not all(
                isinstance(item, str) for item in value
            ):
                raise ConfigError(
                    f"{project.path}: {dotted} must be an array of strings, e.g. "
                    '["sh", "scripts/build.sh"]'
                )
            values[key] = tuple(value)
            continue
        if type(value) is not expected:
            raise ConfigError(
                f"{project.path}: {dotted} must be a "
                f"{_type_name(expected)}, not {_type_name(type(value))}"
            )
        choices = _CHOICES.get(key)
        if choices and value not in choices:
            raise ConfigError(
                f"{project.path}: {dotted} must be one of {', '.join(choices)}, "
                f"not {value!r}"
            )
        values[key] = value
    return values


def _check_templates(project: Pyproject, config: Config) -> None:
    for key in ("tag_format", "prerelease_tag_format", "commit_message"):
        if "{version}" not in getattr(config, key):
            raise ConfigError(f"{project.path}: {TABLE}.{key} must contain {{version}}")
    try:
        config.commit_message.format(version="")
    except (KeyError, IndexError, ValueError) as err:
        raise ConfigError(
            f"{project.path}: {TABLE}.commit_message may hold no placeholder but "
            "{version}; write a literal brace twice, {{ or }}"
        ) from err
    if "{branch}" not in config.prerelease_tag_format:
        raise ConfigError(
            f"{project.path}: {TABLE}.prerelease_tag_format must contain {{branch}}, "
            "so pre-releases of different branches get different tags"
        )


def _type_name(kind: type) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "float"}
    return names.get(kind, "table" if issubclass(kind, dict) else kind.__name__)
