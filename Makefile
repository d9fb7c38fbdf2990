# Every target creates and uses .venv itself: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo run test test-build test-pure lint format bench compile clean

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

# The indicators, detectors, scoring and engine compiled with mypyc, in place
# (cryptotui/hotpath.py: MODULES). Not part of `make demo`: compiling takes a minute or two.
# A build older than its sources is ignored.
HOTPATH_BUILD := $(BIN)/python -c 'import cryptotui.hotpath as h; raise SystemExit(h.build())'

compile: $(DEVSTAMP)  ## compile the hot path (indicators, detectors, engine) with mypyc
	$(HOTPATH_BUILD)

# The whole suite on the compiled hot path (when a compiler is available), and the indicator and
# pattern suites again on the pure-Python one: both builds must give the same results. The pure
# run needs no build, so it runs while the compiler works (one core each). The whole suite runs
# on TEST_WORKERS pytest-xdist workers, more than the cores as most of its tests wait on a
# simulator or a subprocess (`make test TEST_WORKERS=0`: one process).
TEST_WORKERS ?= 3

test: lint  ## install dev extras, lint, compile, run the whole suite (pattern/indicator suites on both builds)
	$(MAKE) --no-print-directory --output-sync=target -j2 test-build test-pure
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test-build: $(DEVSTAMP)
	$(HOTPATH_BUILD) || echo "hot path not compiled: the suite runs on the pure-Python path only"

test-pure: $(DEVSTAMP)
	CRYPTOTUI_PURE=1 $(BIN)/python -m pytest tests/indicators tests/patterns

bench: $(DEVSTAMP)  ## speed tables against stdlib json / talipp / TA-Lib
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build cryptotui/*.so cryptotui/*/*.so .pytest_cache .ruff_cache .hypothesis .mypy_cache .import_linter_cache .grimp_cache
