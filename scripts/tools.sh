#!/usr/bin/env bash
# Make sure the tools `make install` runs are on the machine: git, npm, and
# Python's venv module. Installs what is missing with apt (Debian or Ubuntu, as
# root); does nothing when everything is there.
set -euo pipefail

python=${PYTHON:-python3}
missing=()
command -v git >/dev/null || missing+=(git)
command -v npm >/dev/null || missing+=(nodejs npm)
"$python" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "error: ${missing[*]} missing; install them, then run make again" >&2
    exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
