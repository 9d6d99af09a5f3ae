from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from releasekit.display import QUIET, Display
from releasekit.progress import LiveProgress, PlainProgress, push_progress

# A push as Docker streams it: per-layer states, then the digest.
DOCKER_PUSH = [
    {"status": "The push refers to repository [ghcr.io/acme/svc]"},
    {"status": "Preparing", "progressDetail": {}, "id": "aaaa"},
    {"status": "Preparing", "progressDetail": {}, "id": "bbbb"},
    {"status": "Waiting", "progressDetail": {}, "id": "bbbb"},
    {"status": "Layer already exists", "progressDetail": {}, "id": "aaaa"},
    {
        "status": "Pushing",
        "progressDetail": {"current": 512, "total": 2_500_000},
        "id": "bbbb",
    },
    {
        "status": "Pushing",
        "progressDetail": {"current": 2_500_000, "total": 2_500_000},
        "id": "bbbb",
    },
    {"status": "Pushed", "progressDetail": {}, "id": "bbbb"},
    {"status": "1.2.3: digest: sha256:" + "0" * 64 + " size: 528"},
    {"progressDetail": {}, "aux": {"Tag": "1.2.3", "Digest": "sha256:" + "0" * 64}},
]


def test_plain_lines_once_per_layer_and_state() -> None:
    said: list[str] = []
    progress = PlainProgress(said.append)

    for chunk in DOCKER_PUSH:
        progress(chunk)

    assert said == [
        "The push refers to repository [ghcr.io/acme/svc]",
        "layer aaaa: layer already exists",
        "layer bbbb: pushing (2.5 MB)",
        "layer bbbb: pushed",
        "1.2.3: digest: sha256:" + "0" * 64 + " size: 528",
    ]


def test_live_progress_completes_every_layer() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)

    with Progress(console=console) as bars:
        progress = LiveProgress(bars)
        for chunk in DOCKER_PUSH:
            progress(chunk)
        tasks = {task.description: task for task in bars.tasks}

    assert sorted(tasks) == ["aaaa Layer already exists", "bbbb Pushed"]
    assert all(task.finished for task in tasks.values())
    assert tasks["bbbb Pushed"].total == 2_500_000
    assert "The push refers to repository [ghcr.io/acme/svc]" in out.getvalue()


def test_plain_lines_off_a_terminal_and_nothing_when_quiet() -> None:
    err = io.StringIO()

    with push_progress(Display(err=err)) as progress:
        progress(DOCKER_PUSH[0])
    with push_progress(Display(verbosity=QUIET, err=err)) as progress:
        progress(DOCKER_PUSH[0])

    assert err.getvalue() == "The push refers to repository [ghcr.io/acme/svc]\n"
