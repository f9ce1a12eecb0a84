# Accord: `make run` and `make test` work on a fresh clone with nothing installed beforehand.
# They bootstrap uv into .tools/ with the machine's python3, then let uv build .venv from
# uv.lock with Python 3.12+ (never downloading an interpreter: CI machines cannot).

UV_VERSION := 0.13.9
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
# Bootstrapping needs any python3 with venv and pip; the project itself needs 3.12+.
BOOTSTRAP_PYTHON ?= python3
PORT ?= 8000
STATIC_BUILD := src/accord/web/static/build

.DEFAULT_GOAL := help
.PHONY: help setup assets browser run serve assess test lint typecheck contracts security unit bench clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(BOOTSTRAP_PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

# GOV.UK Frontend comes from npm and is compiled here; the built files are not committed.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STATIC_BUILD)/.built: node_modules/.installed assets/scss/accord.scss
	mkdir -p $(STATIC_BUILD)
	npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
		assets/scss/accord.scss $(STATIC_BUILD)/accord.min.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC_BUILD)/
	@touch $@

setup: .venv/.synced $(STATIC_BUILD)/.built ## Install everything (uv, Python and npm packages) and build the styles

assets: $(STATIC_BUILD)/.built ## Build GOV.UK Frontend styles and scripts (npm + sass)

browser: ## Make sure Debian's chromium is installed for the end-to-end tests
	@test -x /usr/bin/chromium || scripts/install-debian-packages chromium

run: setup ## Set up, migrate, load the demo and serve Accord at http://127.0.0.1:8000
	$(UV) run --frozen accord serve --port $(PORT)

assess: setup ## Assess an example initiative on the command line (EXAMPLE=path)
	$(UV) run --frozen accord assess $(or $(EXAMPLE),examples/mash-children.yaml)

test: setup browser lint typecheck contracts security unit ## Lint, type-check, check import contracts, scan with bandit and run all tests

lint: setup ## Ruff: style and common bugs
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

typecheck: setup ## mypy, strict on the whole package
	$(UV) run --frozen mypy

contracts: setup ## import-linter: the core imports nothing from Django or the outer layers
	$(UV) run --frozen lint-imports

security: setup ## bandit: no finding of medium severity and confidence or above in src
	$(UV) run --frozen bandit -c pyproject.toml -r src --severity-level medium --confidence-level medium --quiet

unit: setup ## pytest
	$(UV) run --frozen pytest

bench: setup ## Benchmarks (starts a local PostgreSQL for the exchange); results go to docs/benchmarks.md
	scripts/start-postgresql
	$(UV) run --frozen python bench/run.py --write docs/benchmarks.md

clean: ## Remove the virtual environments, node_modules, built assets and caches
	rm -rf .venv $(TOOLS) node_modules $(STATIC_BUILD) .pytest_cache .mypy_cache .ruff_cache
