# Balas: `make run` starts everything, `make test` runs every test tier. Both install what is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest

.PHONY: run test unit integration e2e lint fmt bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/balas run

test: $(VENV)/.installed-dev
	$(PYTEST) tests

unit: $(VENV)/.installed-dev
	$(PYTEST) tests/unit

integration: $(VENV)/.installed-dev
	$(PYTEST) tests/integration

e2e: $(VENV)/.installed-dev
	$(PYTEST) tests/e2e

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

eval: $(VENV)/.installed-dev  # the message classifier on the held-out set (ENGINE=llm for the LLM)
	$(BIN)/balas classify --evaluate --engine $(or $(ENGINE),offline)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
