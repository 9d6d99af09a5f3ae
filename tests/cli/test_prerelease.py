"""``releasekit prerelease``, and the steps ``tag``, ``publish`` and ``bump --push``."""

from __future__ import annotations

import json

from tests.cli.conftest import BOT, RELEASES, REPOSITORY, World, run_json
from tests.conftest import Runner
from tests.support.github_faults import Fault
from tests.support.gitrepos import git


def test_prerelease_twice_from_a_desk(run: Runner, world: World) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    work = world.desk(branch="feature/Login#12")

    code, first, stderr = run_json(run, "prerelease", work)
    assert code == 0, stderr
    code, second, stderr = run_json(run, "prerelease", work)
    assert code == 0, stderr

    tags = world.origin.tags()
    assert (first["version"], first["tag"]) == ("1.2.3a1", "v1.2.3a1-feature-Login-12")
    assert (second["version"], second["tag"]) == (
        "1.2.3a2",
        "v1.2.3a2-feature-Login-12",
    )
    assert tags == {
        "v1.2.3a1-feature-Login-12": first["sha"],
        "v1.2.3a2-feature-Login-12": second["sha"],
    }
    assert world.origin.branch("feature/Login#12") == second["sha"]
    assert git(work, "rev-parse", "HEAD") == second["sha"]
    assert git(work, "status", "--porcelain") == ""
    assert world.origin.log("feature/Login#12")[:2] == [
        f"{BOT}|Bump version to 1.2.3a2 [skip ci]",
        f"{BOT}|Bump version to 1.2.3a1 [skip ci]",
    ]
    assert world.releases() == [
        {
            "tag": "v1.2.3a1-feature-Login-12",
            "prerelease": True,
            "latest": False,
            "name": "v1.2.3a1-feature-Login-12",
        },
        {
            "tag": "v1.2.3a2-feature-Login-12",
            "prerelease": True,
            "latest": False,
            "name": "v1.2.3a2-feature-Login-12",
        },
    ]
    created = world.github.requests("POST", RELEASES)[0].request_json
    assert (created["prerelease"], created["make_latest"]) == (True, "false")
    assert world.origin.branch("main") is not None
    assert world.version_on("main") == (
        'version = "1.2.3"  # the next, unreleased version'
    )
    assert stderr.splitlines() == [
        "bumped 1.2.3a1 -> 1.2.3a2 in pyproject.toml",
        "pushed 1.2.3a2 to feature/Login#12 with tag v1.2.3a2-feature-Login-12",
    ]


def test_two_branches_from_one_base_get_distinct_tags(
    run: Runner, world: World
) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    one = world.desk("one", branch="feature/a")
    two = world.desk("two", branch="feature/b")

    assert run_json(run, "prerelease", one)[0] == 0
    assert run_json(run, "prerelease", two)[0] == 0

    assert sorted(world.origin.tags()) == ["v1.2.3a1-feature-a", "v1.2.3a1-feature-b"]
    assert [r["tag"] for r in world.releases()] == [
        "v1.2.3a1-feature-a",
        "v1.2.3a1-feature-b",
    ]


def test_prerelease_in_ci_with_the_branch_from_the_environment(
    run: Runner, world: World
) -> None:
    base = world.origin.push_commit({"x.txt": "x\n"}, "Start a feature", branch="topic")
    world.monkeypatch.setenv("GITHUB_REF_NAME", "topic")
    work = world.checkout(sha=base)

    code, outputs, stderr = run_json(run, "prerelease", work)

    assert code == 0, stderr
    assert (outputs["tag"], outputs["branch_slug"]) == ("v1.2.3a1-topic", "topic")
    assert world.origin.branch("topic") == outputs["sha"]
    assert world.origin.tags() == {"v1.2.3a1-topic": outputs["sha"]}


def test_a_failed_prerelease_is_finished_by_a_rerun(run: Runner, world: World) -> None:
    base = world.origin.push_commit({"x.txt": "x\n"}, "Start a feature", branch="topic")
    world.monkeypatch.setenv("GITHUB_REF_NAME", "topic")
    world.github.inject(method="POST", path=RELEASES, fault=Fault.status(503), times=4)

    code, _, stderr = run_json(run, "prerelease", world.checkout("first", sha=base))

    assert code == 6
    assert stderr.splitlines()[-1] == (
        "error: GitHub failed to create the pre-release v1.2.3a1-topic 4 times; run "
        "again later"
    )
    pushed = world.origin.branch("topic")
    assert world.origin.tags() == {"v1.2.3a1-topic": pushed}
    assert world.releases() == []

    code, outputs, stderr = run_json(
        run, "prerelease", world.checkout("rerun", sha=base)
    )

    assert code == 0, stderr
    assert (outputs["released"], outputs["sha"]) == ("true", pushed)
    assert (outputs["version"], outputs["branch_slug"]) == ("1.2.3a1", "topic")
    assert [r["tag"] for r in world.releases()] == ["v1.2.3a1-topic"]
    assert world.origin.branch("topic") == pushed

    code, outputs, _ = run_json(run, "prerelease", world.checkout("again", sha=base))
    assert (code, outputs["released"], outputs["branch_slug"]) == (0, "false", "topic")
    assert (
        outputs["reason"] == f"v1.2.3a1-topic is already released (from {pushed[:7]})"
    )


