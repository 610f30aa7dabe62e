# commonweal: `make run` serves the app; `make test` runs the whole suite (SQLite, then PostgreSQL).
# Both work on a fresh Debian machine with Python 3.11: they install everything else they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3 || echo python3.11)
VENV := .venv
BIN := $(VENV)/bin
export COMMONWEAL_DATA_DIR ?= $(CURDIR)/data
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP_PY := $(VENV)/.installed
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NPM := node_modules/.installed
VENDOR_STAMP := src/commonweal/static/vendor/.copied

.PHONY: messages run test install install-dev assets system-deps system-deps-run bench-live lint test-sqlite test-postgres bench bench-votes e2e clean help

help:
	@echo "make run     install, migrate, load the demo when the database is empty, serve on http://$(HOST):$(PORT)/"
	@echo "make test    install, lint, then the whole test suite on SQLite and on PostgreSQL"
	@echo "make bench   the load benchmark (benchmarks/results/*.json); make lint; make clean"

run: install assets system-deps-run
	@echo "Preparing the database in $(COMMONWEAL_DATA_DIR) ..."
	$(BIN)/commonweal migrate --verbosity 0
	COMMONWEAL_HOST=$(HOST) COMMONWEAL_PORT=$(PORT) $(BIN)/commonweal demo --if-empty
	$(BIN)/commonweal serve --host $(HOST) --port $(PORT)

# Lint and the tests both run, so one lint error does not hide the test results; either fails the target.
test: install-dev assets system-deps
	@lint=0; $(MAKE) --no-print-directory lint || lint=$$?; \
	  tests=0; bash scripts/run_tests.sh || tests=$$?; \
	  [ $$lint -eq 0 ] || echo "!!! make test: lint (ruff, mypy or makemigrations --check) FAILED: see above." >&2; \
	  [ $$lint -eq 0 ] && [ $$tests -eq 0 ]

# Debian's python3.11 lacks venv and ensurepip until python3-venv is installed: install it when missing.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: apt-get install python3.11 python3.11-venv"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
	  || { echo "$(PYTHON) is older than Python 3.11: install python3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Installing python3-venv from Debian (the venv module is missing)"; \
	  if [ "$$(id -u)" -eq 0 ]; then S=; else S=sudo; fi; \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip || { rm -rf $(VENV); exit 1; }

$(STAMP_PY): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): $(STAMP_PY)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP_PY)
install-dev: $(STAMP_DEV)

$(STAMP_NPM): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Node.js and npm from Debian"; \
	  if [ "$$(id -u)" -eq 0 ]; then S=; else S=sudo; fi; \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

$(VENDOR_STAMP): $(BIN)/python $(STAMP_NPM) scripts/vendor_assets.py
	$(BIN)/python scripts/vendor_assets.py
	touch $@

assets: $(STAMP_PY) $(VENDOR_STAMP)

# Collect the participant pages' strings into the Welsh and Urdu catalogues (needs GNU gettext's xgettext, from
# Debian's gettext package), then compile them in pure Python; the .mo files are committed (scripts/compile_messages.py).
messages: install-dev
	@command -v xgettext >/dev/null 2>&1 || { echo "make messages needs xgettext: apt-get install gettext"; exit 1; }
	cd src/commonweal && COMMONWEAL_DATA_DIR=$$(mktemp -d) ../../$(BIN)/commonweal manage makemessages -l cy -l ur \
	  --no-location --no-obsolete --ignore 'static/*' --ignore '*/migrations/*'
	$(BIN)/python scripts/compile_messages.py

# Chromium for the browser tests and PostgreSQL for the second run, from Debian's packages when missing.
system-deps:
	bash scripts/system_deps.sh

# Serving needs only Pango and a font (the PDF reports), not Chromium or PostgreSQL.
system-deps-run:
	bash scripts/system_deps.sh --run

LINTED := $(wildcard src tests benchmarks scripts)
lint: install-dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports
	@d=$$(mktemp -d); rc=0; echo "$(BIN)/mypy src"; COMMONWEAL_DATA_DIR=$$d $(BIN)/mypy src || rc=$$?; \
	  rm -rf $$d; exit $$rc
	@d=$$(mktemp -d); rc=0; COMMONWEAL_DATA_DIR=$$d $(BIN)/commonweal manage makemigrations --check --dry-run || rc=$$?; \
	  rm -rf $$d; [ $$rc -eq 0 ] || echo "A model changed without its migration: run '$(BIN)/commonweal manage makemigrations'."; exit $$rc

test-sqlite: install-dev assets system-deps
	bash scripts/run_tests.sh sqlite

test-postgres: install-dev assets system-deps
	bash scripts/run_tests.sh postgres

e2e: install-dev assets system-deps
	bash scripts/run_tests.sh sqlite tests/browser

# Benchmarks write their figures to benchmarks/results/<name>.json.
bench: bench-votes bench-live
	@if [ -f benchmarks/engine.py ]; then $(BIN)/python benchmarks/engine.py; fi

bench-live: install-dev assets system-deps
	$(BIN)/python benchmarks/live_latency.py

bench-votes: install-dev assets system-deps
	$(BIN)/python benchmarks/vote_load.py

clean:
	rm -rf $(VENV) node_modules src/commonweal/static/vendor
