"""Check recorded GitHub API exchanges against GitHub's official OpenAPI description.

The description comes from the npm package ``@octokit/openapi`` (``npm ci`` at the
repository root installs it). It is OpenAPI 3.0, so schemas are checked as JSON
Schema draft 4 plus OpenAPI's ``nullable``. Spec quirks accommodated here:

- Most operations list only some error statuses, but GitHub can answer 401 (token),
  403 (permissions, secondary rate limits), 429 (rate limits) and 5xx on any of
  them, as its "Troubleshooting" and "Rate limits" pages say. Those statuses are
  accepted everywhere and checked against ``basic-error``.
- ``repos/get-release`` documents 401 but not 404, which GitHub answers for an
  unknown release id; ``repos/update-release`` omits the 422 GitHub answers when
  the new tag already has a release. Both are accepted (``_UNLISTED``).
- ``{ref}`` in ``/git/ref/{ref}`` and ``/git/matching-refs/{ref}`` holds slashes
  (``tags/v1.0``), as does ``{path}`` in the contents API, so those two may span
  segments at the end of a template when no template matches segment by segment.
- Siblings of ``$ref`` are ignored (OpenAPI 3.0 and draft 4 agree), and the
  ``oneOf`` of three ``nullable`` branches for ``validation-error.errors[].value``
  rejects ``null``: the stand-in never sends a ``value``.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = (
    Path(__file__).resolve().parents[2]
    / "node_modules/@octokit/openapi/generated/api.github.com.json"
)
_BASE = "urn:github-openapi"
_ANY_OPERATION = {"401", "403", "429", "500", "502", "503", "504"}
_UNLISTED = {
    ("repos/get-release", "404"): "#/components/schemas/basic-error",
    ("repos/update-release", "422"): "#/components/schemas/validation-error",
}
_DATE_TIME = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.IGNORECASE
)
# Parameters that hold slashes when they fill a template's last segment.
_SPANNING = {"{ref}", "{path}"}
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


@dataclass(frozen=True)
class Exchanged:
    """What the checker needs of one exchange (``Exchange`` from the stand-in fits)."""

    method: str
    path: str
    query: dict[str, list[str]]
    request_json: Any
    status: int | None
    response_json: Any


@dataclass(frozen=True)
class Operation:
    """One operation of the description, ready to match and check."""

    method: str
    template: str
    operation_id: str
    pointer: str  # JSON pointer of the operation object in the description
    strict: re.Pattern[str]
    loose: re.Pattern[str]
    literal_segments: int


def _nullable_aware(keyword: str) -> Any:
    plain = Draft4Validator.VALIDATORS[keyword]

    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if instance is None and schema.get("nullable") is True:
            return
        yield from plain(validator, value, instance, schema)

    return check


_OpenAPIValidator = validators.extend(
    Draft4Validator,
    {"type": _nullable_aware("type"), "enum": _nullable_aware("enum")},
)
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


class OpenAPI:
    """GitHub's REST API description, indexed for checking exchanges."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._registry: Registry[Any] = Registry().with_resource(
            _BASE, Resource(contents=spec, specification=DRAFT4)
        )
        self._operations: dict[str, list[Operation]] = {}
        for template, item in spec["paths"].items():
            for method in _METHODS:
                if method in item:
                    operation = _operation(method.upper(), template, item[method])
                    self._operations.setdefault(operation.method, []).append(operation)
        for operations in self._operations.values():
            operations.sort(key=lambda o: -o.literal_segments)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per process
    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """Return the operation a request path matches, with its path parameters."""
        candidates = self._operations.get(method.upper(), [])
        for attribute in ("strict", "loose"):
            for operation in candidates:
                match = getattr(operation, attribute).fullmatch(path)
                if match:
                    return operation, {
                        k: unquote(v) for k, v in match.groupdict().items()
                    }
        return None

    def check(self, exchange: Exchanged) -> list[str]:
        """Return how the exchange departs from the description (empty: it conforms)."""
        label = f"{exchange.method} {exchange.path}"
        found = self.find(exchange.method, exchange.path)
        if found is None:
            return [
                f"{label}: no operation of the description matches this method and path"
            ]

        operation, path_params = found
        label = f"{label} ({operation.operation_id})"
        item = self.resolve(operation.pointer)
        problems = self._check_parameters(item, path_params, exchange.query)
        problems += self._check_request(operation, item, exchange.request_json)
        if exchange.status is not None:
            problems += self._check_response(operation, item, exchange)
        return [f"{label}: {problem}" for problem in problems]

    def resolve(self, pointer: str) -> Any:
        """Return the object at a ``#/...`` pointer, following ``$ref`` chains."""
        node: Any = self.spec
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolve(node["$ref"])
        return node

    def validator(self, pointer: str) -> Validator:
        """Return a cached validator for the schema at ``pointer``."""
        return _validator(self, pointer)

    def _check_parameters(
        self,
        item: dict[str, Any],
        path_params: dict[str, str],
        query: dict[str, list[str]],
    ) -> list[str]:
        problems = []
        declared = [self._deref(p) for p in item.get("parameters", [])]
        by_place: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
        for parameter in declared:
            by_place.setdefault(parameter["in"], {})[parameter["name"]] = parameter
        for name, parameter in by_place["path"].items():
            value = path_params.get(name, "")
            if not value:
                problems.append(f"path parameter {name!r} is missing")
            problems += _check_scalar("path parameter", name, value, parameter)
        for name, values in query.items():
            parameter = by_place["query"].get(name)
            if parameter is None:
                problems.append(f"query parameter {name!r} is not documented")
                continue
            for value in values:
                problems += _check_scalar("query parameter", name, value, parameter)
        return problems

    def _check_request(
        self, operation: Operation, item: dict[str, Any], body: Any
    ) -> list[str]:
        request_body = item.get("requestBody")
        if request_body is None:
            return [] if body is None else ["the operation takes no request body"]

        request_body = self._deref(request_body)
        if body is None:
            return (
                ["the request body is required"] if request_body.get("required") else []
            )
        pointer = f"{operation.pointer}/requestBody/content/application~1json/schema"
        return _schema_problems("request body", self.validator(pointer), body)

    def _check_response(
        self, operation: Operation, item: dict[str, Any], exchange: Exchanged
    ) -> list[str]:
        status = str(exchange.status)
        body = exchange.response_json
        if status in item["responses"]:
            response = self._deref(item["responses"][status])
            content = response.get("content", {}).get("application/json")
            if content is None:
                return [] if body is None else [f"status {status} documents no body"]
            pointer = self._schema_pointer(
                f"{operation.pointer}/responses/{status}", item["responses"][status]
            )
        elif (operation.operation_id, status) in _UNLISTED:
            pointer = _UNLISTED[operation.operation_id, status]
        elif status in _ANY_OPERATION:
            pointer = "#/components/schemas/basic-error"
        else:
            return [f"status {status} is not documented for the operation"]

        if body is None:
            return [f"status {status} needs a JSON body"]
        return _schema_problems(
            f"response {status} body", self.validator(pointer), body
        )

    def _schema_pointer(self, pointer: str, response: dict[str, Any]) -> str:
        if "$ref" in response:
            pointer = response["$ref"]
        return f"{pointer}/content/application~1json/schema"

    def _deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolve(node["$ref"])
        return node


