# Destek: `make run` serves the demo on SQLite with no other server; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Production is the settings' default (docs/deploy.md); development says what it needs. The
# key is public: config/settings.py refuses it unless DEBUG is on. SITE_URL is where this server
# answers: the demo widget's order cards and e-mailed links point at it.
DEV_ENV := DEBUG=1 SECRET_KEY=dev-only-make-run-not-a-secret SITE_URL=http://$(HOST):$(PORT)

.PHONY: install messages run test lint format migrations-check widget

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Destek needs Python 3.11+: make run PYTHON=python3.12")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

messages: install
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv -v0

# The demo shop and app pages (/demo/) exist only with DESTEK_DEMO=1.
run: messages
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py whatsapp_seed_demo
	$(DEV_ENV) $(BIN)/python manage.py emails_seed_demo
	@echo "Widget demo: http://$(HOST):$(PORT)/demo/   WhatsApp demo phone: http://$(HOST):$(PORT)/demo/whatsapp/   Console: http://$(HOST):$(PORT)/console/"
	$(DEV_ENV) DESTEK_DEMO=1 WHATSAPP_GRAPH_URL=http://$(HOST):$(PORT)/whatsapp/demo/graph/v21.0 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# pytest sets its own environment (tests/settings.py). One process per core, at most four
# (how work is shared: tests/conftest.py, pytest_xdist_make_scheduler).
test: lint migrations-check messages
	$(BIN)/pytest -n auto --maxprocesses 4 $(PYTEST_ARGS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The loader and widget.js ship whitespace-minified (first-open budget); edit static/widget/src/*.js.
widget: install
	$(BIN)/python -m chat.widget_build
