"""The demo's story end to end: both examples released through the real parts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from demo.story import BRANCH, Story


def _git(bare: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=bare, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _version(bare: Path, ref: str) -> str:
    text = _git(bare, "show", f"{ref}:pyproject.toml")
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert match is not None
    return match[1]


def test_the_whole_story(tmp_path: Path) -> None:
    lines: list[str] = []
    story = Story(tmp_path / "demo", echo=lines.append)

    report = story.tell()

    remotes = tmp_path / "demo" / "remotes"
    released = _git(remotes / "model-service.git", "rev-parse", "v0.1.0^{commit}")

    assert [(step.title, step.result) for step in report.steps] == [
        ("Release lib-ml", "v0.1.0 tagged and released; main bumped to 0.1.1"),
        (
            "Build model-service with lib-ml from its tag",
            "lib-ml 0.1.0 installed from its Git tag v0.1.0",
        ),
        (
            "Release model-service and its image",
            "v0.1.0 released; image tags 0.1.0, 0.1, latest; main bumped to 0.1.1",
        ),
        (
            "Run the released image",
            "/predict labelled 3 known URLs right; /metrics counted them",
        ),
        (
            f"Pre-release model-service from {BRANCH}",
            "v0.1.1a1-feature-better-model pre-released; image tag "
            "0.1.1a1-feature-better-model; latest unchanged",
        ),
        (
            "Release the released commit again",
            f"v0.1.0 is already released (from {released[:7]}); exit 0, nothing "
            "changed",
        ),
    ]
    state = report.state
    names = {
        key: sorted(ref.split()[0] for ref in refs)
        for key, refs in state.items()
        if key.endswith("refs")
    }
    assert names == {
        "lib-ml refs": ["refs/heads/main", "refs/tags/v0.1.0"],
        "model-service refs": [
            f"refs/heads/{BRANCH}",
            "refs/heads/main",
            "refs/tags/v0.1.0",
            "refs/tags/v0.1.1a1-feature-better-model",
        ],
    }
    assert state["lib-ml releases"] == [("v0.1.0", False)]
    assert state["model-service releases"] == [
        ("v0.1.0", False),
        ("v0.1.1a1-feature-better-model", True),
    ]
    assert state["registry tags"] == [
        "0.1",
        "0.1.0",
        "0.1.1a1-feature-better-model",
        "latest",
    ]
    assert _version(remotes / "lib-ml.git", "main") == "0.1.1"
    assert _version(remotes / "lib-ml.git", "v0.1.0") == "0.1.0"
    assert _version(remotes / "model-service.git", "main") == "0.1.1"
    assert _version(remotes / "model-service.git", BRANCH) == "0.1.1a1"
    assert "$ releasekit image publish --version 0.1.0 --registry" in "\n".join(lines)
