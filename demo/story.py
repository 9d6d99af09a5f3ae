"""The release story of lib-ml and model-service, told with releasekit's commands.

Everything GitHub would be is local: bare repositories are the remotes, the GitHub
API stand-in from the tests serves releases, a registry on 127.0.0.1 takes the
images, and podman builds and runs them. lib-ml's real ``https://github.com/...``
URL is redirected to its bare repository with git's ``insteadOf``, so
model-service's pyproject.toml stays exactly what a user writes.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.gitrepos import checkout_like_actions
from tests.support.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OWNER = "releasekit-examples"
TOKEN = "ghs_demo_token_0123456789abcdef"
ENGINE = "unix:///run/releasekit/podman.sock"
BASE_IMAGE = "localhost/releasekit/python-base:bookworm"
BRANCH = "feature/better-model"
KNOWN_URLS = {
    "http://paypal.com.secure-login.tk/verify": "phishing",
    "https://en.wikipedia.org/wiki/Phishing": "legitimate",
    "https://docs.python.org/3/library/json.html": "legitimate",
}
SKIP = shutil.ignore_patterns(
    ".venv",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "model",
    "wheels",
)


class StoryFailed(Exception):
    """Raised when a step of the story does not end as the story says it must."""


@dataclass
class Step:
    """One step of the story and what came of it."""

    title: str
    result: str
    seconds: float


@dataclass
class Report:
    """The steps told, and the final state of remotes, releases and registry."""

    steps: list[Step] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def show(self) -> None:
        """Print the summary table."""
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"releasekit demo: {self.seconds:.0f} s in all")
        table.add_column("#", justify="right")
        table.add_column("step")
        table.add_column("result")
        table.add_column("s", justify="right")
        for number, step in enumerate(self.steps, 1):
            table.add_row(str(number), step.title, step.result, f"{step.seconds:.1f}")
        Console().print(table)


class Story:
    """Set up the local stand-ins for GitHub, then release both projects."""

    def __init__(self, workspace: Path, *, echo: Callable[[str], None] | None = None):
        self.workspace = workspace
        self.echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self.remotes = workspace / "remotes"
        self.env: dict[str, str] = {}
        self.registry: Registry | None = None
        self.image: dict[str, str] = {}
        self.report = Report()

    def tell(self) -> Report:
        """Tell the whole story; the workspace is wiped first, so it can run again."""
        started = time.monotonic()
        shutil.rmtree(self.workspace, ignore_errors=True)
        self.workspace.mkdir(parents=True)
        with self._services():
            for name in ("lib-ml", "model-service"):
                self._seed(name)
            self._step("Release lib-ml", self._release_library)
            self._step("Build model-service with lib-ml from its tag", self._wheels)
            self._step("Release model-service and its image", self._release_service)
            self._step("Run the released image", self._run_image)
            self._step(f"Pre-release model-service from {BRANCH}", self._prerelease)
            self._step("Release the released commit again", self._rerun)
            self.report.state = self._state()
        self.report.seconds = time.monotonic() - started
        return self.report

    # The steps.

    def _release_library(self) -> str:
        work = self._checkout("lib-ml", "ci-lib-ml")
        out = self._releasekit(work, "lib-ml", "release", "--json")
        self._expect(out["released"] == "true", "lib-ml was not released", out)
        return f"{out['tag']} tagged and released; main bumped to {out['next_version']}"

    def _wheels(self) -> str:
        work = self._checkout("model-service", "ci-model-service")
        self._wheels_in(work)
        wheels = sorted(path.name for path in (work / "wheels").glob("*.whl"))
        lib = [name for name in wheels if name.startswith("lib_ml-")]
        self._expect(lib == ["lib_ml-0.1.0-py3-none-any.whl"], "lib-ml 0.1.0", wheels)
        return "lib-ml 0.1.0 installed from its Git tag v0.1.0"

    def _release_service(self) -> str:
        work = self.workspace / "ci-model-service"
        released = self._releasekit(
            work, "model-service", "release", "--no-bump", "--json"
        )
        self._expect(released["needs_bump"] == "true", "a pending bump", released)
        image = self._publish(work, released["version"])
        bumped = self._releasekit(
            work, "model-service", "bump", "patch", "--push", "--json"
        )
        self.image = image
        return (
            f"{released['tag']} released; image tags {_short_tags(image)}; main "
            f"bumped to {bumped['version']}"
        )

    def _run_image(self) -> str:
        import docker

        assert self.registry is not None
        client = docker.DockerClient(base_url=self.env["DOCKER_HOST"])
        auth = {"username": self.registry.username, "password": self.registry.password}
        reference = self.image["ref"]
        client.images.pull(reference, auth_config=auth)
        port = _free_port()
        container = client.containers.run(
            reference, detach=True, ports={"8080/tcp": ("127.0.0.1", port)}
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(f"{base}/health", seconds=60)
            answers = {url: _predict(base, url) for url in KNOWN_URLS}
            metrics = _get(f"{base}/metrics")
        finally:
            container.remove(force=True)
            client.close()

        labels = {url: answer["label"] for url, answer in answers.items()}
        self._expect(labels == KNOWN_URLS, "the known labels", answers)
        counted = 'model_service_predictions_total{label="phishing"} 1.0'
        self._expect(counted in metrics, counted, metrics[-2000:])
        return (
            f"/predict labelled {len(answers)} known URLs right; /metrics counted them"
        )

    def _prerelease(self) -> str:
        work = self._clone("model-service", "desk-model-service")
        _git(work, "checkout", "--quiet", "-b", BRANCH, env=self.env)
        latest = self._registry_digest("latest")
        out = self._releasekit(work, "model-service", "prerelease", "--json", ref=None)
        image = self._publish(work, out["version"], "--branch", BRANCH)
        self._expect(
            self._registry_digest("latest") == latest, "latest unchanged", image
        )
        return (
            f"{out['tag']} pre-released; image tag {_short_tags(image)}; latest "
            "unchanged"
        )

    def _rerun(self) -> str:
        sha = self._released_sha("model-service", "v0.1.0")
        before = self._state()
        work = self._checkout("model-service", "ci-rerun", sha=sha)
        out = self._releasekit(work, "model-service", "release", "--json")
        self._expect(out["released"] == "false", "already released", out)
        self._expect(self._state() == before, "nothing changed", self._state())
        return f"{out['reason']}; exit 0, nothing changed"

    # Services, remotes and checkouts.

    @contextmanager
    def _services(self) -> Iterator[None]:
        subprocess.run(
            [ROOT / "scripts" / "services.sh", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [ROOT / "scripts" / "base-image.sh"], check=True, stdout=subprocess.DEVNULL
        )
        self.remotes.mkdir()
        with Registry(self.workspace / "registry") as registry:
            self.registry = registry
            api, stand_in = self._start_github()
            try:
                self.env = self._environment(api, registry)
                yield
            finally:
                stand_in.terminate()
                stand_in.wait(timeout=10)
                _remove_images(registry.host)

    def _start_github(self) -> tuple[str, subprocess.Popen[bytes]]:
        ready = self.workspace / "github.url"
        repos = []
        for name in ("lib-ml", "model-service"):
            bare = self.remotes / f"{name}.git"
            _git(
                self.workspace,
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                str(bare),
            )
            repos += ["--repo", f"{OWNER}/{name}={bare}"]
        process = subprocess.Popen(
            [
                sys.executable,
                ROOT / "tests" / "support" / "github_api.py",
                "--port",
                "0",
                "--token",
                TOKEN,
                *repos,
                "--ready-file",
                str(ready),
            ],
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise StoryFailed("the GitHub API stand-in did not start")
            time.sleep(0.05)
        return ready.read_text().strip(), process

    def _environment(self, api: str, registry: Registry) -> dict[str, str]:
        config = self.workspace / "gitconfig"
        config.write_text(
            "[user]\n\tname = Demo Developer\n\temail = developer@example.com\n"
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
            f'[url "{(self.remotes / "lib-ml.git").as_uri()}"]\n'
            f"\tinsteadOf = {self._lib_url()}\n"
        )
        return {
            **os.environ,
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": api,
            "GITHUB_REPOSITORY_OWNER": OWNER,
            "DOCKER_HOST": os.environ.get("DOCKER_HOST", ENGINE),
            "RELEASEKIT_REGISTRY_USERNAME": registry.username,
            "RELEASEKIT_REGISTRY_PASSWORD": registry.password,
            "PYTHON": sys.executable,
        }

    def _seed(self, name: str) -> None:
        """Make the example's first commit on its remote, as its authors would."""
        work = self.workspace / "seed" / name
        shutil.copytree(EXAMPLES / name, work, ignore=SKIP)
        _git(work, "init", "--quiet", "--initial-branch=main", env=self.env)
        _git(work, "add", "--all", env=self.env)
        _git(work, "commit", "--quiet", "-m", "Initial commit", env=self.env)
        _git(
            work,
            "push",
            "--quiet",
            (self.remotes / f"{name}.git").as_uri(),
            "HEAD:refs/heads/main",
            env=self.env,
        )

    def _checkout(self, name: str, folder: str, *, sha: str = "main") -> Path:
        """Check out like actions/checkout: one commit, no tags, detached HEAD."""
        url = (self.remotes / f"{name}.git").as_uri()
        run_git = functools.partial(_git, env=self.env)
        return checkout_like_actions(run_git, url, self.workspace / folder, sha)

    def _clone(self, name: str, folder: str) -> Path:
        work = self.workspace / folder
        _git(
            self.workspace,
            "clone",
            "--quiet",
            (self.remotes / f"{name}.git").as_uri(),
            str(work),
            env=self.env,
        )
        return work

    # Running releasekit and reading the results back.

    def _releasekit(
        self, work: Path, name: str, *args: str, ref: str | None = "main"
    ) -> dict[str, str]:
        env = {**self.env, "GITHUB_REPOSITORY": f"{OWNER}/{name}"}
        env.pop("GITHUB_REF_NAME", None)
        if ref:
            env["GITHUB_REF_NAME"] = ref
        self.echo(f"$ releasekit {' '.join(args)}    # in {work.name}")
        done = subprocess.run(
            [sys.executable, "-m", "releasekit", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        for line in done.stderr.splitlines():
            self.echo(f"  {line}")
        if done.returncode != 0:
            raise StoryFailed(f"releasekit {args[0]} exited {done.returncode}")
        result: dict[str, str] = json.loads(done.stdout)
        return result

    def _publish(self, work: Path, version: str, *args: str) -> dict[str, str]:
        assert self.registry is not None
        return self._releasekit(
            work,
            "model-service",
            "image",
            "publish",
            "--version",
            version,
            "--registry",
            self.registry.host,
            "--build-arg",
            f"BASE_IMAGE={BASE_IMAGE}",
            "--json",
            *args,
        )

    def _wheels_in(self, work: Path) -> None:
        self.echo(f"$ scripts/build-wheels.sh    # in {work.name}")
        subprocess.run(
            ["sh", "scripts/build-wheels.sh"],
            cwd=work,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def _lib_url(self) -> str:
        return f"https://github.com/{OWNER}/lib-ml.git"

    def _released_sha(self, name: str, tag: str) -> str:
        bare = self.remotes / f"{name}.git"
        return _git(bare, "rev-parse", f"{tag}^{{commit}}", env=self.env)

    def _registry_digest(self, tag: str) -> str:
        assert self.registry is not None
        return self.registry.manifest(f"{OWNER}/model-service", tag)[1]

    def _state(self) -> dict[str, Any]:
        """What the remotes, the release API and the registry hold now."""
        assert self.registry is not None
        state: dict[str, Any] = {}
        for name in ("lib-ml", "model-service"):
            bare = self.remotes / f"{name}.git"
            refs = _git(
                bare, "for-each-ref", "--format=%(refname) %(objectname)", env=self.env
            )
            state[f"{name} refs"] = sorted(refs.splitlines())
            state[f"{name} releases"] = self._releases(name)
        state["registry tags"] = sorted(self.registry.tags(f"{OWNER}/model-service"))
        return state

    def _releases(self, name: str) -> list[tuple[str, bool]]:
        api = self.env["GITHUB_API_URL"]
        request = urllib.request.Request(
            f"{api}/repos/{OWNER}/{name}/releases",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            releases = json.load(answer)
        return sorted((item["tag_name"], item["prerelease"]) for item in releases)

    def _step(self, title: str, action: Callable[[], str]) -> None:
        number = len(self.report.steps) + 1
        self.echo(f"\n== {number}. {title}")
        started = time.monotonic()
        result = action()
        self.report.steps.append(Step(title, result, time.monotonic() - started))
        self.echo(f"-> {result}")

    def _expect(self, condition: bool, what: str, detail: object) -> None:
        if not condition:
            raise StoryFailed(f"expected {what}, got {detail}")


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise StoryFailed(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _remove_images(host: str) -> None:
    """Remove the images the story built, so that runs do not pile up in the engine."""
    import docker

    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", ENGINE))
    try:
        for image in client.images.list():
            names = image.tags + image.attrs.get("RepoDigests", [])
            if any(name.startswith(f"{host}/") for name in names):
                client.images.remove(image.id, force=True)
        # Multi-stage builds leave their build stage behind, untagged.
        client.images.prune(filters={"dangling": True})
    finally:
        client.close()


def _short_tags(image: dict[str, str]) -> str:
    """The tags of an image without its name: ``0.1.0, 0.1, latest``."""
    return ", ".join(ref.rsplit(":", 1)[1] for ref in image["tags"].split())


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


def _predict(base: str, url: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/predict",
        data=json.dumps({"url": url}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.load(answer)
        return result


def _wait_for(url: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _get(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise StoryFailed(
                    f"{url} did not answer within {seconds:.0f} s"
                ) from None
            time.sleep(0.2)
