# orderbridge: `make run` starts the demo, `make test` runs every check. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DB ?= sqlite+aiosqlite:///var/orderbridge.db

.PHONY: run test install lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	ORDERBRIDGE_DATABASE_URL=$(DEMO_DB) $(BIN)/orderbridge db upgrade
	ORDERBRIDGE_DATABASE_URL=$(DEMO_DB) $(BIN)/orderbridge demo

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q -rs

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/import_throughput.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
