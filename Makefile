# commonweal: `make run` serves the app; `make test` runs the whole suite (SQLite, then PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export COMMONWEAL_DATA_DIR ?= $(CURDIR)/data
STAMP_PY := $(VENV)/.installed
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NPM := node_modules/.installed

.PHONY: run test install install-dev assets system-deps lint test-sqlite test-postgres bench e2e clean

run: install assets
	$(BIN)/commonweal migrate
	$(BIN)/commonweal demo --if-empty
	$(BIN)/commonweal serve

test: install-dev assets system-deps lint
	bash scripts/run_tests.sh

$(VENV)/bin/python:
	command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (apt-get install python3.11 python3.11-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_PY): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): $(STAMP_PY)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP_PY)
install-dev: $(STAMP_DEV)

$(STAMP_NPM): package.json package-lock.json
	command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: $(STAMP_NPM)
	$(BIN)/python scripts/vendor_assets.py

# Chromium for the browser tests and PostgreSQL for the second run, from Debian's packages when missing.
system-deps:
	bash scripts/system_deps.sh

lint: install-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src/commonweal/analysis
	COMMONWEAL_DATA_DIR=$$(mktemp -d) $(BIN)/commonweal manage makemigrations --check --dry-run

test-sqlite: install-dev assets
	bash scripts/run_tests.sh sqlite

test-postgres: install-dev assets system-deps
	bash scripts/run_tests.sh postgres

bench: install-dev
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/vote_load.py

clean:
	rm -rf $(VENV) node_modules src/commonweal/static/vendor
