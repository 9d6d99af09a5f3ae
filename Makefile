# releasekit's developer commands. `make demo` and `make test` are the quick start.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test install lint typecheck pytest bench bench-image clean

demo: $(VENV)/.installed
	$(PY) scripts/demo.py

test: install lint typecheck pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	npm ci --silent --no-audit --no-fund
	touch $@

lint: install
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/ruff check src tests benchmarks scripts

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/startup.py

bench-image: install
	$(PY) benchmarks/image.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
