"""``releasekit release`` against a real remote and the GitHub stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasekit.git import Repository
from tests.cli.conftest import BOT, RELEASES, REPOSITORY, World, run_json
from tests.conftest import Runner
from tests.support.github_faults import Fault
from tests.support.github_fixtures import TOKEN
from tests.support.gitrepos import git


def test_first_release_tags_publishes_and_bumps(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    work = world.checkout()

    code, outputs, stderr = run_json(run, "release", work)

    bump = world.origin.branch("main")
    assert code == 0, stderr
    assert outputs == {
        "released": "true",
        "version": "1.2.3",
        "tag": "v1.2.3",
        "sha": head,
        "release_url": f"https://github.com/{REPOSITORY}/releases/tag/v1.2.3",
        "next_version": "1.2.4",
        "reason": "",
        "needs_bump": "false",
    }
    assert stderr.splitlines() == [
        f"tagged {head[:7]} as v1.2.3",
        f"published the GitHub release v1.2.3: {outputs['release_url']}",
        "bumped 1.2.3 -> 1.2.4 in pyproject.toml",
    ]
    assert world.origin.tags() == {"v1.2.3": head}
    assert world.releases() == [
        {"tag": "v1.2.3", "prerelease": False, "latest": True, "name": "v1.2.3"}
    ]
    assert world.origin.log()[:2] == [
        f"{BOT}|Bump version to 1.2.4 [skip ci]",
        "Test Developer <developer@example.com>|Initial commit",
    ]
    assert world.version_on() == 'version = "1.2.4"  # the next, unreleased version'
    assert git(work, "rev-parse", "HEAD") == bump
    # One request proves the token, one creates the release with generated notes.
    assert world.api_calls() == [
        f"GET /repos/{REPOSITORY} 200",
        f"POST {RELEASES} 201",
    ]
    created = world.github.requests("POST", RELEASES)[0].request_json
    assert created == {
        "tag_name": "v1.2.3",
        "name": "v1.2.3",
        "body": "",
        "draft": False,
        "prerelease": False,
        "generate_release_notes": True,
        "target_commitish": head,
        "make_latest": "true",
    }


def test_rerun_on_the_same_commit_changes_nothing(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    run_json(run, "release", world.checkout("first"))
    before = (world.origin.tags(), world.origin.branch("main"), world.releases())
    world.github.clear_log()

    code, outputs, stderr = run_json(run, "release", world.checkout("rerun", sha=head))

    assert code == 0, stderr
    assert outputs["released"] == "false"
    assert outputs["reason"] == f"v1.2.3 is already released (from {head[:7]})"
    assert outputs["next_version"] == "1.2.4"
    assert stderr.splitlines() == [
        f"v1.2.3 is already released (from {head[:7]})",
        "main already carries 1.2.4; no bump",
    ]
    assert (
        world.origin.tags(),
        world.origin.branch("main"),
        world.releases(),
    ) == before
    assert world.api_calls() == [
        f"GET /repos/{REPOSITORY} 200",
        f"GET {RELEASES}/tags/v1.2.3 200",
    ]


def test_strict_makes_nothing_to_release_an_exit_code(
    run: Runner, world: World
) -> None:
    head = world.origin.branch("main")
    assert head is not None
    run_json(run, "release", world.checkout("first"))

    code, outputs, stderr = run_json(
        run, "release", world.checkout("again", sha=head), "--strict"
    )

    assert code == 8
    assert outputs["released"] == "false"
    assert stderr.splitlines()[-1] == (
        f"error: v1.2.3 is already released (from {head[:7]}); nothing to release "
        "(--strict)"
    )


def test_crash_before_the_release_is_resumed(run: Runner, world: World) -> None:
    world.github.inject(
        method="POST",
        path=RELEASES,
        fault=Fault.status(
            422,
            body={
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "Release",
                        "code": "custom",
                        "field": "x",
                        "message": "injected",
                    }
                ],
            },
        ),
    )
    head = world.origin.branch("main")
    assert head is not None

    code, _, stderr = run_json(run, "release", world.checkout("crashed"))

    assert code == 6
    assert stderr.splitlines()[-1] == (
        "error: GitHub refused to create the release v1.2.3 (422); see the logs with -v"
    )
    assert world.origin.tags() == {"v1.2.3": head}
    assert world.releases() == []
    assert world.version_on() == 'version = "1.2.3"  # the next, unreleased version'

    code, outputs, _ = run_json(run, "release", world.checkout("resumed", sha=head))

    assert code == 0, stderr
    assert (outputs["released"], outputs["next_version"]) == ("false", "1.2.4")
    assert [r["tag"] for r in world.releases()] == ["v1.2.3"]
    assert world.version_on() == 'version = "1.2.4"  # the next, unreleased version'


def test_crash_before_the_bump_is_finished_by_the_next_run(
    run: Runner, world: World
) -> None:
    head = world.origin.branch("main")
    assert head is not None
    code, outputs, _ = run_json(run, "release", world.checkout("first"), "--no-bump")
    assert (code, outputs["released"], outputs["needs_bump"]) == (0, "true", "true")
    assert outputs["next_version"] == "1.2.4"
    assert world.origin.branch("main") == head

    code, outputs, stderr = run_json(run, "release", world.checkout("second", sha=head))

    assert code == 0, stderr
    assert (outputs["released"], outputs["next_version"]) == ("false", "1.2.4")
    assert stderr.splitlines()[-1] == "bumped 1.2.3 -> 1.2.4 in pyproject.toml"
    assert world.origin.subjects()[:2] == [
        "Bump version to 1.2.4 [skip ci]",
        "Initial commit",
    ]
    assert len(world.releases()) == 1


def test_refused_bump_push_is_finished_by_the_next_run(
    run: Runner, world: World
) -> None:
    world.origin.add_hook(
        "pre-receive",
        "while read old new ref; do\n"
        '  case "$ref" in refs/heads/*) echo "error: GH006: Protected branch update '
        'failed for $ref." >&2; exit 1;; esac\n'
        "done\n",
    )
    head = world.origin.branch("main")
    assert head is not None

    code, _, stderr = run_json(run, "release", world.checkout("first"))

    assert code == 5
    assert stderr.splitlines()[-1] == (
        "error: origin refused the push to refs/heads/main: a branch protection rule "
        "(GH006); let the releasing token bypass it or allow the bot to push"
    )
    assert world.origin.tags() == {"v1.2.3": head}
    assert world.origin.branch("main") == head

    (world.origin.path / "hooks" / "pre-receive").unlink()
    code, outputs, _ = run_json(run, "release", world.checkout("second", sha=head))

    assert (code, outputs["next_version"]) == (0, "1.2.4")
    assert world.version_on() == 'version = "1.2.4"  # the next, unreleased version'
    assert world.origin.subjects().count("Bump version to 1.2.4 [skip ci]") == 1


def test_bump_is_redone_on_a_moved_branch(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None

    def someone_pushes(exchange: object) -> None:
        if getattr(exchange, "method", "") == "POST":
            world.origin.push_commit({"feature.txt": "x\n"}, "Add a feature")

    world.github.on_exchange = someone_pushes
    code, outputs, stderr = run_json(run, "release", world.checkout())

    assert (code, outputs["sha"], outputs["next_version"]) == (0, head, "1.2.4"), stderr
    assert world.origin.subjects() == [
        "Bump version to 1.2.4 [skip ci]",
        "Add a feature",
        "Initial commit",
    ]
    assert world.origin.tags() == {"v1.2.3": head}
    assert world.version_on() == 'version = "1.2.4"  # the next, unreleased version'


def test_someone_else_bumped_first(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    bumped = world.origin.file("main", "pyproject.toml").replace("1.2.3", "1.3.0")

    def someone_bumps(exchange: object) -> None:
        if getattr(exchange, "method", "") == "POST":
            world.origin.push_commit({"pyproject.toml": bumped + "\n"}, "Bump to 1.3.0")

    world.github.on_exchange = someone_bumps
    code, outputs, stderr = run_json(run, "release", world.checkout())

    assert (code, outputs["released"], outputs["next_version"]) == (0, "true", "1.3.0")
    assert stderr.splitlines()[-1] == "main already carries 1.3.0; no bump"
    assert world.origin.subjects() == ["Bump to 1.3.0", "Initial commit"]


def test_two_runs_racing_converge(world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    env = {**os.environ, "GITHUB_ACTIONS": "false"}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "releasekit",
                "release",
                "--path",
                str(world.checkout(f"racer{index}")),
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    results = [(run.wait(timeout=60), *run.communicate()) for run in runs]

    assert [code for code, _, _ in results] == [0, 0], results
    released = sorted(json.loads(out)["released"] for _, out, _ in results)
    assert released == ["false", "true"]
    assert world.origin.tags() == {"v1.2.3": head}
    assert [r["tag"] for r in world.releases()] == ["v1.2.3"]
    assert world.origin.subjects() == [
        "Bump version to 1.2.4 [skip ci]",
        "Initial commit",
    ]


def test_dry_run_changes_nothing(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    work = world.checkout()

    code, outputs, stderr = run_json(run, "release", work, "--dry-run")

    assert code == 0, stderr
    assert (outputs["released"], outputs["tag"], outputs["next_version"]) == (
        "true",
        "v1.2.3",
        "1.2.4",
    )
    assert stderr.splitlines() == [
        f"would tag {head[:12]} as v1.2.3",
        "would push refs/tags/v1.2.3 to origin",
        f"would create the GitHub release v1.2.3 for {head[:12]}",
        "would bump 1.2.3 -> 1.2.4 in pyproject.toml",
        "would commit pyproject.toml as github-actions[bot]: Bump version to 1.2.4 "
        "[skip ci]",
        "would push HEAD:refs/heads/main to origin",
    ]
    assert world.origin.tags() == {}
    assert world.releases() == []
    assert world.origin.branch("main") == head
    assert git(work, "status", "--porcelain") == ""
    assert git(work, "tag", "--list") == ""
    assert world.api_calls() == [f"GET /repos/{REPOSITORY} 200"]


@pytest.mark.parametrize(
    ("fault", "calls"),
    [
        (
            Fault.status(502, after_effect=True),
            ["POST /releases 502", "GET /releases/tags/v1.2.3 200"],
        ),
        (
            Fault.status(500),
            [
                "POST /releases 500",
                "GET /releases/tags/v1.2.3 404",
                "POST /releases 201",
            ],
        ),
        (
            Fault.drop(after_effect=True),
            ["POST /releases None", "GET /releases/tags/v1.2.3 200"],
        ),
        (
            Fault.rate_limit(429, retry_after=1),
            ["POST /releases 429", "POST /releases 201"],
        ),
    ],
    ids=["502-after-effect", "500-before-effect", "dropped-after-effect", "429"],
)
def test_uncertain_creates_are_looked_up_before_retrying(
    run: Runner, world: World, fault: Fault, calls: list[str]
) -> None:
    world.github.inject(method="POST", path=RELEASES, fault=fault)

    code, outputs, _ = run_json(run, "release", world.checkout())

    assert (code, outputs["released"]) == (0, "true")
    assert [r["tag"] for r in world.releases()] == ["v1.2.3"]
    prefix = f"/repos/{REPOSITORY}"
    assert [c.replace(prefix, "") for c in world.api_calls()[1:]] == calls


PREFLIGHT = [
    (
        "no-token",
        {"GITHUB_TOKEN": None},
        None,
        6,
        "GITHUB_TOKEN is not set; pass the job token as GITHUB_TOKEN (or GH_TOKEN) in "
        "the step's env",
    ),
    (
        "bad-token",
        {"GITHUB_TOKEN": "ghs_wrong_token_0000"},
        None,
        6,
        "GitHub rejected the token (401) trying to read the repository; check that "
        "GITHUB_TOKEN holds a valid token",
    ),
    (
        "unknown-repository",
        {"GITHUB_REPOSITORY": "octo-org/nope"},
        None,
        6,
        "GitHub has no repository octo-org/nope that the token can see (404) trying to "
        "read the repository; check GITHUB_REPOSITORY and the token",
    ),
    (
        "pre-release-version",
        {},
        ("pyproject.toml", "1.2.3a1"),
        4,
        "1.2.3a1 is a pre-release and main releases final versions; run 'releasekit "
        "bump release', then push that",
    ),
    (
        "dirty",
        {},
        ("README.md", None),
        5,
        "the work tree has uncommitted changes to README.md; commit or stash them "
        "first",
    ),
    (
        "detached-without-branch",
        {"GITHUB_REF_NAME": None},
        None,
        5,
        "HEAD is detached and no branch is known; pass --branch NAME (GitHub Actions "
        "sets GITHUB_REF_NAME)",
    ),
    (
        "bad-tag-format",
        {},
        ("tag_format", "v{version}..x"),
        5,
        "'v1.2.3..x' is not a valid git tag name; change the tag format in "
        "[tool.releasekit]",
    ),
]


@pytest.mark.parametrize(
    ("env", "change", "code", "message"),
    [case[1:] for case in PREFLIGHT],
    ids=[case[0] for case in PREFLIGHT],
)
def test_preflight_refusals_change_nothing(
    run: Runner,
    world: World,
    env: dict[str, str | None],
    change: tuple[str, str | None] | None,
    code: int,
    message: str,
) -> None:
    head = world.origin.branch("main")
    for name, value in env.items():
        if value is None:
            world.monkeypatch.delenv(name)
        else:
            world.monkeypatch.setenv(name, value)
    if change and change[0] == "pyproject.toml":
        world.origin.push_commit(
            {
                "pyproject.toml": world.origin.file("main", "pyproject.toml").replace(
                    "1.2.3", str(change[1])
                )
                + "\n"
            },
            "Start a pre-release",
        )
        head = world.origin.branch("main")
    work = world.checkout()
    if change and change[0] == "README.md":
        (work / "README.md").write_text("edited\n")
    if change and change[0] == "tag_format":
        text = (work / "pyproject.toml").read_text()
        (work / "pyproject.toml").write_text(
            text + f'\n[tool.releasekit]\ntag_format = "{change[1]}"\n'
        )
        git(work, "commit", "--quiet", "-am", "Configure")

    result = run("release", "--path", str(work))

    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr == f"error: {message}\n"
    assert world.origin.tags() == {}
    assert world.releases() == []
    assert world.origin.branch("main") == head


def test_the_token_never_leaks(run: Runner, world: World, tmp_path: Path) -> None:
    secret = "ghs_RECOGNISABLE_secret_token_42"
    world.github.tokens.add(secret)
    world.monkeypatch.setenv("GITHUB_TOKEN", secret)
    world.monkeypatch.setenv("GITHUB_ACTIONS", "true")
    world.monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    world.monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    world.github.inject(
        method="POST",
        path=RELEASES,
        fault=Fault.status(
            403,
            body={
                "message": "Resource not accessible by integration",
            },
            headers={"X-Accepted-GitHub-Permissions": "contents=write"},
        ),
    )
    work = world.checkout()

    failed = run("-v", "release", "--path", str(work))
    finished = run("-v", "release", "--path", str(work))

    assert failed.exit_code == 6
    assert failed.stderr.splitlines()[-1] == (
        "error: GitHub refused to let the token create the release v1.2.3 (403) (it "
        "needs contents=write); give the job 'permissions: contents: write'"
    )
    assert finished.exit_code == 0
    printed = failed.stdout + failed.stderr + finished.stdout + finished.stderr
    written = (tmp_path / "output").read_text() + (tmp_path / "summary").read_text()
    config = (work / ".git" / "config").read_text()
    masks = [line for line in printed.splitlines() if line.startswith("::add-mask::")]
    assert secret not in printed.replace(f"::add-mask::{secret}", "")
    assert secret not in written + config
    assert f"::add-mask::{secret}" in masks
    assert TOKEN not in printed


def test_commit_notes_list_the_subjects_since_the_previous_release(
    run: Runner, world: World
) -> None:
    text = world.origin.file("main", "pyproject.toml")
    world.origin.push_commit(
        {"pyproject.toml": text + '\n\n[tool.releasekit]\nrelease_notes = "commits"\n'},
        "Write notes from commits",
    )
    assert run_json(run, "release", world.desk("first"))[0] == 0
    world.origin.push_commit({"feature.txt": "x\n"}, "Add a feature")

    code, outputs, stderr = run_json(run, "release", world.desk("second"))

    assert (code, outputs["tag"]) == (0, "v1.2.4"), stderr
    bodies = [r.request_json["body"] for r in world.github.requests("POST", RELEASES)]
    assert bodies == [
        "- Write notes from commits\n- Initial commit",
        "- Add a feature\n- Bump version to 1.2.4 [skip ci]",
    ]


def test_an_identical_tag_pushed_first_is_not_released_twice(
    run: Runner, world: World
) -> None:
    head = world.origin.branch("main")
    assert head is not None
    # Another run tags the same commit as the same bot in the same second, so
    # its tag object is byte-identical to this run's and the push is a no-op.
    world.monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T00:00:00Z")
    other = world.checkout("other")
    name, email = BOT[: BOT.index(" <")], BOT[BOT.index("<") + 1 : -1]
    identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    git(other, *identity, "tag", "--annotate", "-m", "Release v1.2.3", "v1.2.3")
    push = Repository.push

    def racing(self: Repository, refspecs: list[str]) -> bool:
        if refspecs == ["refs/tags/v1.2.3"]:
            git(other, "push", "--quiet", "origin", "refs/tags/v1.2.3")
        return push(self, refspecs)

    world.monkeypatch.setattr(Repository, "push", racing)
    code, outputs, stderr = run_json(run, "release", world.checkout(), "--no-bump")

    assert code == 0, stderr
    assert (outputs["released"], outputs["reason"]) == (
        "false",
        f"v1.2.3 is already released (from {head[:7]})",
    )
    assert world.origin.tags() == {"v1.2.3": head}
    assert [r["tag"] for r in world.releases()] == ["v1.2.3"]
