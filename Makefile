# Two commands matter: `make run` (web + grading worker on SQLite and an embedded broker) and `make test`.
PYTHON_BIN ?= /root/.pyenv/versions/3.11.7/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint worker clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || { if [ -x "$(PYTHON_BIN)" ]; then "$(PYTHON_BIN)" -m venv $(VENV); else python3.11 -m venv $(VENV); fi; }
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# var/.env makes this a local (DEBUG) run for every manage.py command, in this terminal and any other.
run: $(VENV)/.installed
	@mkdir -p var && test -f var/.env || printf '# Written by make run: manage.py reads it; the environment wins.\nDEBUG=1\n' > var/.env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_content
	@$(PY) manage.py create_demo_users
	@echo "Serving http://$(HOST):$(PORT)/ (embedded Redis broker + grading worker + web); Ctrl-C stops them all."
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# The suite uses the real PostgreSQL and Redis (integration tests start their own worker processes).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gym
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

test: $(VENV)/.installed-dev
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf var staticfiles .pytest_cache
