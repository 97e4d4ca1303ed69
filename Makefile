# Home Visits: `make run` starts the whole stack, `make test` runs the tests.
# On a fresh machine only Python 3.11 and make are needed; everything else is installed here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint check seed clean help

help:
	@echo "make run   - install, migrate, load demo data and start web + Celery worker + beat"
	@echo "make test  - run the whole test suite"
	@echo "make lint  - ruff and lint-imports (the layers)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# Generated once on first start and kept (outside git) so sessions survive restarts.
var/secret_key:
	@mkdir -p var
	@umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: $(VENV)/.runtime-installed var/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" HTTPS="$${HTTPS:-false}"; \
	$(BIN)/python manage.py preflight --connections-only \
	&& $(BIN)/python manage.py migrate --no-input -v 0 \
	&& $(BIN)/python manage.py seed_demo \
	&& $(BIN)/python manage.py preflight --alert-chains-only \
	&& $(BIN)/python manage.py collectstatic --no-input -v 0 \
	&& echo "" \
	&& echo "Home Visits is starting on http://127.0.0.1:$${WEB_PORT:-8000}/  (Ctrl-C stops web, worker and beat)" \
	&& echo "" \
	&& exec $(BIN)/honcho start -f Procfile

test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf var/celery-broker var/staticfiles var/test_homevisits.sqlite3*
