# perfloop: `make run` starts the service with demo data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGIN_PROJECTS := $(wildcard plugins/*/pyproject.toml)
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(PLUGIN_PROJECTS))
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# Locked installs (docs/dependencies.md): pyproject.toml declares ranges, these files pin
# every package; `make lock` refreshes them, `make install` / `make install-dev` install
# exactly them with plain pip and then the project itself with --no-deps.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
UV_VERSION := 0.13.9
UV := $(BIN)/uv
LOCK_SOURCES := pyproject.toml $(PLUGIN_PROJECTS)
LOCK_FLAGS := --universal --python-version 3.11 --quiet --custom-compile-command "make lock"
# UPGRADE: empty keeps every pin that still fits; --upgrade-package NAME, or --upgrade for all
UPGRADE ?=

.PHONY: run test install install-dev lock lint layers typecheck pytest schema bench clean console-vendor

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml $(RUNTIME_LOCK) $(PLUGIN_PROJECTS)
	$(PIP_INSTALL) -r $(RUNTIME_LOCK)
	$(PIP_INSTALL) --no-deps -e . $(addprefix -e ,$(PLUGIN_DIRS))
	@touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml $(DEV_LOCK) $(PLUGIN_PROJECTS)
	$(PIP_INSTALL) -r $(DEV_LOCK)
	$(PIP_INSTALL) --no-deps -e . $(addprefix -e ,$(PLUGIN_DIRS))
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(UV): $(VENV)/bin/python
	$(PIP_INSTALL) uv==$(UV_VERSION)

## lock: re-resolve requirements/runtime.txt and requirements/dev.txt from pyproject.toml
## (dev is constrained by runtime, so both agree); `make lock UPGRADE="--upgrade-package X"`
lock: $(UV)
	$(UV) pip compile $(LOCK_SOURCES) $(LOCK_FLAGS) $(UPGRADE) -o $(RUNTIME_LOCK)
	$(UV) pip compile $(LOCK_SOURCES) --extra dev -c $(RUNTIME_LOCK) $(LOCK_FLAGS) $(UPGRADE) -o $(DEV_LOCK)

## run: migrate the embedded SQLite database (./perfloop.db), load the demo tenant
## if the database is empty, and serve the console at http://127.0.0.1:8000/ (demo
## sign-in on: PERFLOOP_DEMO_SIGN_IN defaults to true outside production) and /graphql
run: install
	$(BIN)/perfloop db upgrade
	$(BIN)/perfloop demo load --if-empty
	$(BIN)/perfloop serve

## test: ruff, the layer contracts (import-linter), mypy (strict) and pytest; pytest also runs every database test on
## PostgreSQL when PERFLOOP_TEST_DATABASE_URL is set
test: install-dev lint layers typecheck pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## layers: the import contracts in pyproject.toml ([tool.importlinter]); see docs/architecture.md
layers: install-dev
	$(BIN)/lint-imports --no-cache

typecheck: install-dev
	$(BIN)/mypy

## pytest: the tests, measured by coverage (config in pyproject.toml: greenlets, threads,
## ingest worker processes, `perfloop` subprocesses), printing the total; `$(BIN)/coverage
## report` (or `coverage html`) then shows the files not fully covered. On Python 3.11
## coverage needs the trace hook, which makes the suite about 2x slower
## (bench/coverage_overhead.py): `make test COVERAGE=` runs it without.
## The console's browser tests (tests/e2e) need Debian's chromium and chromedriver; without
## them they are skipped (and fail under PERFLOOP_E2E_REQUIRED=1, as in .ci/run).
CHROMIUM ?= $(or $(PERFLOOP_CHROMIUM),/usr/bin/chromium)
CHROMEDRIVER ?= $(or $(PERFLOOP_CHROMEDRIVER),/usr/bin/chromedriver)
COVERAGE ?= 1
pytest: install-dev
	@test -x $(CHROMIUM) -a -x $(CHROMEDRIVER) || \
		echo "no Chromium: browser tests skipped; install chromium chromium-driver"
ifeq ($(strip $(COVERAGE)),)
	$(BIN)/pytest
else
	$(BIN)/pytest --cov --cov-report=
	@echo "coverage: $$($(BIN)/coverage report --format=total)% of perfloop's statements; details: $(BIN)/coverage report"
endif

schema: install
	$(BIN)/perfloop export-schema --output schema.graphql

## console-vendor: re-fetch the console's vendored libraries (npm pack) at exactly the
## versions of platform/perfloop/console/static/vendor/MANIFEST.json; maintainers only,
## needs npm (docs/console.md, "Vendored libraries")
console-vendor: $(VENV)/bin/python
	$(BIN)/python tools/console_vendor.py

bench: install-dev
	$(BIN)/python bench/formulas.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
