# Ceasefire Timeline — the everyday commands. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its dev tools

# The timeline page's browser library (vis-timeline), exactly as web/package-lock.json pins it.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci
	touch $(WEB_STAMP)

install: $(WEB_STAMP)

run: install ## Migrate, load the seeds and serve on http://127.0.0.1:8000 (SQLite by default)
	$(BIN)/timeline migrate
	$(BIN)/timeline seed
	$(BIN)/timeline serve --local-key

test: install lint ## Lint, then run every test (SQLite and PostgreSQL)
	$(BIN)/pytest

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Run every benchmark (figures go to BENCHMARKS.md with their commands)
	@command -v wrk >/dev/null || { echo "query_load needs wrk: apt-get install wrk"; exit 2; }
	$(BIN)/python benchmarks/tempeval.py
	$(BIN)/python benchmarks/news_probe.py
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout.yaml
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout_2.yaml
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout_articles.yaml
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout_articles_2.yaml
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout_articles_3.yaml
	$(BIN)/python benchmarks/news_probe.py --data benchmarks/data/news_heldout_articles_4.yaml
	$(BIN)/python benchmarks/events.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/exports.py
	$(BIN)/python benchmarks/query_load.py

clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis data
