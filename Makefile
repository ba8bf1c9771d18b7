# The single entry point: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.DEFAULT_GOAL := help

.PHONY: help run test lint fmt bench screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP) ## migrate the SQLite database in instance/ and serve on http://127.0.0.1:5000
	$(BIN)/flask db upgrade
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP) ## run the whole suite (SQLite and a throwaway PostgreSQL) with the coverage gate
	rm -f .coverage .coverage.*
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP) ## fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

screenshots: $(STAMP) ## photograph the main pages (light, dark, phone, desktop) into docs/screenshots/
	$(BIN)/python -m tests.e2e.screenshots docs/screenshots

bench: $(STAMP) ## measure the pages under gunicorn + wrk (BENCH_SIZE=small|full, BENCH_SCALING=1)
	$(BIN)/python benchmarks/run.py

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
