"""A container registry: who logs in to it, and what it holds.

The engine pushes, but the registry itself is asked, over its v2 HTTP API,
whether a tag exists, which commit its image was built from and which digest
it has: podman's engine cannot answer that, and the registry is the authority.
Requests answer the registry's challenge (basic, or the token flow GHCR uses)
and trust the system CAs plus the engine's per-registry CA folders. With
``dry_run`` the registry is never contacted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Final

from releasekit.errors import ImageError

log = logging.getLogger(__name__)

GHCR: Final = "ghcr.io"

# Where the password of any registry but GHCR comes from.
REGISTRY_PASSWORD: Final = "RELEASEKIT_REGISTRY_PASSWORD"

# Where podman and Docker look for a registry's CA: <folder>/<host:port>/*.crt.
CERT_FOLDERS: Final = (Path("/etc/containers/certs.d"), Path("/etc/docker/certs.d"))

MANIFEST_TYPES: Final = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)

_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Credentials:
    """A registry user and password; the password never shows in a repr."""

    username: str
    password: str = field(repr=False)

    def auth_config(self) -> dict[str, str]:
        """The credentials as the Docker Engine API takes them for a push."""
        return {"username": self.username, "password": self.password}

    def basic(self) -> str:
        """The value of a basic ``Authorization`` header."""
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def credentials_for(
    registry: str,
    environ: Mapping[str, str] | None = None,
    *,
    password_stdin: str | None = None,
    mask: Callable[[str], None] = lambda secret: None,
) -> Credentials:
    """Read a registry's credentials from the environment (or stdin) and mask them.

    GHCR takes the workflow's actor and job token; any other registry takes
    ``RELEASEKIT_REGISTRY_USERNAME`` and ``RELEASEKIT_REGISTRY_PASSWORD``.
    """
    env = os.environ if environ is None else environ
    user_key, password_key = _credential_keys(registry)
    password = password_stdin if password_stdin is not None else env.get(password_key)
    password = (password or "").strip("\r\n")
    if password:
        mask(password)
    username = env.get(user_key, "").strip()

    if not username:
        raise ImageError(f"no user to log in to {registry} as; set {user_key}")
    if not password:
        raise ImageError(
            f"no password for {registry}; set {password_key} or pass --password-stdin"
        )
    credentials = Credentials(username, password)
    mask(credentials.basic().removeprefix("Basic "))
    return credentials


def _credential_keys(registry: str) -> tuple[str, str]:
    if registry == GHCR:
        return "GITHUB_ACTOR", "GITHUB_TOKEN"
    return "RELEASEKIT_REGISTRY_USERNAME", REGISTRY_PASSWORD


def login_advice(registry: str) -> str:
    """What to fix when a registry refuses the credentials."""
    user_key, password_key = _credential_keys(registry)
    if registry == GHCR:
        return (
            f"check that {password_key} is the job's token (or a token with "
            f"write:packages) and {user_key} its user"
        )
    return f"check {user_key} and {password_key}"


def push_advice(registry: str, message: str) -> str:
    """What to fix when a registry refuses a push, from its error code."""
    lowered = message.lower()
    if registry == GHCR and "denied" in lowered:
        return (
            "give the job 'permissions: packages: write'; if the package already "
            "exists, link it to this repository in its settings (Manage Actions "
            "access), which the org.opencontainers.image.source label does for a "
            "new package"
        )
    if "unauthorized" in lowered or "authentication required" in lowered:
        return login_advice(registry)
    if "denied" in lowered:
        return f"give the user write access to the repository on {registry}"
    return "run again; if it persists, check the registry's and the engine's logs"


@dataclass(frozen=True)
class Published:
    """A tag found in a registry: its digest and the commit it was built from."""

    digest: str
    labels: Mapping[str, str]

    def label(self, key: str) -> str | None:
        """One label of the image's configuration."""
        return self.labels.get(key)


