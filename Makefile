# Everything from nothing: `make run` serves the sample corpus, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
INDEX  ?= var/index
CORPUS ?= corpus
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2

.PHONY: run test lint index bench bench-deps bench-http quality browser-deps clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## index: build or update the index of the sample corpus (incremental: quick when nothing changed)
index: $(VENV)/.installed
	$(PY) -m indexer build $(CORPUS) --index $(INDEX)

## run: install, index if missing or stale, serve on http://$(HOST):$(PORT) with gunicorn
## (the access log leaves out IP addresses and query strings: queries may hold personal details)
## Worker model: one sync worker per core, the app loaded before the fork (--preload). A search
## holds its worker's index lock, so threads in a worker would queue behind it (gthread was no
## faster and used more memory); a third worker on two cores was slower; preloading shares the
## meaning model between the workers (gunicorn.conf.py: each worker opens the index itself).
## Figures: BENCHMARKS.md, "Over HTTP under wrk".
run: index
	SEARCH_INDEX_DIR=$(abspath $(INDEX)) SEARCH_CORPUS_DIR=$(abspath $(CORPUS)) SEARCH_SECURE_COOKIES=false \
	  $(VENV)/bin/gunicorn --workers $(WORKERS) --worker-class sync --preload --bind $(HOST):$(PORT) \
	  --access-logfile - \
	  'webapp:create_app()'

AXE := tests/browser/node/node_modules/axe-core/axe.min.js

## browser-deps: Debian's Chromium and ChromeDriver for the browser tests (needs root or sudo),
## and axe-core (from npm) for the accessibility checks
browser-deps: $(AXE)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	elif command -v sudo >/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "browser tests need Debian's chromium: apt-get install chromium chromium-driver"; fi

$(AXE):
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi
	npm install --no-save --no-audit --no-fund --prefix tests/browser/node axe-core@4

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

## test: install, lint, then the whole suite (unit, integration, browser)
test: $(VENV)/.installed browser-deps lint
	$(PY) -m pytest

## bench: speed benchmarks (parsing and indexing, search latency, duplicates)
bench: $(VENV)/.installed
	$(PY) -m bench.speed

## bench-deps: Debian's wrk, the HTTP load generator of bench/http_load.py (needs root or sudo)
bench-deps:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	elif command -v sudo >/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else echo "the HTTP bench needs Debian's wrk: apt-get install wrk"; exit 1; fi

## bench-http: requests/s and latency over HTTP under wrk (PAGES=10000 by default; see BENCHMARKS.md)
PAGES ?= 10000
bench-http: $(VENV)/.installed bench-deps
	$(PY) -m bench.http_load --pages $(PAGES)

## quality: ranking quality on the project's questions and, if present, ../shared/data
quality: $(VENV)/.installed
	$(PY) -m bench.quality

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache .ruff_cache
