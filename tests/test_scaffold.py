from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import tomlkit

from releasekit.config import Config, load_config
from releasekit.pyproject import Pyproject
from releasekit.scaffold import WORKFLOWS, render_workflow, settings_block

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(path.name for path in (ROOT / "workflows").glob("*.yml"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_packaged_templates_are_the_repositorys(name: str) -> None:
    packaged = ROOT / "src" / "releasekit" / "templates" / "workflows" / name
    assert packaged.read_bytes() == (ROOT / "workflows" / name).read_bytes(), (
        "copy workflows/*.yml to src/releasekit/templates/workflows/"
    )


def test_every_kind_uses_existing_templates() -> None:
    assert {name for names in WORKFLOWS.values() for name in names} == set(TEMPLATES)


def test_the_wheel_carries_the_templates(tmp_path: Path) -> None:
    from poetry.core.factory import Factory
    from poetry.core.masonry.builders.wheel import WheelBuilder

    wheel = WheelBuilder.make_in(Factory().create_poetry(ROOT), tmp_path)

    with zipfile.ZipFile(tmp_path / wheel) as archive:
        names = archive.namelist()
    assert sorted(name for name in names if name.endswith(".yml")) == [
        f"releasekit/templates/workflows/{name}" for name in TEMPLATES
    ]


def test_render_pins_the_running_releasekit() -> None:
    template = (ROOT / "workflows" / "pr-check.yml").read_text()

    rendered = render_workflow("pr-check.yml", "2.5.0rc1")

    assert rendered == template.replace(
        'RELEASEKIT_VERSION: "0.1.0"', 'RELEASEKIT_VERSION: "2.5.0rc1"'
    )
    assert rendered != template


@pytest.mark.parametrize("kind", ["library", "service"])
def test_the_settings_block_documents_the_defaults(kind: str, tmp_path: Path) -> None:
    block = settings_block(kind)
    uncommented = "\n".join(
        line.removeprefix("# ") if " = " in line or line.startswith("# [") else line
        for line in block.splitlines()
    )
    (tmp_path / "pyproject.toml").write_text(uncommented)

    assert load_config(Pyproject.load(tmp_path)) == Config()
    assert tomlkit.parse(block) == {"tool": {"releasekit": {}}}
    assert ("# [tool.releasekit.image]" in block) == (kind == "service")