class Registry:
    """A registry's v2 HTTP API, read with the release's credentials."""

    def __init__(
        self,
        host: str,
        credentials: Credentials | None = None,
        *,
        dry_run: bool = False,
        say: Callable[[str], None] = log.info,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.credentials = credentials
        self.dry_run = dry_run
        self._say = say
        self._timeout = timeout
        self._authorization: str | None = None
        self._ssl: ssl.SSLContext | None = None

    @property
    def base_url(self) -> str:
        """The root of the HTTP API."""
        return f"https://{self.host}"

    def published(self, path: str, tag: str) -> Published | None:
        """What ``path:tag`` holds, or None when the tag does not exist."""
        if self.dry_run:
            self._say(f"would look up {self.host}/{path}:{tag} in the registry")
            return None

        found = self._request("GET", f"/v2/{path}/manifests/{tag}", MANIFEST_TYPES)
        if found is None:
            return None
        body, headers = found
        digest = headers.get("Docker-Content-Digest") or _sha256(body)

        manifest = _json(body)
        if "manifests" in manifest:
            manifest = self._platform_manifest(path, manifest)
        config_digest = str((manifest.get("config") or {}).get("digest") or "")
        labels = self._labels(path, config_digest) if config_digest else {}
        return Published(digest, labels)

    def digest(self, path: str, tag: str) -> str | None:
        """The digest of ``path:tag``, or None when the tag does not exist."""
        if self.dry_run:
            self._say(f"would read the digest of {self.host}/{path}:{tag}")
            return None

        found = self._request("HEAD", f"/v2/{path}/manifests/{tag}", MANIFEST_TYPES)
        if found is None:
            return None
        return found[1].get("Docker-Content-Digest") or None

    def _platform_manifest(self, path: str, index: dict[str, Any]) -> dict[str, Any]:
        # An index's entries share their labels; skip attestation entries.
        for entry in index.get("manifests") or []:
            platform = entry.get("platform") or {}
            if platform.get("os") != "unknown":
                found = self._request(
                    "GET", f"/v2/{path}/manifests/{entry['digest']}", MANIFEST_TYPES
                )
                return _json(found[0]) if found else {}
        return {}

    def _labels(self, path: str, digest: str) -> dict[str, str]:
        found = self._request("GET", f"/v2/{path}/blobs/{digest}")
        if found is None:
            return {}
        labels = (_json(found[0]).get("config") or {}).get("Labels") or {}
        return {str(key): str(value) for key, value in labels.items()}

    def _request(
        self, method: str, path: str, accept: str | None = None
    ) -> tuple[bytes, Message] | None:
        """Send a request, answering one auth challenge; None on 404."""
        for attempt in (1, 2):
            request = urllib.request.Request(f"{self.base_url}{path}", method=method)
            if accept:
                request.add_header("Accept", accept)
            if self._authorization:
                # Unredirected: blob downloads redirect to storage with its own auth.
                request.add_unredirected_header("Authorization", self._authorization)
            try:
                with urllib.request.urlopen(
                    request, timeout=self._timeout, context=self._context()
                ) as response:
                    return response.read(), response.headers
            except urllib.error.HTTPError as err:
                if err.code == 404:
                    return None
                challenge = err.headers.get("WWW-Authenticate", "")
                if err.code == 401 and attempt == 1 and self._authorize(challenge):
                    continue
                raise self._refusal(method, path, err) from err
            except (urllib.error.URLError, OSError) as err:
                raise self._unreachable(err) from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _authorize(self, challenge: str) -> bool:
        """Answer a challenge; False when there is nothing to answer it with."""
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            if self.credentials is None:
                return False
            self._authorization = self.credentials.basic()
            return True
        if scheme != "bearer":
            return False

        params = dict(_CHALLENGE_PARAM.findall(challenge))
        if "realm" not in params:
            return False
        query = urllib.parse.urlencode(
            {key: params[key] for key in ("service", "scope") if key in params}
        )
        request = urllib.request.Request(f"{params['realm']}?{query}")
        if self.credentials is not None:
            request.add_unredirected_header("Authorization", self.credentials.basic())
        try:
            with urllib.request.urlopen(
                request, timeout=self._timeout, context=self._context()
            ) as response:
                answer = _json(response.read())
        except urllib.error.HTTPError as err:
            raise self._refusal("GET", "token", err) from err
        except (urllib.error.URLError, OSError) as err:
            raise self._unreachable(err) from err
        token = answer.get("token") or answer.get("access_token")
        if not token:
            return False
        self._authorization = f"Bearer {token}"
        return True

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
            for folder in CERT_FOLDERS:
                for ca in sorted((folder / self.host).glob("*.crt")):
                    self._ssl.load_verify_locations(cafile=str(ca))
        return self._ssl

    def _refusal(
        self, method: str, path: str, err: urllib.error.HTTPError
    ) -> ImageError:
        code = _error_code(err)
        user = self.credentials.username if self.credentials else "anonymous"
        if err.code == 401:
            return ImageError(
                f"{self.host} refused the credentials of {user!r} ({code}); "
                f"{login_advice(self.host)}"
            )
        if err.code == 403:
            return ImageError(
                f"{self.host} denied {user!r} access ({code}); "
                f"{push_advice(self.host, 'denied')}"
            )
        return ImageError(
            f"{self.host} answered {err.code} {err.reason} to {method} {path}; "
            "run again, and check the registry if it persists"
        )

    def _unreachable(self, err: BaseException) -> ImageError:
        reason = getattr(err, "reason", None) or err
        return ImageError(
            f"cannot reach the registry at {self.base_url}: {reason}; check the "
            f"address, and that its CA is trusted (the system store or "
            f"{CERT_FOLDERS[0]}/{self.host}/ca.crt)"
        )


def _error_code(err: urllib.error.HTTPError) -> str:
    """The registry's error code (``UNAUTHORIZED``, ``DENIED``...), or the status."""
    try:
        errors = _json(err.read()).get("errors") or []
    except (OSError, ValueError):
        errors = []
    codes = [str(item.get("code")) for item in errors if isinstance(item, dict)]
    return ", ".join(code for code in codes if code) or f"{err.code} {err.reason}"


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _sha256(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()
