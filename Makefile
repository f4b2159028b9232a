# perfloop: `make run` starts the service with demo data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGIN_PROJECTS := $(wildcard plugins/*/pyproject.toml)
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(PLUGIN_PROJECTS))
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test install install-dev lint typecheck pytest schema bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml $(PLUGIN_PROJECTS)
	$(PIP_INSTALL) -e . $(addprefix -e ,$(PLUGIN_DIRS))
	@touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml $(PLUGIN_PROJECTS)
	$(PIP_INSTALL) -e ".[dev]" $(addprefix -e ,$(PLUGIN_DIRS))
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate the embedded SQLite database (./perfloop.db), load the demo tenant
## if the database is empty, and serve http://127.0.0.1:8000/graphql
run: install
	$(BIN)/perfloop db upgrade
	$(BIN)/perfloop demo load --if-empty
	$(BIN)/perfloop serve

## test: ruff, mypy (strict) and pytest; pytest also runs every database test on
## PostgreSQL when PERFLOOP_TEST_DATABASE_URL is set
test: install-dev lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

schema: install
	$(BIN)/perfloop export-schema --output schema.graphql

bench: install-dev
	$(BIN)/python bench/formulas.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
