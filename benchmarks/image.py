"""Time publishing an image to a fresh local registry, then re-pushing it unchanged.

Needs the engine and the base image (``eval "$(scripts/services.sh)"``). Usage::

    .venv/bin/python benchmarks/image.py [PROJECT [PUBLISH-OPTION ...]]

PROJECT is a service folder with pyproject.toml and a Dockerfile (and anything
its build needs, such as built wheels); it is copied into a fresh git
repository, so the original is never committed to. Options after it go to
``releasekit image publish``, e.g. ``--build-arg BASE_IMAGE=...``. By default a
small sample service is written instead. The uploaded
bytes are the sizes of the blobs whose upload the registry's access log shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fixtures import BASE_IMAGE, engine_url  # noqa: E402
from tests.support.registry import Registry  # noqa: E402

RELEASEKIT = str(Path(sys.executable).with_name("releasekit"))

SERVICE = {
    "pyproject.toml": (
        '[project]\nname = "sample-service"\nversion = "1.0.0"\n'
        'description = "A small HTTP service"\nlicense = "MIT"\n'
    ),
    "Dockerfile": (
        f"FROM {BASE_IMAGE}\n"
        "ARG VERSION\n"
        "WORKDIR /app\n"
        "COPY app.py .\n"
        "RUN python3 -m compileall -q . && echo $VERSION > VERSION\n"
        'CMD ["python3", "app.py"]\n'
    ),
    "app.py": (
        "from http.server import HTTPServer, SimpleHTTPRequestHandler\n"
        "HTTPServer(('', 8000), SimpleHTTPRequestHandler).serve_forever()\n"
    ),
}


def sample_project(folder: Path, source: Path | None) -> Path:
    """Copy the project, or write the sample service, and commit it."""
    if source is None:
        folder.mkdir()
        for name, text in SERVICE.items():
            (folder / name).write_text(text)
    else:
        ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info")
        shutil.copytree(source, folder, ignore=ignore)
    git(folder, "init", "--quiet", "--initial-branch=main")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "Sample service")
    return folder


def git(folder: Path, *args: str) -> None:
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", *identity, *args], cwd=folder, check=True)


def timed(env: dict[str, str], *args: str) -> float:
    """Run releasekit and return the wall-clock seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [RELEASEKIT, "-q", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="releasekit-bench-"))
    try:
        source = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None
        project = sample_project(scratch / "project", source)
        with Registry(scratch / "registry") as registry:
            measure(project, registry, sys.argv[2:])
            remove_images(registry.host)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(project: Path, registry: Registry, options: list[str]) -> None:
    env = {
        **os.environ,
        "DOCKER_HOST": engine_url(),
        "GITHUB_REPOSITORY_OWNER": "bench",
        "RELEASEKIT_REGISTRY_USERNAME": registry.username,
        "RELEASEKIT_REGISTRY_PASSWORD": registry.password,
    }
    common = ("--path", str(project), "--registry", registry.host)
    rows = []

    mark = registry.log_position()
    seconds = timed(env, "image", "publish", *common, *options)
    rows.append(("build and push (first publish)", seconds, mark))

    mark = registry.log_position()
    seconds = timed(env, "image", "publish", *common, *options)
    rows.append(("re-run of the same release (no-op)", seconds, mark))

    # A new commit makes the tag's revision differ; --force re-pushes the
    # unchanged local image, whose layers the registry already has.
    git(project, "commit", "--quiet", "--allow-empty", "-m", "Empty")
    mark = registry.log_position()
    seconds = timed(env, "image", "push", *common, "--force")
    rows.append(("re-push of the unchanged image", seconds, mark))

    print("| step | time | blobs uploaded | bytes uploaded |")
    print("|---|---|---|---|")
    for label, seconds, since in rows:
        blobs = registry.count_blob_uploads(since)
        size = registry.uploaded_bytes(since)
        print(f"| {label} | {seconds:.2f} s | {blobs} | {size:,} |")


def remove_images(host: str) -> None:
    """Remove what the run tagged, so that runs do not pile up in the engine."""
    import docker

    client = docker.DockerClient(base_url=engine_url())
    for image in client.images.list():
        for reference in image.tags:
            if reference.startswith(f"{host}/"):
                client.images.remove(reference, force=True)
    client.close()


if __name__ == "__main__":
    main()
