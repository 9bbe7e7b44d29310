# Baton's tasks. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# Pinned with hashes from pyproject.toml; pip-compile reads pip's own configuration (index
# mirrors, find-links), so `make lock` works wherever `pip install` does.
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.DEFAULT_GOAL := help
.PHONY: help install install-dev lock run demo test test-pg lint types fmt bench check clean

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

$(VENV)/.dev: pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install -q --no-deps -e .
	@touch $@ $(VENV)/.run

install: $(VENV)/.run ## install Baton into ./.venv: exactly the versions in requirements.lock
install-dev: $(VENV)/.dev ## install Baton with the test and lint tools (requirements-dev.lock)

lock: | $(BIN)/python ## re-pin requirements*.lock (with hashes) after a change to pyproject.toml
	$(BIN)/pip install -q "pip-tools>=7.4"
	$(COMPILE) --output-file $(LOCK) pyproject.toml
	$(COMPILE) --extra dev --constraint $(LOCK) --output-file $(DEV_LOCK) pyproject.toml

run: install ## serve Baton on the configured store (SQLite ./baton.db by default)
	$(BIN)/baton serve

demo: install ## the demo: a fresh SQLite store, a demo bot and a customer page at /demo
	$(BIN)/baton demo

test: install-dev ## run the tests (PostgreSQL ones too when BATON_TEST_DATABASE_URL is set)
	$(BIN)/python -m tests.browser.ensure_chromium
	$(BIN)/pytest

test-pg: install-dev ## run the tests on SQLite and on the local PostgreSQL
	BATON_TEST_DATABASE_URL=$(PG_URL) $(MAKE) test

lint: install-dev ## ruff lint and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install-dev ## mypy --strict on src/
	$(BIN)/mypy

fmt: install-dev ## format the code
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install-dev ## run the benchmarks
	$(BIN)/baton bench all

check: lint types test ## lint + types + tests

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .baton-cache baton-demo.db*
