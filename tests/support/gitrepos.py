"""Real git repositories for tests: a bare ``origin`` and clones of it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stripped stdout."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


@dataclass(frozen=True)
class Origin:
    """A bare repository standing in for the project's remote."""

    path: Path
    scratch: Path

    @property
    def url(self) -> str:
        """The URL clones use."""
        return self.path.as_uri()

    def clone(
        self, dest: Path, *, depth: int | None = None, detach: bool = False
    ) -> Path:
        """Clone like a developer, or like actions/checkout with depth and detach."""
        args = ["clone", "--quiet"]
        if depth:
            args += ["--depth", str(depth), "--no-tags"]
        git(dest.parent, *args, self.url, dest.name)
        if detach:
            git(dest, "checkout", "--quiet", "--detach")
        return dest

    def push_commit(
        self, files: dict[str, str], message: str, *, branch: str = "main"
    ) -> str:
        """Commit files on a branch of the remote from elsewhere; return the SHA."""
        work = self.scratch
        if not work.exists():
            git(self.scratch.parent, "clone", "--quiet", self.url, work.name)
        git(work, "fetch", "--quiet", "origin")
        if self.branch(branch):
            git(work, "checkout", "--quiet", "-B", branch, f"origin/{branch}")
        else:
            git(work, "checkout", "--quiet", "-B", branch)
        for name, text in files.items():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            git(work, "add", name)
        git(work, "commit", "--quiet", "-m", message)
        git(work, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
        return git(work, "rev-parse", "HEAD")

    def branch(self, name: str) -> str | None:
        """The SHA at the tip of a branch, or None."""
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"],
            cwd=self.path,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() or None

    def tags(self) -> dict[str, str]:
        """Every tag and the commit it points at."""
        output = git(
            self.path,
            "for-each-ref",
            "--format=%(refname:short) %(objectname) %(*objectname)",
            "refs/tags",
        )
        tags = {}
        for line in output.splitlines():
            name, sha, *peeled = line.split()
            tags[name] = peeled[0] if peeled else sha
        return tags

    def file(self, revision: str, path: str) -> str:
        """A file's content at a revision."""
        return git(self.path, "show", f"{revision}:{path}")

    def subjects(self, branch: str = "main") -> list[str]:
        """Commit subjects on a branch, newest first."""
        return git(self.path, "log", "--format=%s", branch).splitlines()

    def log(self, branch: str = "main", fmt: str = "%an <%ae>|%s") -> list[str]:
        """Commits of a branch in a chosen format, newest first."""
        return git(self.path, "log", f"--format={fmt}", branch).splitlines()

    def add_hook(self, name: str, script: str) -> None:
        """Install a server-side hook, e.g. a pre-receive that refuses like GitHub."""
        hook = self.path / "hooks" / name
        hook.write_text("#!/bin/sh\n" + script)
        hook.chmod(0o755)


def make_origin(root: Path, files: dict[str, str], *, branch: str = "main") -> Origin:
    """Create a bare remote whose branch holds one commit of ``files``."""
    bare = root / "origin.git"
    git(root, "init", "--quiet", "--bare", f"--initial-branch={branch}", str(bare))
    origin = Origin(bare, root / "scratch")
    origin.push_commit(files, "Initial commit", branch=branch)
    return origin


def make_tagged_remote(root: Path, name: str, tags: list[str]) -> str:
    """Create a bare repository holding ``tags`` (annotated) and return its URL."""
    work = root / f"{name}-work"
    work.mkdir(parents=True)
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "commit", "--quiet", "--allow-empty", "-m", "Initial commit")
    for tag in tags:
        git(work, "tag", "-a", "-m", tag, tag)

    bare = root / f"{name}.git"
    git(root, "clone", "--quiet", "--bare", str(work), str(bare))
    return bare.as_uri()


def checkout_like_actions(
    run_git: Callable[..., object],
    url: str,
    work: Path,
    ref: str,
    *,
    branch: str = "main",
) -> Path:
    """Check out ``ref`` as actions/checkout does: one commit, no tags, detached.

    ``run_git(cwd, *args)`` runs git, so the demo can bring its own environment.
    """
    run_git(work.parent, "init", "--quiet", str(work))
    run_git(work, "remote", "add", "origin", url)
    run_git(
        work,
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "origin",
        f"+{ref}:refs/remotes/origin/{branch}",
    )
    run_git(work, "checkout", "--quiet", "--detach", f"refs/remotes/origin/{branch}")
    return work
