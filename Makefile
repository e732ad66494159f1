# fengqiao: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FENGQIAO_HOME ?= $(CURDIR)/var
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint format install install-test browser clean serve bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "fengqiao needs Python 3.11+"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) node_modules/.package-lock.json
	$(BIN)/fengqiao compiletranslations

install-test: $(TEST_STAMP) node_modules/.package-lock.json browser
	$(BIN)/fengqiao compiletranslations

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "Install chromium and fonts-noto-cjk (apt-get install chromium fonts-noto-cjk) for the browser tests."; exit 1; fi; }

## make demo: install, migrate the SQLite database under $$FENGQIAO_HOME, seed, serve on $$PORT
demo: install
	$(BIN)/fengqiao demo --port $(PORT)

serve: install
	$(BIN)/fengqiao serve --port $(PORT)

## make test: install test dependencies, run the whole suite on SQLite, and on PostgreSQL
## as well when FENGQIAO_TEST_DATABASE_URL is set (e.g. postgres://postgres@127.0.0.1/test).
## The two databases run side by side (one core each; the PostgreSQL run has its own
## FENGQIAO_HOME and prints its log when the SQLite run ends); TEST_SERIAL=1 runs them in turn.
test: install-test
	$(BIN)/ruff check .
	FENGQIAO_HOME=$(CURDIR)/var/test DATABASE_URL= $(BIN)/mypy
	@bash scripts/test-both.sh "$(BIN)/python" "$(CURDIR)" $(PYTEST_ARGS)

## make bench: the benchmarks in bench/ (never part of make test) on SQLite and on the
## PostgreSQL server of BENCH_POSTGRES; BENCH="p3" picks some, BENCH_ARGS="--seconds 20" tunes
## them, BENCH_POSTGRES= (empty) runs SQLite only
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres
bench: install
	$(BIN)/python -m bench $(BENCH) --database "" $(if $(BENCH_POSTGRES),--database $(BENCH_POSTGRES)) $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	FENGQIAO_HOME=$(CURDIR)/var/test DATABASE_URL= $(BIN)/mypy

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .coverage
