# Kopdig: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1:8000

.PHONY: setup demo test lint bench clean browser

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)
	$(BIN)/kopdig compilemessages_py

# The background worker started beside the web server: django-tasks' database worker when that
# app is installed (``kopdig help db_worker`` answers), nothing otherwise.
WORKER_CMD ?= $(shell $(BIN)/kopdig help db_worker >/dev/null 2>&1 && echo db_worker)

# The demo is served as production is: gunicorn with several workers (kopdig/gunicorn.conf.py),
# static files collected with hashed names, and the background worker beside it.
demo: setup
	$(BIN)/kopdig migrate --no-input -v 0
	$(BIN)/kopdig demo
	$(BIN)/kopdig collectstatic --no-input -v 0
	@echo "Kopdig: http://$(HOST)/  (Admin Dinas: dinas / kopdig-demo; Ctrl+C berhenti)"
	@worker=""; \
	if [ -n "$(WORKER_CMD)" ]; then \
	  $(BIN)/kopdig $(WORKER_CMD) & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	KOPDIG_BIND=$(HOST) $(BIN)/gunicorn -c kopdig/gunicorn.conf.py kopdig.wsgi

browser:
	@scripts/ensure-chromium

test: setup browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/kopdig makemigrations --check --dry-run

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) staticfiles