def test_detached_head_without_a_branch_is_refused(run: Runner, world: World) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    result = run("prerelease", "--path", str(world.checkout()))
    assert (result.exit_code, result.stdout) == (5, "")
    assert result.stderr == (
        "error: HEAD is detached and no branch is known; pass --branch NAME (GitHub "
        "Actions sets GITHUB_REF_NAME)\n"
    )
    assert world.origin.tags() == {}


def test_a_stale_checkout_is_refused(run: Runner, world: World) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    work = world.desk(branch="main")
    world.origin.push_commit({"x.txt": "x\n"}, "Someone else's change")

    code, _, stderr = run_json(run, "prerelease", work)

    assert code == 5
    assert stderr == (
        "error: origin/main has commits this checkout lacks; pull, then run again\n"
    )
    assert world.origin.tags() == {}


def test_tag_then_publish_as_single_steps(run: Runner, world: World) -> None:
    head = world.origin.branch("main")
    assert head is not None
    work = world.checkout()

    tagged = run("tag", "--path", str(work), "--json")
    again = run("tag", "--path", str(work))
    published = run("publish", "--path", str(work), "--json")
    republished = run("publish", "--path", str(work))

    assert tagged.exit_code == 0, tagged.stderr
    assert json.loads(tagged.stdout)["released"] == "true"
    assert (again.exit_code, again.stdout) == (0, "v1.2.3\n")
    assert again.stderr == f"v1.2.3 already exists (at {head[:7]})\n"
    assert published.exit_code == 0, published.stderr
    assert json.loads(published.stdout)["release_url"] == (
        f"https://github.com/{REPOSITORY}/releases/tag/v1.2.3"
    )
    assert (republished.exit_code, republished.stderr) == (
        0,
        "v1.2.3 already has a release\n",
    )
    assert world.origin.tags() == {"v1.2.3": head}
    assert [r["tag"] for r in world.releases()] == ["v1.2.3"]


def test_publish_needs_the_tag(run: Runner, world: World) -> None:
    result = run("publish", "--path", str(world.checkout()))
    assert (result.exit_code, result.stderr) == (
        5,
        "error: tag v1.2.3 does not exist on origin; run 'releasekit tag' first\n",
    )
    assert world.releases() == []


def test_bump_push_twice_from_the_same_checkout_bumps_once(
    run: Runner, world: World
) -> None:
    head = world.origin.branch("main")
    assert head is not None

    first = run("bump", "patch", "--push", "--path", str(world.checkout("one")))
    second = run(
        "bump", "patch", "--push", "--path", str(world.checkout("two", sha=head))
    )

    assert (first.exit_code, first.stdout) == (0, "1.2.4\n")
    assert (second.exit_code, second.stdout) == (0, "1.2.4\n")
    assert second.stderr == "main already carries 1.2.4; no bump\n"
    assert world.origin.subjects() == [
        "Bump version to 1.2.4 [skip ci]",
        "Initial commit",
    ]
    assert world.origin.log()[0].startswith(f"{BOT}|")


def test_bump_commit_on_a_detached_head_needs_no_branch(
    run: Runner, world: World
) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    work = world.checkout()

    result = run("bump", "minor", "--commit", "--path", str(work))

    assert (result.exit_code, result.stdout) == (0, "1.3.0\n")
    assert git(work, "log", "-1", "--format=%an|%s") == (
        "github-actions[bot]|Bump version to 1.3.0 [skip ci]"
    )
    assert world.origin.subjects() == ["Initial commit"]


