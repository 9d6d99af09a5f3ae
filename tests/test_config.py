from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from releasekit.config import BOT_AUTHOR, Config, ImageConfig, load_config
from releasekit.errors import ConfigError
from releasekit.pyproject import Pyproject

HEAD = '[project]\nname = "x"\nversion = "1.0.0"\n\n'


def _load(write_project: Callable[..., Path], table: str) -> Config:
    return load_config(Pyproject.load(write_project(HEAD + table)))


def test_defaults_without_a_table(write_project: Callable[..., Path]) -> None:
    config = _load(write_project, "")
    assert config == Config(
        tag_format="v{version}",
        prerelease_tag_format="v{version}-{branch}",
        bump_after_release="patch",
        commit_message="Bump version to {version} [skip ci]",
        commit_author=BOT_AUTHOR,
        release_notes="github",
        image=ImageConfig(registry="ghcr.io", name=""),
    )
    assert config.commit_author == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    )
    assert config.commit_message.endswith("[skip ci]")


def test_every_setting_is_read(write_project: Callable[..., Path]) -> None:
    config = _load(
        write_project,
        "[tool.releasekit]\n"
        'tag_format = "release-{version}"\n'
        'prerelease_tag_format = "pre-{version}-{branch}"\n'
        'bump_after_release = "minor"\n'
        'commit_message = "chore: {version} [skip ci]"\n'
        'commit_author = "Bot <bot@example.com>"\n'
        'release_notes = "commits"\n\n'
        "[tool.releasekit.image]\n"
        'registry = "registry.example.com:5000"\n'
        'name = "team/service"\n'
        'context = "docker"\n'
        'dockerfile = "docker/Containerfile"\n'
        "tag_minor = false\n"
        "tag_major = false\n"
        "tag_latest = false\n"
        'prepare = ["sh", "scripts/build-wheels.sh"]\n',
    )
    assert config == Config(
        tag_format="release-{version}",
        prerelease_tag_format="pre-{version}-{branch}",
        bump_after_release="minor",
        commit_message="chore: {version} [skip ci]",
        commit_author="Bot <bot@example.com>",
        release_notes="commits",
        image=ImageConfig(
            registry="registry.example.com:5000",
            name="team/service",
            context="docker",
            dockerfile="docker/Containerfile",
            tag_minor=False,
            tag_major=False,
            tag_latest=False,
            prepare=("sh", "scripts/build-wheels.sh"),
        ),
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[tool.releasekit]\ntag_fromat = "v{version}"\n',
            "unknown key "
            "tool.releasekit.tag_fromat; known keys are bump_after_release, "
            "commit_author, commit_message, image, prerelease_tag_format, "
            "release_notes, tag_format",
        ),
        (
            "[tool.releasekit]\ntag_format = 1\n",
            "tool.releasekit.tag_format must be a string, not integer",
        ),
        (
            '[tool.releasekit.image]\ntag_latest = "no"\n',
            "tool.releasekit.image.tag_latest must be a boolean, not string",
        ),
        (
            '[tool.releasekit.image]\nregistyr = "x"\n',
            "unknown key "
            "tool.releasekit.image.registyr; known keys are context, dockerfile, name, "
            "prepare, registry, tag_latest, tag_major, tag_minor",
        ),
        (
            '[tool.releasekit]\nimage = "ghcr.io/x/y"\n',
            "tool.releasekit.image must be a table",
        ),
        (
            '[tool.releasekit]\nbump_after_release = "prerelease"\n',
            "tool.releasekit."
            "bump_after_release must be one of patch, minor, major, not 'prerelease'",
        ),
        (
            '[tool.releasekit]\ntag_format = "latest"\n',
            "tool.releasekit.tag_format must contain {version}",
        ),
        (
            '[tool.releasekit]\nprerelease_tag_format = "v{version}"\n',
            "tool.releasekit.prerelease_tag_format must contain {branch}, so "
            "pre-releases of different branches get different tags",
        ),
        ('[tool]\nreleasekit = "on"\n', "tool.releasekit must be a table"),
        (
            '[tool.releasekit]\ncommit_message = "Bump {name} to {version}"\n',
            "tool.releasekit.commit_message may hold no placeholder but {version}; "
            "write a literal brace twice, {{ or }}",
        ),
        (
            '[tool.releasekit.image]\nprepare = "make wheels"\n',
            "tool.releasekit.image.prepare must be an array of strings, e.g. "
            '["sh", "scripts/build.sh"]',
        ),
    ],
)
def test_bad_settings_name_the_key(
    write_project: Callable[..., Path], table: str, message: str
) -> None:
    folder = write_project(HEAD + table)
    with pytest.raises(ConfigError) as caught:
        load_config(Pyproject.load(folder))
    assert caught.value.message == f"{folder / 'pyproject.toml'}: {message}"
