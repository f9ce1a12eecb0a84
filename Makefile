# Accord: `make run` and `make test` work on a fresh clone with nothing installed beforehand.
# They bootstrap uv into .tools/ with the machine's python3, then let uv build .venv from
# uv.lock with Python 3.12+ (never downloading an interpreter: CI machines cannot).

UV_VERSION := 0.13.9
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
# Bootstrapping needs any python3 with venv and pip; the project itself needs 3.12+.
BOOTSTRAP_PYTHON ?= python3
EXAMPLE ?= examples/mash-children.yaml

.DEFAULT_GOAL := help
.PHONY: help setup run test lint typecheck contracts unit bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(BOOTSTRAP_PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## Install everything (uv, Python packages) into .tools/ and .venv/

run: setup ## Assess an example initiative (EXAMPLE=path to choose another)
	$(UV) run --frozen accord assess $(EXAMPLE)

test: setup lint typecheck contracts unit ## Lint, type-check, check import contracts and run all tests

lint: setup ## Ruff: style and common bugs
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

typecheck: setup ## mypy, strict on the whole package
	$(UV) run --frozen mypy

contracts: setup ## import-linter: the core imports nothing from Django or the outer layers
	$(UV) run --frozen lint-imports

unit: setup ## pytest
	$(UV) run --frozen pytest

bench: setup ## Benchmarks; results go to docs/benchmarks.md
	$(UV) run --frozen python bench/run.py --write docs/benchmarks.md

clean: ## Remove the virtual environments and caches
	rm -rf .venv $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
