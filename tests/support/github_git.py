"""Read and create tags in a bare repository, as GitHub does behind its REST API."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_FULL_SHA = re.compile(r"[0-9a-f]{40}")


class GitError(Exception):
    """Raised when a git command run against the bare repository fails."""


@dataclass(frozen=True)
class Ref:
    """A reference as GitHub's git refs API shows it."""

    refname: str  # e.g. refs/tags/v1.2.3
    object_type: str  # "commit", or "tag" for an annotated tag
    object_sha: str
    commit_sha: str

    @property
    def name(self) -> str:
        """Return the name without its ``refs/tags/`` or ``refs/heads/`` prefix."""
        return self.refname.split("/", 2)[2]


@dataclass(frozen=True)
class Commit:
    """A commit's identity and subject line."""

    sha: str
    subject: str
    author_name: str


class BareRepo:
    """A bare git repository that stands behind one GitHub repository."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run git against the bare repository and return the finished process."""
        process = subprocess.run(
            ["git", "--git-dir", str(self.path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and process.returncode != 0:
            raise GitError(f"git {' '.join(args)}: {process.stderr.strip()}")
        return process

    def default_branch(self) -> str:
        """Return the branch HEAD points at."""
        ref = self.run("symbolic-ref", "HEAD").stdout.strip()
        return ref.removeprefix("refs/heads/")

    def resolve_commit(self, commitish: str) -> str | None:
        """Return the full SHA for a branch name or a full commit SHA, else None."""
        if _FULL_SHA.fullmatch(commitish):
            candidate = commitish
        elif self.is_valid_ref(f"refs/heads/{commitish}"):
            candidate = f"refs/heads/{commitish}"
        else:
            return None

        process = self.run(
            "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", check=False
        )
        if process.returncode != 0:
            return None
        return process.stdout.strip()

    def is_valid_ref(self, ref: str) -> bool:
        """Tell whether git accepts ``ref`` as a reference name."""
        return self.run("check-ref-format", ref, check=False).returncode == 0

    def refs(self, prefix: str = "refs/") -> list[Ref]:
        """Return the references whose full name starts with ``prefix``, sorted."""
        fields = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)"
        output = self.run("for-each-ref", f"--format={fields}").stdout
        found = [_parse_ref_line(line) for line in output.splitlines() if line]
        return [ref for ref in found if ref.refname.startswith(prefix)]

    def tags(self) -> list[Ref]:
        """Return every tag, sorted by name."""
        return self.refs("refs/tags/")

    def tag(self, name: str) -> Ref | None:
        """Return the tag called ``name``, or None."""
        return next((tag for tag in self.tags() if tag.name == name), None)

    def create_tag(self, name: str, sha: str) -> bool:
        """Create a lightweight tag at ``sha``; return False if it already exists."""
        # An empty old value makes update-ref refuse to overwrite, so racing
        # requests cannot both create the same tag.
        process = self.run("update-ref", f"refs/tags/{name}", sha, "", check=False)
        return process.returncode == 0

    def commits_between(self, start: str | None, end: str) -> list[Commit]:
        """Return the commits reachable from ``end`` but not ``start``, oldest first."""
        span = f"{start}..{end}" if start else end
        output = self.run("log", "--reverse", "--format=%H%x00%s%x00%an", span).stdout
        commits = []
        for line in output.splitlines():
            sha, subject, author = line.split("\0")
            commits.append(Commit(sha=sha, subject=subject, author_name=author))
        return commits

    def previous_tag(self, sha: str, tag_name: str) -> str | None:
        """Return the nearest tag reachable from ``sha`` other than ``tag_name``."""
        process = self.run(
            "describe",
            "--tags",
            "--abbrev=0",
            f"--exclude={tag_name}",
            sha,
            check=False,
        )
        if process.returncode != 0:
            return None
        return process.stdout.strip()


def _parse_ref_line(line: str) -> Ref:
    refname, object_type, object_sha, peeled_sha = line.split("\0")
    return Ref(
        refname=refname,
        object_type=object_type,
        object_sha=object_sha,
        commit_sha=peeled_sha or object_sha,
    )
