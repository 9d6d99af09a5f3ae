"""The project's git repository and its remote, through GitPython.

Only what a release needs: read HEAD and the branch, ask the remote (never local
tags, which a CI checkout does not have) which tags and branch tips exist,
commit one file as the bot, create tags, and push, classifying rejections.
With ``dry_run`` every change is reported as "would ..." instead of made.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from releasekit.errors import GitError, PushRejected

if TYPE_CHECKING:
    import git

log = logging.getLogger(__name__)

_IDENTITY = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Identity:
    """A git author, parsed from ``Name <email>``."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str, *, key: str = "commit_author") -> Identity:
        """Parse ``Name <email>``; ``key`` names the setting in errors."""
        match = _IDENTITY.match(text)
        if not match:
            raise GitError(
                f"{key} {text!r} is not of the form 'Name <email>'; fix the setting"
            )
        return cls(match["name"], match["email"])

    def environment(self) -> dict[str, str]:
        """The variables that make git author and commit as this identity."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


class Repository:
    """A git work tree and its ``origin`` remote."""

    def __init__(
        self,
        repo: git.Repo,
        *,
        remote: str = "origin",
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
        token: str | None = None,
    ) -> None:
        self._repo = repo
        self.remote = remote
        self.dry_run = dry_run
        self._say = say
        self._token = token

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        remote: str = "origin",
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
        token: str | None = None,
    ) -> Repository:
        """Open the repository that contains ``path``.

        ``token`` authenticates the reads from a GitHub remote over HTTPS
        (ls-remote, fetch), for checkouts made without persisted credentials.
        """
        import git

        try:
            repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as err:
            raise GitError(
                f"{path} is not inside a git repository; run releasekit in a clone"
            ) from err
        if repo.bare:
            raise GitError(f"{path} is a bare repository; run releasekit in a clone")
        return cls(repo, remote=remote, dry_run=dry_run, say=say, token=token)

    @property
    def root(self) -> Path:
        """The top of the work tree."""
        return Path(str(self._repo.working_tree_dir))

    def relative(self, path: Path) -> str:
        """A path inside the work tree, relative to its top, as git writes it."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    # Reading the work tree.

    def head(self) -> str:
        """The full SHA of HEAD."""
        return self._git("rev-parse", "HEAD")

    def branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        name = self._git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return name or None

    def remote_url(self) -> str:
        """The URL of the remote."""
        url = self._git("remote", "get-url", self.remote, check=False)
        if not url:
            raise GitError(
                f"the repository has no remote {self.remote!r}; add it with "
                f"'git remote add {self.remote} URL'"
            )
        return url

    def tracked_changes(self) -> list[str]:
        """Tracked files with uncommitted changes."""
        output = self._git("status", "--porcelain", "--untracked-files=no")
        return [line[3:] for line in output.splitlines() if line.strip()]

    def show(self, revision: str, path: str) -> str:
        """The content of a file at a revision."""
        return self._git("show", f"{revision}:{path}", strip=False)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Tell whether a commit is reachable from another.

        A shallow clone cannot see past its cut, so it is deepened once to know.
        """
        if self._status("merge-base", "--is-ancestor", ancestor, descendant) == 0:
            return True
        if self._git("rev-parse", "--is-shallow-repository") != "true":
            return False
        self._remote_git("fetch", "--quiet", "--unshallow", "--no-tags", self.remote)
        return self._status("merge-base", "--is-ancestor", ancestor, descendant) == 0

    def subjects(self, since: str | None, until: str) -> list[str]:
        """Commit subjects after ``since`` (exclusive) up to ``until``, newest first."""
        span = f"{since}..{until}" if since else until
        output = self._git("log", "--format=%s", "--no-merges", span, check=False)
        return [line for line in output.splitlines() if line]

    def check_tag_name(self, name: str) -> None:
        """Refuse a tag name git would not accept."""
        if self._status("check-ref-format", f"refs/tags/{name}") != 0:
            raise GitError(
                f"{name!r} is not a valid git tag name; change the tag format in "
                "[tool.releasekit]"
            )

    # Asking the remote.

    def remote_tags(self, pattern: str | None = None) -> dict[str, str]:
        """Tags on the remote and the commits they point at."""
        args = ["ls-remote", "--tags", self.remote]
        if pattern:
            # An annotated tag's commit is listed under its peeled name.
            args += [f"refs/tags/{pattern}", f"refs/tags/{pattern}^{{}}"]
        return _peeled(self._remote_git(*args))

    def remote_tag(self, name: str) -> str | None:
        """The commit a tag on the remote points at, or None."""
        return self.remote_tags(name).get(name)

    def remote_branch(self, name: str) -> str | None:
        """The commit at the tip of a branch on the remote, or None."""
        output = self._remote_git("ls-remote", "--heads", self.remote, name)
        for line in output.splitlines():
            sha, ref = line.split("\t", 1)
            if ref == f"refs/heads/{name}":
                return sha
        return None

    def remote_default_branch(self) -> str | None:
        """The branch the remote's HEAD names (its default branch), or None."""
        output = self._remote_git("ls-remote", "--symref", self.remote, "HEAD")
        for line in output.splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line.removeprefix("ref: refs/heads/").removesuffix("\tHEAD")
        return None

    def fetch_branch(self, name: str) -> str:
        """Fetch a branch's tip from the remote and return its SHA."""
        ref = f"refs/remotes/{self.remote}/{name}"
        self._remote_git("fetch", "--no-tags", self.remote, f"+refs/heads/{name}:{ref}")
        return self._git("rev-parse", ref)

    # Changing things: each reports instead under dry_run.

    def commit(self, paths: Sequence[str], message: str, author: Identity) -> str:
        """Commit only ``paths`` as ``author``; return the new commit's SHA."""
        if self.dry_run:
            self._say(f"would commit {', '.join(paths)} as {author.name}: {message}")
            return self.head()
        self._git("add", "--", *paths)
        self._git(
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
            "--only",
            "--",
            *paths,
            env=author.environment(),
        )
        return self.head()

    def tag(self, name: str, sha: str, message: str, tagger: Identity) -> None:
        """Create an annotated tag at a commit."""
        if self.dry_run:
            self._say(f"would tag {sha[:12]} as {name}")
            return
        self._git(
            "tag",
            "--annotate",
            "--force",
            "-m",
            message,
            name,
            sha,
            env=tagger.environment(),
        )

    def move_to(self, sha: str) -> None:
        """Move the checked-out branch (or the detached HEAD) to a commit."""
        if self.dry_run:
            self._say(f"would move HEAD to {sha[:12]}")
            return
        self._git("reset", "--quiet", "--keep", sha)

    def push(self, refspecs: Iterable[str]) -> bool:
        """Push refspecs atomically: all of them land or none does.

        Returns False when the remote already had every ref exactly so.
        """
        specs = list(refspecs)
        if self.dry_run:
            self._say(f"would push {' '.join(specs)} to {self.remote}")
            return True

        import git

        try:
            output = self._repo.git.push("--porcelain", "--atomic", self.remote, *specs)
        except git.GitCommandError as err:
            raise _rejection(self.remote, specs, err) from err
        # Each ref's porcelain line starts with a flag; "=" means "up to date".
        flags = re.findall(r"^(.)\t", str(output), re.MULTILINE)
        return not flags or any(flag != "=" for flag in flags)

    # Running git.

    def _git(
        self,
        *args: str,
        check: bool = True,
        strip: bool = True,
        env: dict[str, str] | None = None,
    ) -> str:
        import git

        try:
            output: str = self._repo.git.execute(
                ["git", *args],
                with_extended_output=False,
                strip_newline_in_stdout=strip,
                env={**os.environ, **(env or {})},
            )
        except git.GitCommandError as err:
            if not check:
                return ""
            raise GitError(f"git {args[0]} failed: {_stderr(err)}") from err
        return output

    def _remote_git(self, *args: str) -> str:
        import git

        env = dict(os.environ)
        if self._token and self.remote_url().startswith(_forge_prefix()):
            env.update(_auth_header(env, self._token))
        try:
            output: str = self._repo.git.execute(["git", *args], env=env)
        except git.GitCommandError as err:
            raise GitError(
                f"cannot reach the remote {self.remote!r}: {_stderr(err)}; check its "
                "URL and your credentials"
            ) from err
        return output

    def _status(self, *args: str) -> int:
        import git

        try:
            self._repo.git.execute(["git", *args])
        except git.GitCommandError as err:
            return int(err.status) if isinstance(err.status, int) else 1
        return 0


