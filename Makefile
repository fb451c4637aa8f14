# Two commands for a newcomer: `make run` and `make test`. Both are safe to repeat.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run dev test test-sqlite test-postgres lint install clean bench system-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

# Links in feeds, sitemaps and printed messages point at the port being served.
export NEWSDESK_SITE_URL ?= http://127.0.0.1:$(PORT)

## Set up (migrate, static files, demo content and an admin login on first run) and serve with gunicorn.
run: install
	$(BIN)/newsdesk setup
	$(BIN)/newsdesk serve --port $(PORT)

## The same, with Django's development server and debug pages.
dev: install
	NEWSDESK_DEBUG=1 $(BIN)/newsdesk setup
	NEWSDESK_DEBUG=1 DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/newsdesk runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## The whole suite on SQLite, then on PostgreSQL where it answers on 127.0.0.1:5432.
test: install lint system-check test-sqlite test-postgres

system-check:
	@$(BIN)/python scripts/system_check.py

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python scripts/pg_available.py "$(PG_URL)"; then \
		NEWSDESK_DATABASE_URL="$(PG_URL)" $(BIN)/pytest; \
	else \
		echo "PostgreSQL run skipped: nothing answers at $(PG_URL) (start PostgreSQL or set PG_URL=...)."; \
	fi

bench: install
	$(BIN)/python bench/article_page.py

clean:
	rm -rf $(VENV) var
