"""Time ``releasekit deps``' remote lookups, one at a time against concurrently.

Five Git dependencies, each on its own local bare remote with 40 release tags,
reached directly and then through git's ``ext::`` transport with a delay that
stands in for a network round trip. Run with ``make bench``; ``BENCH_RUNS`` sets
the number of timed runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from releasekit.dependencies import GitDependency, check_dependencies

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
REMOTES = 5
TAGS = 40
LATENCY = 0.1  # seconds, roughly one HTTPS round trip to a forge


def git(cwd: Path, *args: str) -> None:
    """Run git quietly, failing loudly."""
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_remote(root: Path, name: str) -> Path:
    """A bare remote with ``TAGS`` annotated release tags."""
    work = root / name
    work.mkdir()
    git(work, "init", "--quiet")
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    git(work, *identity, "commit", "--quiet", "--allow-empty", "-m", "start")
    for minor in range(TAGS):
        git(work, *identity, "tag", "-a", "-m", "release", f"v1.{minor}.0")
    git(root, "clone", "--quiet", "--bare", name, f"{name}.git")
    return root / f"{name}.git"


def slow_url(bare: Path) -> str:
    """A URL that reaches ``bare`` after ``LATENCY`` seconds."""
    return f"ext::sh -c sleep% {LATENCY};git% upload-pack% {bare}"


def median_ms(dependencies: list[GitDependency], workers: int) -> float:
    """The median wall time of one check of every dependency, in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        check_dependencies(dependencies, workers=workers)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    """Print the medians of sequential and concurrent lookups."""
    # The ext:: transport runs a command; allow it for this process only.
    os.environ.update(
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0="protocol.ext.allow",
        GIT_CONFIG_VALUE_0="always",
    )
    print(f"{REMOTES} remotes, {TAGS} tags each, median of {RUNS} runs, in ms")
    print("remote                  sequential  concurrent  speed-up")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        remotes = [make_remote(root, f"lib-{n}") for n in range(REMOTES)]
        for label, urls in (
            ("local (file://)", [bare.as_uri() for bare in remotes]),
            (f"+{LATENCY * 1000:.0f} ms per remote", [slow_url(b) for b in remotes]),
        ):
            dependencies = [
                GitDependency(f"lib-{n}", url, "v1.0.0", "", ())
                for n, url in enumerate(urls)
            ]
            sequential = median_ms(dependencies, workers=1)
            concurrent = median_ms(dependencies, workers=8)
            ratio = sequential / concurrent
            print(f"{label:22}  {sequential:10.1f}  {concurrent:10.1f}  {ratio:7.1f}x")


if __name__ == "__main__":
    main()