def list_remote_tags(
    url: str, *, token: str | None = None, timeout: float = 60
) -> dict[str, str]:
    """Tags at a remote URL, with no local repository, and their commits.

    ``token`` authenticates to the GitHub server (``GITHUB_SERVER_URL``, else
    github.com) over HTTPS, passed to this one command through the environment,
    never in the URL or on the command line. git never prompts: a remote that
    wants credentials fails instead of waiting.
    """
    import git

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    if token and url.startswith(_forge_prefix()):
        env.update(_auth_header(env, token))
    try:
        output: str = git.Git().execute(
            ["git", "ls-remote", "--tags", "--", url],
            env=env,
            kill_after_timeout=timeout,
        )
    except git.GitCommandError as err:
        raise GitError(
            f"cannot reach {url}: {_first_fatal(err)}; check the URL and your "
            "credentials"
        ) from err
    return _peeled(output)


def _forge_prefix() -> str:
    # GitHub Enterprise runners set GITHUB_SERVER_URL to their own host.
    server = os.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    return server.rstrip("/") + "/"


def _auth_header(env: dict[str, str], token: str) -> dict[str, str]:
    index = int(env.get("GIT_CONFIG_COUNT") or 0)
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": f"http.{_forge_prefix()}.extraheader",
        f"GIT_CONFIG_VALUE_{index}": f"AUTHORIZATION: basic {basic}",
    }


