# Every target creates and uses .venv itself: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@ $(STAMP)

demo: $(STAMP)  ## open the TUI on the built-in simulated market (offline)
	$(BIN)/cryptotui --demo

run: $(STAMP)  ## open the TUI on live Binance
	$(BIN)/cryptotui

lint: $(DEVSTAMP)
	$(BIN)/ruff check cryptotui tests benchmarks
	$(BIN)/ruff format --check cryptotui tests benchmarks
	$(BIN)/mypy cryptotui
	$(BIN)/lint-imports

format: $(DEVSTAMP)
	$(BIN)/ruff check --fix cryptotui tests benchmarks
	$(BIN)/ruff format cryptotui tests benchmarks

test: lint  ## install dev extras, lint, run the whole suite
	$(BIN)/python -m pytest

bench: $(DEVSTAMP)  ## speed tables against stdlib json / talipp / TA-Lib
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .mypy_cache .import_linter_cache .grimp_cache
