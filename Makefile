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

# The background worker (close of business jobs, kopdig db_worker) runs beside the server and
# stops with it.
demo: setup
	$(BIN)/kopdig migrate --no-input -v 0
	$(BIN)/kopdig demo
	$(BIN)/kopdig db_worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	  $(BIN)/kopdig runserver $(HOST)

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
