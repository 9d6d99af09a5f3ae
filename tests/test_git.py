from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from releasekit.errors import GitError, PushRejected
from releasekit.git import Identity, Repository, list_remote_tags
from tests.support.gitrepos import Origin, git, make_origin

BOT = Identity(
    "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"
)
PYPROJECT = '[project]\nname = "lib-ml"\nversion = "1.2.3"\n'


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    return make_origin(tmp_path, {"pyproject.toml": PYPROJECT, "README.md": "hi\n"})


@pytest.fixture
def clone(origin: Origin, tmp_path: Path) -> Path:
    return origin.clone(tmp_path / "work")


def _bump_file(clone: Path, version: str) -> None:
    (clone / "pyproject.toml").write_text(PYPROJECT.replace("1.2.3", version))


def test_reads_head_branch_and_remote(origin: Origin, clone: Path) -> None:
    repo = Repository.open(clone / "README.md")
    assert repo.head() == origin.branch("main")
    assert repo.branch() == "main"
    assert repo.remote_url() == origin.url
    assert repo.root == clone
    assert repo.tracked_changes() == []


def test_checkout_like_actions_has_no_branch_and_no_tags(
    origin: Origin, clone: Path, tmp_path: Path
) -> None:
    repo = Repository.open(clone)
    repo.tag("v1.2.3", repo.head(), "Release v1.2.3", BOT)
    repo.push(["refs/tags/v1.2.3"])

    shallow = Repository.open(origin.clone(tmp_path / "ci", depth=1, detach=True))

    assert shallow.branch() is None
    assert git(shallow.root, "tag", "--list") == ""
    assert shallow.remote_tags() == {"v1.2.3": origin.branch("main")}
    assert shallow.remote_tag("v1.2.3") == origin.branch("main")
    assert shallow.remote_tag("v9.9.9") is None
    assert shallow.remote_branch("main") == origin.branch("main")
    assert shallow.remote_branch("nope") is None


def test_commit_takes_only_the_named_file_as_the_bot(
    origin: Origin, clone: Path
) -> None:
    repo = Repository.open(clone)
    _bump_file(clone, "1.2.4")
    (clone / "README.md").write_text("local edit\n")

    sha = repo.commit(["pyproject.toml"], "Bump version to 1.2.4 [skip ci]", BOT)
    repo.push(["HEAD:refs/heads/main"])

    assert origin.branch("main") == sha
    assert origin.log()[0] == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        "|Bump version to 1.2.4 [skip ci]"
    )
    assert origin.file("main", "README.md") == "hi"
    assert repo.tracked_changes() == ["README.md"]


def test_moved_branch_is_classified(origin: Origin, clone: Path) -> None:
    origin.push_commit({"other.txt": "x\n"}, "Someone else's change")
    repo = Repository.open(clone)
    _bump_file(clone, "1.2.4")
    repo.commit(["pyproject.toml"], "Bump", BOT)

    with pytest.raises(PushRejected) as caught:
        repo.push(["HEAD:refs/heads/main"])

    assert caught.value.reason == "moved"
    assert caught.value.message == (
        "origin refused the push to refs/heads/main: the branch moved; fetch and "
        "run again"
    )
    tip = repo.fetch_branch("main")
    assert tip == origin.branch("main")
    assert repo.show(tip, "other.txt") == "x\n"


@pytest.mark.parametrize(
    ("code", "reason", "message"),
    [
        (
            "GH006",
            "protected",
            "origin refused the push to refs/heads/main, "
            "refs/tags/v1.2.3: a branch protection rule (GH006); let the releasing "
            "token bypass it or allow the bot to push",
        ),
        (
            "GH013",
            "ruleset",
            "origin refused the push to refs/heads/main, "
            "refs/tags/v1.2.3: a repository ruleset (GH013); add the releasing "
            "token's actor to the ruleset's bypass list",
        ),
    ],
)
def test_protection_rejects_everything_atomically(
    origin: Origin, clone: Path, code: str, reason: str, message: str
) -> None:
    origin.add_hook(
        "pre-receive",
        f'echo "error: {code}: Repository rule violations found." >&2\nexit 1\n',
    )
    repo = Repository.open(clone)
    repo.tag("v1.2.3", repo.head(), "Release v1.2.3", BOT)

    with pytest.raises(PushRejected) as caught:
        repo.push(["HEAD:refs/heads/main", "refs/tags/v1.2.3"])

    assert (caught.value.reason, caught.value.message) == (reason, message)
    assert origin.tags() == {}


