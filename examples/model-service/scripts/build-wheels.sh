#!/bin/sh
# Build the wheels the container image installs into wheels/ beside the Dockerfile:
# model-service itself, lib-ml from its Git tag, and prometheus-client.
#
# lib-ml is fetched by git from the URL in pyproject.toml, so git's
# url.<base>.insteadOf settings apply (the demo points it at a local bare
# repository). Set PYTHON to choose the interpreter that runs pip.
set -eu

cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

rm -rf wheels
"$python" -m pip wheel --quiet --wheel-dir wheels .

# Only pure-Python wheels run on whatever Python the base image has.
for wheel in wheels/*.whl; do
    case "$wheel" in
        *-py3-none-any.whl) ;;
        *) echo "error: $wheel is not a pure-Python wheel" >&2; exit 1 ;;
    esac
done
ls -1 wheels >&2
