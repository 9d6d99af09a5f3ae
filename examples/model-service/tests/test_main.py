import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from model_service.model import UrlClassifier
from model_service.server import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_port_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "http")

    assert main() == 2
    assert capsys.readouterr().err == (
        "error: PORT must be a number from 1 to 65535, got 'http'\n"
    )


def test_missing_model_is_exit_1(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "none.json"))

    assert main() == 1
    assert capsys.readouterr().err.startswith("error: cannot start: [Errno 2] ")


def test_server_process_answers_and_stops_on_sigterm(
    model: UrlClassifier, tmp_path: Path
) -> None:
    model.save(tmp_path / "model.json")
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "MODEL_PATH": str(tmp_path / "model.json"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "model_service"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = _wait_for_health(port)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    finally:
        process.kill()
        _, log = process.communicate()

    assert status == 200
    assert code == 0
    assert f"serving on 127.0.0.1:{port} with model" in log


def _wait_for_health(port: int) -> int:
    deadline = time.monotonic() + 10
    while True:
        try:
            url = f"http://127.0.0.1:{port}/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