def _operation(method: str, template: str, item: dict[str, Any]) -> Operation:
    segments = template.strip("/").split("/")
    strict = [_segment_pattern(segment, "[^/]+") for segment in segments]
    loose = list(strict)
    if segments[-1] in _SPANNING:
        loose[-1] = _segment_pattern(segments[-1], ".+")
    escaped = template.replace("~", "~0").replace("/", "~1")
    return Operation(
        method=method,
        template=template,
        operation_id=item.get("operationId", f"{method} {template}"),
        pointer=f"#/paths/{escaped}/{method.lower()}",
        strict=re.compile("/" + "/".join(strict)),
        loose=re.compile("/" + "/".join(loose)),
        literal_segments=sum("{" not in segment for segment in segments),
    )


def _segment_pattern(segment: str, value: str) -> str:
    pieces = re.split(r"\{([^}]+)\}", segment)
    pattern = ""
    for index, piece in enumerate(pieces):
        if index % 2:
            name = re.sub(r"\W", "_", piece)
            pattern += f"(?P<{name}>{value})"
        else:
            pattern += re.escape(piece)
    return pattern


def _check_scalar(
    place: str, name: str, value: str, parameter: dict[str, Any]
) -> list[str]:
    kind = parameter.get("schema", {}).get("type")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return [f"{place} {name!r} must be an integer, got {value!r}"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{place} {name!r} must be true or false, got {value!r}"]
    return []


@functools.lru_cache(maxsize=512)
def _validator(api: OpenAPI, pointer: str) -> Validator:
    schema = {"$ref": f"{_BASE}{pointer}"}
    return _OpenAPIValidator(schema, registry=api._registry, format_checker=_FORMATS)


def _schema_problems(what: str, validator: Validator, instance: Any) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    return [f"{what} at {error.json_path}: {error.message}" for error in errors]


@functools.cache
def load(path: Path = SPEC_PATH) -> OpenAPI:
    """Load and index the description once per process."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `npm ci` at the repository root to install it"
        )
    with path.open("rb") as stream:
        return OpenAPI(json.load(stream))


def check_exchanges(exchanges: Iterable[Any], api: OpenAPI | None = None) -> list[str]:
    """Return the problems of every exchange, in order (an empty list: all conform)."""
    api = api or load()
    problems: list[str] = []
    for exchange in exchanges:
        problems += api.check(exchange)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check the exchanges a stand-in process logged (``--log-file``) and time it."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("log", type=Path, help="JSON lines written by --log-file")
    args = parser.parse_args(argv)
    fields = ("method", "path", "query", "request_json", "status", "response_json")
    lines = args.log.read_text(encoding="utf-8").splitlines()
    exchanges = [Exchanged(*(json.loads(line)[f] for f in fields)) for line in lines]

    started = time.perf_counter()
    api = load()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    problems = check_exchanges(exchanges, api)
    checked = time.perf_counter() - started

    for problem in problems:
        print(problem)
    print(
        f"{len(exchanges)} exchanges, {len(problems)} problems; description loaded"
        f" in {loaded * 1000:.0f} ms, checked in {checked * 1000:.1f} ms",
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