def _peeled(output: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for line in output.splitlines():
        sha, ref = line.split("\t", 1)
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):
            tags[name[:-3]] = sha  # the commit an annotated tag points at
        else:
            tags.setdefault(name, sha)
    return tags


def _stderr(err: git.GitCommandError) -> str:
    text = str(err.stderr or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {err.status}"
    return last.removeprefix("stderr: ").strip("'").removeprefix("fatal: ")


def _first_fatal(err: git.GitCommandError) -> str:
    # git explains an unreachable remote on its first "fatal:" line; the lines
    # after it are generic advice.
    for line in str(err.stderr or "").splitlines():
        line = line.strip().removeprefix("stderr: ").strip("'")
        if line.startswith("fatal: "):
            return line.removeprefix("fatal: ")
    return _stderr(err)


def _rejection(remote: str, specs: list[str], err: git.GitCommandError) -> GitError:
    output = f"{err.stdout or ''}\n{err.stderr or ''}"
    target = ", ".join(spec.split(":")[-1] for spec in specs)
    if "GH006" in output:
        return PushRejected(
            f"{remote} refused the push to {target}: a branch protection rule "
            "(GH006); let the releasing token bypass it or allow the bot to push",
            "protected",
        )
    if "GH013" in output:
        return PushRejected(
            f"{remote} refused the push to {target}: a repository ruleset (GH013); "
            "add the releasing token's actor to the ruleset's bypass list",
            "ruleset",
        )
    # A concurrent push can win the race for the ref lock after the checks passed.
    moved = r"\[rejected\].*\((fetch first|non-fast-forward)\)"
    raced = r"cannot lock ref '[^']+': is at \w+ but expected|\(incorrect old value"
    if re.search(moved, output) or re.search(raced, output):
        return PushRejected(
            f"{remote} refused the push to {target}: the branch moved; fetch and "
            "run again",
            "moved",
        )
    if re.search(r"\[rejected\].*\(already exists\)", output):
        return PushRejected(
            f"{remote} refused the push to {target}: the tag already exists there",
            "tag-exists",
        )
    if re.search(
        r"Authentication failed|could not read Username|returned error: 40[13]"
        r"|Permission to .* denied|permission denied",
        output,
        re.IGNORECASE,
    ):
        return PushRejected(
            f"{remote} refused the credentials for the push to {target}; give the "
            "job 'contents: write' and check out with persist-credentials, or log "
            "in to git",
            "auth",
        )
    return PushRejected(f"pushing {target} to {remote} failed: {_stderr(err)}", "other")
