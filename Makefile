# Essayons: `make run` to use it, `make test` to prove it. Everything lands in ./.venv and ./var.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
CHROMIUM_PATH ?= /usr/bin/chromium
# The tests read them too (the backup test makes a scratch database on the same server).
export PG_TEST_URL CHROMIUM_PATH

.PHONY: install run test lint test-sqlite test-postgres test-e2e test-peers messages format backup clean

$(VENV)/.run-installed: requirements.txt requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c requirements.lock
	touch $@

## Only install what running needs into ./.venv (a server's deploy step)
install: $(VENV)/.run-installed

## Install, migrate, load the demo business and serve web + worker on http://127.0.0.1:8000
run: $(VENV)/.run-installed
	$(PY) manage.py launch

## Write a backup of the database and uploaded files to var/backups/
backup: $(VENV)/.run-installed
	$(PY) manage.py backup

## Lint, then the whole suite on SQLite (browser journeys included) and on PostgreSQL
test: $(VENV)/.dev-installed lint test-sqlite test-postgres

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# A missing service prints a SKIPPED line and its tests skip; with ESSAYONS_REQUIRE_SERVICES=1
# (CI) service_check exits 2 and the build fails instead.
test-sqlite: $(VENV)/.dev-installed
	@$(PY) scripts/service_check.py chromium "$(CHROMIUM_PATH)"; [ $$? -ne 2 ]
	$(PY) -m pytest -n 2 -p no:cacheprovider

# PostgreSQL runs everything but the browser journeys, which the SQLite run already covers.
test-postgres: $(VENV)/.dev-installed
	@$(PY) scripts/service_check.py postgres "$(PG_TEST_URL)"; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -n 2 -p no:cacheprovider -m "not e2e"; \
	elif [ $$rc -ne 1 ]; then exit 1; fi

test-e2e: $(VENV)/.dev-installed
	@$(PY) scripts/service_check.py chromium "$(CHROMIUM_PATH)"; [ $$? -ne 2 ]
	$(PY) -m pytest -p no:cacheprovider -m e2e

## The connectors against real peers: mastodon-mock, and Bluesky's reference PDS (Node 22 and
## @atproto/dev-env, installed under peers/bluesky/ on the first run: about 4½ minutes, 665 MB)
test-peers: $(VENV)/.dev-installed
	peers/bluesky/install.sh
	ESSAYONS_REQUIRE_PEERS=1 $(PY) -m pytest -p no:cacheprovider -m peers

## Refresh the translation catalogues after changing user-visible strings
messages: $(VENV)/.dev-installed
	$(PY) scripts/messages.py

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var/static
