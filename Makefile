# Two commands for a newcomer: `make run` and `make test`. Both are safe to repeat.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# Quiet unless asked: `make run V=1` shows install, migration and task-worker output.
V      ?=
Q      := $(if $(V),,@)
PIP_Q  := $(if $(V),,--quiet)
SERVE_V := $(if $(V),2,1)
# Build tools are pinned like every dependency: `python -m venv` brings the interpreter's own
# (setuptools 65.5.0 with Python 3.11, CVE-2022-40897).
BUILD_TOOLS := pip==25.3 setuptools==80.9.0

.PHONY: run dev test test-sqlite test-postgres lint install clean bench system-check messages cluster

$(BIN)/python:
	$(Q)$(PYTHON) -m venv $(VENV)
	$(Q)$(BIN)/pip install $(PIP_Q) --upgrade $(BUILD_TOOLS)

# Reinstall only when the dependencies (or the build tools' pins, here) change.
$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	$(if $(V),,@echo "Installing Newsdesk and its dependencies into $(VENV) (V=1 to watch)...")
	$(Q)$(BIN)/pip install $(PIP_Q) --disable-pip-version-check $(BUILD_TOOLS)
	$(Q)$(BIN)/pip install $(PIP_Q) --disable-pip-version-check -e ".[test]"
	$(Q)touch $@

install: $(VENV)/.installed

# Links in feeds, sitemaps and printed messages point at the port being served; only for the
# site being run: tests pin their own settings (config/settings/test.py).
run dev: export NEWSDESK_SITE_URL ?= http://127.0.0.1:$(PORT)

## Set up (migrate, static files, demo content and an admin login on first run) and serve with gunicorn.
run: install
	$(Q)$(BIN)/newsdesk setup -v $(SERVE_V)
	$(Q)$(BIN)/newsdesk serve --port $(PORT) -v $(SERVE_V)

## The same, with Django's development server and debug pages.
dev: install
	$(Q)NEWSDESK_DEBUG=1 $(BIN)/newsdesk setup -v $(SERVE_V)
	$(Q)NEWSDESK_DEBUG=1 DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/newsdesk runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# Migrations in step with the models (in a scratch data folder: nothing is written).
	d=$$(mktemp -d) && NEWSDESK_DATA_DIR=$$d $(BIN)/newsdesk makemigrations --check --dry-run; s=$$?; rm -rf $$d; exit $$s
	$(BIN)/python scripts/dependency_audit.py

## The whole suite on SQLite, then on PostgreSQL where it answers on 127.0.0.1:5432.
test: install lint system-check test-sqlite test-postgres

# Missing Debian packages are installed when we can (root with apt-get), else named, one a line.
system-check:
	@scripts/install_system_packages.sh
	@$(BIN)/python scripts/system_check.py

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python scripts/pg_available.py "$(PG_URL)"; then \
		NEWSDESK_DATABASE_URL="$(PG_URL)" $(BIN)/pytest; \
	else \
		echo "PostgreSQL run skipped: nothing answers at $(PG_URL) (start PostgreSQL or set PG_URL=...)."; \
	fi

## The Persian and Arabic catalogues (locale/) brought up to date with the sources and compiled;
## translate what is new in the .po files, run it again, commit .po and .mo (needs GNU gettext).
messages: install
	$(BIN)/newsdesk messages

## Two app servers (:8001, :8002) and two task workers on PostgreSQL and Redis, all on loopback,
## under honcho (deploy/cluster/Procfile; docs/operations.md, "A cluster on one machine").
CLUSTER_DB    ?= postgres://postgres@127.0.0.1:5432/newsdesk_cluster
CLUSTER_REDIS ?= redis://127.0.0.1:6379/5
CLUSTER_DIR   ?= $(CURDIR)/var/cluster
cluster: install
	@mkdir -p $(CLUSTER_DIR)
	@test -s $(CLUSTER_DIR)/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $(CLUSTER_DIR)/secret_key
	@$(BIN)/python scripts/cluster_createdb.py "$(CLUSTER_DB)"
	@export NEWSDESK_SECRET_KEY="$$(cat $(CLUSTER_DIR)/secret_key)" NEWSDESK_DATABASE_URL="$(CLUSTER_DB)" \
		NEWSDESK_REDIS_URL="$(CLUSTER_REDIS)" CLUSTER_DIR="$(CLUSTER_DIR)" WEB1_PORT=8001 WEB2_PORT=8002 \
		PATH="$(CURDIR)/$(BIN):$$PATH"; \
	for d in web1 web2 worker1 worker2; do mkdir -p $(CLUSTER_DIR)/$$d $(CLUSTER_DIR)/media; \
		ln -sfn ../media $(CLUSTER_DIR)/$$d/media; \
		NEWSDESK_DATA_DIR=$(CLUSTER_DIR)/$$d $(BIN)/newsdesk setup -v 0 || exit 1; done; \
	exec $(BIN)/honcho -f deploy/cluster/Procfile start

bench: install
	$(BIN)/python bench/article_page.py

clean:
	rm -rf $(VENV) var
