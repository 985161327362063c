# Aduan: two commands on a fresh machine.
#   make run   — venv, install, migrate, seed a demo, start app + scheduler on SQLite
#   make test  — the same set-up, then lint, type checks and the test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations migrate run test lint browser bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d translations 2>&1 | { grep -v "^compiling" || true; }; test $${PIPESTATUS[0]} -eq 0

migrate: install
	$(FLASK) db upgrade

run: migrate
	$(FLASK) seed demo
	@echo
	@echo "Aduan is starting at http://$(HOST):$(PORT)/  (staff console: http://$(HOST):$(PORT)/staff/)"
	@echo "Press Ctrl+C to stop."
	ADUAN_SECURE_COOKIES=0 PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint browser
	$(VENV)/bin/pytest -n 2 --dist loadfile -q

# The browser tests drive Debian's Chromium through Playwright (which downloads
# nothing): installed here when missing and this user may run apt-get.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium and chromium-driver for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "No Chromium: install Debian's chromium and chromium-driver, or the browser tests fail"; \
	  fi; }

# make bench [ROWS=…] [DATABASE_URL=postgresql+psycopg://…]: every benchmark, on PostgreSQL
# (a throw-away schema) when DATABASE_URL is set, else on temporary SQLite files.
ROWS ?= 1000000
INTAKE_ARGS ?= --requests 1000
BENCH_PG = $(filter postgresql%,$(DATABASE_URL))
BENCH_ENV = $(if $(BENCH_PG),DATABASE_URL="$(BENCH_PG)" TEST_POSTGRES_URL="$(BENCH_PG)",env -u DATABASE_URL)
BENCH_BACKEND = $(if $(BENCH_PG),postgresql,sqlite)

bench: install
	@echo "Benchmarks at $(ROWS) complaints on $(if $(BENCH_PG),PostgreSQL ($(BENCH_PG)),SQLite (set DATABASE_URL=postgresql+psycopg://… for PostgreSQL))"
	$(PY) bench/bench_calendar.py
	$(BENCH_ENV) $(PY) bench/bench_sweep.py --rows $(ROWS)
	$(BENCH_ENV) $(PY) bench/bench_metrics.py --rows $(ROWS) --backend $(BENCH_BACKEND)
	$(BENCH_ENV) $(PY) bench/bench_queue.py --rows $(ROWS)
	$(BENCH_ENV) $(PY) bench/bench_memory.py --rows $(ROWS)
	$(BENCH_ENV) $(PY) bench/bench_intake.py $(INTAKE_ARGS)

# The same at 100k complaints, fewer requests (one gunicorn worker class).
bench-quick:
	$(MAKE) --no-print-directory bench ROWS=100000 INTAKE_ARGS="--requests 300 --worker-classes gthread"

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache test-artifacts
