"""The bump push loop, with the remote branch moving at the worst moment."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from releasekit.bumps import MAX_ATTEMPTS, push_bump
from releasekit.errors import GitError
from releasekit.git import Repository
from releasekit.preflight import open_checkout
from releasekit.versions import parse_version
from tests.support.gitrepos import Origin, git, make_origin

PYPROJECT = '[project]\nname = "lib-ml"\nversion = "1.2.3"\n'


class RacingRepository(Repository):
    """A real repository whose remote branch moves just before each push."""

    def __init__(self, inner: Repository, origin: Origin, races: list[dict[str, str]]):
        super().__init__(inner._repo, remote=inner.remote)
        self.origin = origin
        self.races = races

    def push(self, refspecs: Iterable[str]) -> bool:
        if self.races:
            self.origin.push_commit(self.races.pop(0), "Someone else's change")
        return super().push(refspecs)


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    return make_origin(tmp_path, {"pyproject.toml": PYPROJECT})


def _checkout(origin: Origin, tmp_path: Path, races: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    said: list[str] = []
    work = origin.clone(tmp_path / "work")
    checkout = open_checkout(work, branch="main", dry_run=False, say=said.append)
    racing = RacingRepository(checkout.repo, origin, races)
    return checkout.__class__(checkout.project, racing, "main", checkout.author), said


def test_a_push_refused_because_the_branch_moved_is_redone(
    origin: Origin, tmp_path: Path
) -> None:
    checkout, said = _checkout(origin, tmp_path, [{"a.txt": "a\n"}, {"b.txt": "b\n"}])

    result = push_bump(
        checkout, start=parse_version("1.2.3"), target="patch", say=said.append
    )

    assert (result.version.to_string(), result.bumped) == ("1.2.4", True)
    assert result.sha == origin.branch("main")
    assert origin.subjects() == [
        "Bump version to 1.2.4 [skip ci]",
        "Someone else's change",
        "Someone else's change",
        "Initial commit",
    ]
    assert said == [
        "bumped 1.2.3 -> 1.2.4 in pyproject.toml",
        "main moved on the remote; trying again on its new tip",
        "bumped 1.2.3 -> 1.2.4 in pyproject.toml",
        "main moved on the remote; trying again on its new tip",
        "bumped 1.2.3 -> 1.2.4 in pyproject.toml",
    ]
    assert git(checkout.repo.root, "status", "--porcelain") == ""


def test_a_bump_by_someone_else_ends_the_loop(origin: Origin, tmp_path: Path) -> None:
    bumped = PYPROJECT.replace("1.2.3", "2.0.0")
    checkout, said = _checkout(origin, tmp_path, [{"pyproject.toml": bumped}])

    result = push_bump(
        checkout, start=parse_version("1.2.3"), target="patch", say=said.append
    )

    assert (result.version.to_string(), result.bumped) == ("2.0.0", False)
    assert origin.subjects() == ["Someone else's change", "Initial commit"]
    assert said[-1] == "main already carries 2.0.0; no bump"


def test_a_branch_that_never_settles_fails_clearly(
    origin: Origin, tmp_path: Path
) -> None:
    races = [{f"{index}.txt": "x\n"} for index in range(MAX_ATTEMPTS)]
    checkout, said = _checkout(origin, tmp_path, races)

    with pytest.raises(GitError) as caught:
        push_bump(
            checkout, start=parse_version("1.2.3"), target="patch", say=said.append
        )

    assert caught.value.message == (
        f"main kept moving on the remote during {MAX_ATTEMPTS} attempts to push the "
        "bump; run again"
    )
    assert origin.file("main", "pyproject.toml") == PYPROJECT.strip()


def test_a_refused_push_drops_the_bump_commit(origin: Origin, tmp_path: Path) -> None:
    origin.add_hook(
        "pre-receive",
        'echo "error: GH006: Protected branch update failed." >&2\nexit 1\n',
    )
    checkout, said = _checkout(origin, tmp_path, [])
    base = checkout.repo.head()

    with pytest.raises(GitError) as caught:
        push_bump(
            checkout, start=parse_version("1.2.3"), target="patch", say=said.append
        )

    assert caught.value.message == (
        "origin refused the push to refs/heads/main: a branch protection rule "
        "(GH006); let the releasing token bypass it or allow the bot to push"
    )
    assert checkout.repo.head() == base
    assert git(checkout.repo.root, "status", "--porcelain") == ""
    assert (checkout.repo.root / "pyproject.toml").read_text() == PYPROJECT
