# One-word tasks. `make demo` and `make test` work on a fresh clone: they build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export BLOTTER_TEST_DATABASE_URL ?= postgresql://127.0.0.1:5432/test

.PHONY: install demo test test-fast lint fix typecheck bench clean services browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e ".[postgres,xlsx,analysis]" --group dev
	touch $(STAMP)

install: $(STAMP)

services:
	@bash scripts/ensure-services.sh

browser:
	@bash scripts/install-browser.sh

demo: install
	$(BIN)/blotter demo --serve

test: install services browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --require-postgres

test-fast: install
	$(BIN)/pytest -x -q

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

fix: install
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: install services
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/release.py
	$(BIN)/python benchmarks/veil.py
	$(BIN)/python benchmarks/analysis.py
	$(BIN)/python benchmarks/threshold.py --model beta
	command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python benchmarks/portal.py

clean:
	rm -rf $(VENV) blotter-data .pytest_cache .mypy_cache .ruff_cache