def test_a_refused_push_leaves_the_desk_as_it_was(run: Runner, world: World) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    world.origin.add_hook(
        "pre-receive",
        'echo "error: GH013: Repository rule violations found." >&2\nexit 1\n',
    )
    work = world.desk(branch="topic")
    base = git(work, "rev-parse", "HEAD")

    code, _, stderr = run_json(run, "prerelease", work)

    assert code == 5
    assert stderr.splitlines()[-1] == (
        "error: origin refused the push to refs/heads/topic, "
        "refs/tags/v1.2.3a1-topic: a repository ruleset (GH013); add the releasing "
        "token's actor to the ruleset's bypass list"
    )
    assert git(work, "rev-parse", "HEAD") == base
    assert git(work, "status", "--porcelain") == ""

    (world.origin.path / "hooks" / "pre-receive").unlink()
    code, outputs, stderr = run_json(run, "prerelease", work)

    assert code == 0, stderr
    assert (outputs["version"], outputs["tag"]) == ("1.2.3a1", "v1.2.3a1-topic")
    assert world.origin.tags() == {"v1.2.3a1-topic": outputs["sha"]}
    assert world.origin.log("topic")[:2] == [
        f"{BOT}|Bump version to 1.2.3a1 [skip ci]",
        "Test Developer <developer@example.com>|Initial commit",
    ]


def test_publish_of_a_named_tag_releases_that_tag_s_version(
    run: Runner, world: World
) -> None:
    base = world.origin.push_commit({"x.txt": "x\n"}, "Start a feature", branch="topic")
    world.monkeypatch.setenv("GITHUB_REF_NAME", "topic")
    world.github.inject(method="POST", path=RELEASES, fault=Fault.status(503), times=4)
    assert run_json(run, "prerelease", world.checkout("first", sha=base))[0] == 6
    tagged = world.origin.tags()["v1.2.3a1-topic"]
    world.monkeypatch.setenv("GITHUB_REF_NAME", "main")

    result = run(
        "publish", "--path", str(world.checkout()), "--tag", "v1.2.3a1-topic", "--json"
    )

    assert result.exit_code == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert (outputs["version"], outputs["sha"]) == ("1.2.3a1", tagged)
    assert world.releases() == [
        {
            "tag": "v1.2.3a1-topic",
            "prerelease": True,
            "latest": False,
            "name": "v1.2.3a1-topic",
        }
    ]


def test_publish_refuses_a_tag_of_no_known_format(run: Runner, world: World) -> None:
    world.origin.push_commit({"x.txt": "x\n"}, "Next")
    git(world.origin.path, "tag", "nightly", "main")

    result = run("publish", "--path", str(world.checkout()), "--tag", "nightly")

    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        "error: tag nightly matches neither tag_format 'v{version}' nor "
        "prerelease_tag_format 'v{version}-{branch}'; pass a release tag\n"
    )
    assert world.releases() == []


def test_a_desk_rerun_finishes_the_prerelease_it_pushed(
    run: Runner, world: World
) -> None:
    world.monkeypatch.delenv("GITHUB_REF_NAME")
    work = world.desk(branch="topic")
    world.github.inject(method="POST", path=RELEASES, fault=Fault.status(503), times=4)

    code, _, _ = run_json(run, "prerelease", work)
    assert code == 6
    pushed = world.origin.branch("topic")
    assert git(work, "rev-parse", "HEAD") == pushed

    code, finished, stderr = run_json(run, "prerelease", work)
    code_next, following, _ = run_json(run, "prerelease", work)

    assert code == 0, stderr
    assert (finished["tag"], finished["released"], finished["sha"]) == (
        "v1.2.3a1-topic",
        "true",
        pushed,
    )
    assert code_next == 0
    assert following["tag"] == "v1.2.3a2-topic"
    assert [r["tag"] for r in world.releases()] == ["v1.2.3a1-topic", "v1.2.3a2-topic"]


def test_the_image_workflow_bumps_on_the_tip_from_the_released_commit(
    run: Runner, world: World
) -> None:
    released = world.origin.branch("main")
    assert released is not None
    first = run("release", "--no-bump", "--path", str(world.checkout("first")))
    assert first.exit_code == 0, first.stderr
    later = world.origin.push_commit({"x.txt": "x\n"}, "A change pushed meanwhile")

    work = world.checkout("rerun", sha=later)
    again = run("release", "--no-bump", "--json", "--path", str(work))
    outputs = json.loads(again.stdout)
    git(work, "fetch", "--quiet", "--depth=1", "origin", outputs["sha"])
    git(work, "checkout", "--quiet", "--detach", outputs["sha"])
    bumped = run("bump", "patch", "--commit", "--push", "--path", str(work))

    assert (outputs["needs_bump"], outputs["sha"]) == ("true", released)
    assert (bumped.exit_code, bumped.stdout) == (0, "1.2.4\n"), bumped.stderr
    assert world.origin.subjects() == [
        "Bump version to 1.2.4 [skip ci]",
        "A change pushed meanwhile",
        "Initial commit",
    ]
    assert world.version_on() == 'version = "1.2.4"  # the next, unreleased version'
