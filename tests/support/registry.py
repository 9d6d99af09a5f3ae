"""Run an isolated registry for a test and read back what was pushed to it.

The registry is Debian's ``docker-registry`` (the CNCF distribution registry)
serving HTTPS on a free port of 127.0.0.1 with htpasswd authentication, its
storage and logs in a folder of the test's own. It uses the server certificate
that ``scripts/services.sh`` made, whose name is valid for 127.0.0.1 on any
port, and places that CA where podman looks for it while the registry runs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

STATE_DIR = Path(
    os.environ.get("RELEASEKIT_SERVICES_DIR", "/var/lib/releasekit-services")
)
CERTS_D = Path("/etc/containers/certs.d")
USERNAME = "releasekit"

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)

# Combined log format, as the registry writes its access log to stdout.
ACCESS_LINE = re.compile(
    r"^(?P<client>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<target>\S+) [^"]*" (?P<status>\d{3}) (?P<size>\d+|-)'
)
BLOB_UPLOAD_DONE = re.compile(r"^/v2/(?P<repo>.+)/blobs/uploads/[^/?]+\?(?P<query>.*)$")


class RegistryError(Exception):
    """Raised when the registry cannot start or answers a read with an error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    """One line of the registry's access log."""

    method: str
    path: str
    status: int
    size: int

    @property
    def is_blob_upload(self) -> bool:
        """Tell whether this request completed the upload of a blob."""
        return (
            self.method == "PUT"
            and self.status == 201
            and BLOB_UPLOAD_DONE.match(self.path) is not None
        )

    @property
    def uploaded_digest(self) -> str | None:
        """Return the digest of the blob this request completed, if it did."""
        match = BLOB_UPLOAD_DONE.match(self.path)
        if not self.is_blob_upload or match is None:
            return None
        query = urllib.parse.parse_qs(match["query"])
        return query.get("digest", [None])[0]


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Registry:
    """An isolated registry process; use as a context manager or start/stop."""

    def __init__(
        self,
        workdir: Path,
        *,
        username: str = USERNAME,
        password: str | None = None,
        state_dir: Path = STATE_DIR,
        certs_d: Path = CERTS_D,
        startup_timeout: float = 20.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.username = username
        self.password = password or secrets.token_hex(16)
        self.ca_path = state_dir / "tls" / "ca.crt"
        self._server_cert = state_dir / "tls" / "server.crt"
        self._server_key = state_dir / "tls" / "server.key"
        self._certs_d = certs_d
        self._startup_timeout = startup_timeout
        self.access_log = self.workdir / "access.log"
        self.log = self.workdir / "registry.log"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._ssl: ssl.SSLContext | None = None

    @property
    def host(self) -> str:
        """Return ``127.0.0.1:<port>``, the registry part of an image name."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Return the base URL of the registry's HTTP API."""
        return f"https://{self.host}"

    def __enter__(self) -> Registry:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the registry on a free port and wait until it answers."""
        if not self._server_cert.is_file():
            raise RegistryError(
                f"{self._server_cert} is missing: run scripts/services.sh first"
            )
        binary = shutil.which("docker-registry")
        if binary is None:
            raise RegistryError("docker-registry is missing: run scripts/services.sh")

        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_htpasswd()
        self._ssl = ssl.create_default_context(cafile=str(self.ca_path))

        # Another process may take the port between the probe and the bind.
        for _attempt in range(3):
            self.port = find_free_port()
            self._write_config()
            if self._spawn(binary):
                break
        else:
            raise RegistryError(f"registry did not start; see {self.log}")

        cert_dir = self._certs_d / self.host
        cert_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.ca_path, cert_dir / "ca.crt")

    def stop(self) -> None:
        """Stop the registry process and remove its CA from podman's certs.d."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

        if self.port:
            shutil.rmtree(self._certs_d / self.host, ignore_errors=True)

    def tags(self, repo: str) -> list[str]:
        """Return the repository's tags, sorted; none if it does not exist."""
        try:
            body, _headers = self._get(f"/v2/{repo}/tags/list")
        except RegistryError as err:
            if err.status == 404:
                return []
            raise
        return sorted(json.loads(body).get("tags") or [])

    def manifest(self, repo: str, ref: str) -> tuple[dict[str, Any], str]:
        """Return the manifest of ``repo:ref`` and its ``Docker-Content-Digest``."""
        body, digest = self.raw_manifest(repo, ref)
        return json.loads(body), digest

    def raw_manifest(self, repo: str, ref: str) -> tuple[bytes, str]:
        """Return the manifest's bytes as stored, and its digest."""
        body, headers = self._get(f"/v2/{repo}/manifests/{ref}", accept=MANIFEST_TYPES)
        return body, headers.get("Docker-Content-Digest", "")

    def blob(self, repo: str, digest: str) -> bytes:
        """Return the content of one blob."""
        body, _headers = self._get(f"/v2/{repo}/blobs/{digest}")
        return body

    def config(self, repo: str, ref: str) -> dict[str, Any]:
        """Return the image configuration that ``repo:ref`` points to."""
        manifest, _digest = self.manifest(repo, ref)
        config: dict[str, Any] = json.loads(
            self.blob(repo, manifest["config"]["digest"])
        )
        return config

    def config_labels(self, repo: str, ref: str) -> dict[str, str]:
        """Return ``config.Labels`` of the image ``repo:ref``."""
        labels = self.config(repo, ref).get("config", {}).get("Labels")
        return dict(labels or {})

    def requests(self, since: int = 0) -> list[Request]:
        """Return the requests in the access log, from line ``since`` on."""
        if not self.access_log.exists():
            return []
        lines = self.access_log.read_text(errors="replace").splitlines()[since:]
        found = []
        for line in lines:
            match = ACCESS_LINE.match(line)
            if match is None:
                continue
            size = match["size"]
            found.append(
                Request(
                    method=match["method"],
                    path=match["target"],
                    status=int(match["status"]),
                    size=0 if size == "-" else int(size),
                )
            )
        return found

    def log_position(self) -> int:
        """Return a mark for ``requests(since=...)``: the access log's length."""
        if not self.access_log.exists():
            return 0
        return len(self.access_log.read_text(errors="replace").splitlines())

    def count_blob_uploads(self, since: int = 0) -> int:
        """Count blobs (layers and configs) uploaded since the mark."""
        return sum(1 for request in self.requests(since) if request.is_blob_upload)

    def uploaded_bytes(self, since: int = 0) -> int:
        """Add up the sizes of the blobs uploaded since the mark."""
        total = 0
        for request in self.requests(since):
            digest = request.uploaded_digest
            match = BLOB_UPLOAD_DONE.match(request.path)
            if digest is None or match is None:
                continue
            total += self._blob_size(match["repo"], digest)
        return total

    def _blob_size(self, repo: str, digest: str) -> int:
        _body, headers = self._get(f"/v2/{repo}/blobs/{digest}", method="HEAD")
        return int(headers.get("Content-Length", "0"))

    def _write_htpasswd(self) -> None:
        # The distribution registry accepts bcrypt entries only.
        result = subprocess.run(
            ["htpasswd", "-niB", self.username],
            input=self.password.encode(),
            capture_output=True,
            check=True,
        )
        (self.workdir / "htpasswd").write_bytes(result.stdout)

    def _write_config(self) -> None:
        storage = self.workdir / "data"
        storage.mkdir(exist_ok=True)
        config = f"""\
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {self.host}
  secret: {secrets.token_hex(16)}
  tls:
    certificate: {self._server_cert}
    key: {self._server_key}
auth:
  htpasswd:
    realm: releasekit-test
    path: {self.workdir / "htpasswd"}
"""
        (self.workdir / "config.yml").write_text(config)

    def _spawn(self, binary: str) -> bool:
        with self.access_log.open("ab") as out, self.log.open("ab") as err:
            self._process = subprocess.Popen(
                [binary, "serve", str(self.workdir / "config.yml")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            if self._answers():
                return True
            time.sleep(0.05)
        self.stop()
        raise RegistryError(
            f"registry did not answer within {self._startup_timeout}s; see {self.log}"
        )

    def _answers(self) -> bool:
        request = urllib.request.Request(f"{self.url}/v2/")
        try:
            urllib.request.urlopen(request, context=self._ssl, timeout=2)
        except urllib.error.HTTPError as err:
            return err.code == 401
        except (OSError, ssl.SSLError):
            return False
        return True

    def _get(
        self, path: str, *, accept: str | None = None, method: str = "GET"
    ) -> tuple[bytes, dict[str, str]]:
        headers = {"Accept": accept} if accept else {}
        try:
            return self._send(path, headers, method)
        except urllib.error.HTTPError as err:
            if err.code != 401:
                raise _http_error(method, path, err) from err
            challenge = err.headers.get("WWW-Authenticate", "")

        headers["Authorization"] = self._authorization(challenge)
        try:
            return self._send(path, headers, method)
        except urllib.error.HTTPError as err:
            raise _http_error(method, path, err) from err

    def _send(
        self, path: str, headers: dict[str, str], method: str
    ) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(
            f"{self.url}{path}", headers=headers, method=method
        )
        with urllib.request.urlopen(request, context=self._ssl, timeout=30) as resp:
            return resp.read(), dict(resp.headers.items())

    def _authorization(self, challenge: str) -> str:
        """Answer a Basic challenge directly, a Bearer one with a token."""
        basic = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if not challenge.lower().startswith("bearer"):
            return f"Basic {basic}"

        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = urllib.parse.urlencode(
            {key: params[key] for key in ("service", "scope") if key in params}
        )
        request = urllib.request.Request(
            f"{params['realm']}?{query}", headers={"Authorization": f"Basic {basic}"}
        )
        with urllib.request.urlopen(request, context=self._ssl, timeout=30) as resp:
            answer = json.loads(resp.read())
        return f"Bearer {answer.get('token') or answer['access_token']}"


def _http_error(method: str, path: str, err: urllib.error.HTTPError) -> RegistryError:
    return RegistryError(f"{method} {path}: {err.code} {err.reason}", err.code)
