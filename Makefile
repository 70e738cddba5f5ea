# Vales — two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
WORKERS ?= 2
E2E ?= 1

.PHONY: run test lint e2e install install-dev translations db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: | $(BIN)/python
	@if ls voucher/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d voucher/translations >/dev/null; fi

db: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty

## Install, migrate the SQLite database, seed the demo when empty, serve on http://127.0.0.1:5000
run: db
	@echo "Vales on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check voucher tests benchmarks migrations wsgi.py
	$(BIN)/ruff format --check voucher tests benchmarks wsgi.py

## Install the dev tools, lint, and run the whole suite (browser journeys when Chromium is present)
test: lint
	$(BIN)/python -m pytest -n $(WORKERS) -m "not e2e" $(PYTEST_ARGS)
	@if [ "$(E2E)" = "0" ]; then echo "Browser journeys not run here (E2E=0)."; \
	elif [ -x /usr/bin/chromium ]; then $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS); \
	else echo "SKIPPING browser journeys: /usr/bin/chromium is missing (apt-get install chromium)."; fi

e2e: install-dev
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
