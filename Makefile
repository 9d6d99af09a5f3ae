# releasekit's developer commands. `make demo` and `make test` are the quick start.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
EXAMPLES := examples/lib-ml examples/model-service

.PHONY: demo test install services lint typecheck pytest examples bench bench-image clean

demo: install services
	$(PY) -m demo

test: install services lint typecheck pytest examples

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package-lock.json examples/lib-ml/pyproject.toml examples/model-service/pyproject.toml
	PYTHON=$(PYTHON) scripts/tools.sh
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]' -e ./examples/lib-ml prometheus-client
	# model-service needs lib-ml from its Git tag; the editable lib-ml stands in.
	$(PIP) install --quiet --no-deps -e ./examples/model-service
	npm ci --silent --no-audit --no-fund
	touch $@

# The container engine, the registry and the local base image (root, Debian).
services:
	scripts/services.sh start >/dev/null
	scripts/base-image.sh >/dev/null

lint: install
	$(VENV)/bin/ruff format --check src tests benchmarks scripts demo
	$(VENV)/bin/ruff check src tests benchmarks scripts demo

typecheck: install
	$(VENV)/bin/mypy

pytest: install services
	$(PY) -m pytest

examples: install
	set -e; for example in $(EXAMPLES); do \
		(cd $$example && ../../$(VENV)/bin/ruff format --check . \
			&& ../../$(VENV)/bin/ruff check . && ../../$(VENV)/bin/mypy \
			&& ../../$(PY) -m pytest -q); \
	done

bench: install
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/install_size.py
	$(PY) benchmarks/deps.py

bench-image: install
	$(PY) benchmarks/image.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache node_modules