def test_atomic_push_lands_nothing_when_the_branch_is_refused(
    origin: Origin, clone: Path
) -> None:
    origin.push_commit({"other.txt": "x\n"}, "Someone else's change")
    repo = Repository.open(clone)
    repo.tag("v1.2.3", repo.head(), "Release v1.2.3", BOT)
    _bump_file(clone, "1.2.4")
    repo.commit(["pyproject.toml"], "Bump", BOT)

    with pytest.raises(PushRejected):
        repo.push(["HEAD:refs/heads/main", "refs/tags/v1.2.3"])

    assert origin.tags() == {}


def test_existing_tag_is_classified(
    origin: Origin, clone: Path, tmp_path: Path
) -> None:
    first = Repository.open(clone)
    first.tag("v1.2.3", first.head(), "Release", BOT)
    first.push(["refs/tags/v1.2.3"])
    origin.push_commit({"other.txt": "x\n"}, "Next")
    second = Repository.open(origin.clone(tmp_path / "second"))
    second.tag("v1.2.3", second.head(), "Release", BOT)

    with pytest.raises(PushRejected) as caught:
        second.push(["refs/tags/v1.2.3"])

    assert caught.value.reason == "tag-exists"
    assert origin.tags() == {"v1.2.3": first.head()}


def test_dry_run_changes_nothing(origin: Origin, clone: Path) -> None:
    said: list[str] = []
    repo = Repository.open(clone, dry_run=True, say=said.append)
    head = repo.head()
    _bump_file(clone, "1.2.4")

    assert repo.commit(["pyproject.toml"], "Bump [skip ci]", BOT) == head
    repo.tag("v1.2.3", head, "Release v1.2.3", BOT)
    repo.push(["HEAD:refs/heads/main", "refs/tags/v1.2.3"])

    assert said == [
        "would commit pyproject.toml as github-actions[bot]: Bump [skip ci]",
        f"would tag {head[:12]} as v1.2.3",
        "would push HEAD:refs/heads/main refs/tags/v1.2.3 to origin",
    ]
    assert repo.head() == head == origin.branch("main")
    assert git(clone, "tag", "--list") == ""
    assert origin.tags() == {}


def test_unreachable_remote(clone: Path) -> None:
    git(clone, "remote", "set-url", "origin", str(clone.parent / "missing.git"))
    with pytest.raises(GitError) as caught:
        Repository.open(clone).remote_tags()
    assert caught.value.message.startswith("cannot reach the remote 'origin': ")
    assert caught.value.message.endswith("; check its URL and your credentials")


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError) as caught:
        Repository.open(tmp_path)
    assert caught.value.message == (
        f"{tmp_path} is not inside a git repository; run releasekit in a clone"
    )


def test_tag_names_are_checked(clone: Path) -> None:
    repo = Repository.open(clone)
    repo.check_tag_name("v1.2.3a1-feature-x")
    with pytest.raises(GitError) as caught:
        repo.check_tag_name("v1.2..3")
    assert caught.value.message == (
        "'v1.2..3' is not a valid git tag name; change the tag format in "
        "[tool.releasekit]"
    )


def test_identity_parsing() -> None:
    assert Identity.parse("Release Bot <bot@example.com>") == Identity(
        "Release Bot", "bot@example.com"
    )
    with pytest.raises(GitError) as caught:
        Identity.parse("bot@example.com")
    assert caught.value.message == (
        "commit_author 'bot@example.com' is not of the form 'Name <email>'; fix "
        "the setting"
    )


def test_list_remote_tags_sends_the_token_to_the_github_server_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        monkeypatch.setenv("GITHUB_SERVER_URL", url)
        with pytest.raises(GitError):
            list_remote_tags(f"{url}/o/r.git", token="ghs_t0ken")
        monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
        with pytest.raises(GitError):
            list_remote_tags(f"{url}/o/r.git", token="ghs_t0ken")
    finally:
        server.shutdown()
        server.server_close()

    basic = base64.b64encode(b"x-access-token:ghs_t0ken").decode()
    assert seen == [f"basic {basic}", None]


def test_push_tells_whether_the_remote_changed(
    origin: Origin, clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same tagger, message and second: both clones make the same tag object.
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T00:00:00Z")
    first = Repository.open(clone)
    second = Repository.open(origin.clone(tmp_path / "second"))
    first.tag("v1.2.3", first.head(), "Release v1.2.3", BOT)
    second.tag("v1.2.3", second.head(), "Release v1.2.3", BOT)

    assert first.push(["refs/tags/v1.2.3"]) is True
    assert second.push(["refs/tags/v1.2.3"]) is False
    assert origin.tags() == {"v1.2.3": first.head()}
