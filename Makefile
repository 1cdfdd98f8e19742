# Linli: `make run` serves the demo on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint migrate seed messages serve worker beat e2e bench-load clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Compiled catalogues are committed; recompile when gettext is available.
messages: install
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var >/dev/null; fi

migrate: install messages
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_site

seed: migrate
	$(BIN)/python manage.py seed_demo --once

serve:
	$(BIN)/python manage.py collectstatic --noinput >/dev/null
	$(BIN)/uvicorn portal.asgi:application --host $(HOST) --port $(PORT) --ws websockets

run: seed
	$(MAKE) --no-print-directory serve

worker:
	$(BIN)/celery -A portal worker --loglevel=info

beat:
	$(BIN)/celery -A portal beat --loglevel=info

lint: install
	$(BIN)/ruff check .

test: install messages
	$(BIN)/python -m pytest --ignore=tests/e2e $(PYTEST_ARGS)
	@if [ -d tests/e2e ] && ls tests/e2e/test_*.py >/dev/null 2>&1; then \
		DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest tests/e2e -p no:cacheprovider $(PYTEST_ARGS); \
	fi

# The 1,000-resident load test (bench/load.py): PostgreSQL and Redis on localhost, figures, not a test.
bench-load: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var
