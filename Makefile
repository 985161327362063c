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

.PHONY: install translations vendor pango migrate run test lint browser bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) translations vendor pango

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d translations 2>&1 | { grep -v "^compiling" || true; }; test $${PIPESTATUS[0]} -eq 0

# Leaflet for the complaint form's map, from the npm registry as published (no
# build step), checked against its pinned SHA-512, into an ignored folder. The
# form works without it (no map); the stamp makes this a no-op once done.
LEAFLET_VERSION := 1.9.4
LEAFLET_SHA512 := 9f14b5ca7cc93a63a51e9fa22f71725aa2bcf46b4d2fc53caef94c3ac41d4d3b2cc59c025e1f0dd8d07718340e2fe611dd79d6c99031c108b15116fe140ef83c
LEAFLET_DIR := static/vendor/leaflet
LEAFLET_STAMP := $(LEAFLET_DIR)/.leaflet-$(LEAFLET_VERSION)

vendor: $(LEAFLET_STAMP)

$(LEAFLET_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js's npm for the form's map (Leaflet)"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  echo "Fetching leaflet@$(LEAFLET_VERSION) from the npm registry into $(LEAFLET_DIR)"; \
	  (cd "$$tmp" && npm pack --silent leaflet@$(LEAFLET_VERSION) >/dev/null); \
	  echo "$(LEAFLET_SHA512)  $$tmp/leaflet-$(LEAFLET_VERSION).tgz" | sha512sum --check --quiet; \
	  tar -xzf "$$tmp/leaflet-$(LEAFLET_VERSION).tgz" -C "$$tmp"; \
	  rm -rf $(LEAFLET_DIR); mkdir -p $(LEAFLET_DIR)/images; \
	  cp "$$tmp"/package/dist/leaflet.js "$$tmp"/package/dist/leaflet.css "$$tmp"/package/LICENSE $(LEAFLET_DIR)/; \
	  cp "$$tmp"/package/dist/images/*.png $(LEAFLET_DIR)/images/; \
	  touch $@

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

# WeasyPrint draws the dossier and SKM PDFs with the system's Pango (and a font):
# installed here when missing and this user may run apt-get.
pango:
	@ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" && ldconfig -p | grep -q "libpangoft2-1.0.so" || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's Pango and DejaVu fonts for the PDF reports"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	  else \
	    echo "No Pango: install libpango-1.0-0 and libpangoft2-1.0-0, or the PDF reports fail"; \
	  fi; }

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
	$(BENCH_ENV) $(PY) bench/bench_lapor_import.py --rows 10000
	$(BENCH_ENV) $(PY) bench/bench_routing.py --sizes 2000,100000

# The same at 100k complaints, fewer requests (one gunicorn worker class).
bench-quick:
	$(MAKE) --no-print-directory bench ROWS=100000 INTAKE_ARGS="--requests 300 --worker-classes gthread"

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache test-artifacts static/vendor
