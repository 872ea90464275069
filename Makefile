# Essayons: `make run` to use it, `make test` to prove it. Everything lands in ./.venv and ./var.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test lint test-sqlite test-postgres test-e2e messages format clean

$(VENV)/.run-installed: requirements.txt requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c requirements.lock
	touch $@

## Install, migrate, load the demo business and serve web + worker on http://127.0.0.1:8000
run: $(VENV)/.run-installed
	$(PY) manage.py launch

## Lint, then the whole suite on SQLite (browser journeys included) and on PostgreSQL
test: $(VENV)/.dev-installed lint test-sqlite test-postgres

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-sqlite: $(VENV)/.dev-installed
	$(PY) -m pytest -n 2 -p no:cacheprovider

# PostgreSQL runs everything but the browser journeys, which the SQLite run already covers.
test-postgres: $(VENV)/.dev-installed
	@$(PY) scripts/service_check.py postgres "$(PG_TEST_URL)"; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -n 2 -p no:cacheprovider -m "not e2e"; \
	elif [ $$rc -ne 1 ]; then exit 1; fi

test-e2e: $(VENV)/.dev-installed
	$(PY) -m pytest -p no:cacheprovider -m e2e

## Refresh the translation catalogues after changing user-visible strings
messages: $(VENV)/.dev-installed
	$(PY) scripts/messages.py

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/static
