# The quick start is `make demo` then `make test`; both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test test-chaos install install-test lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exact versions from the lock files, then the project itself on top of them.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/obligations demo

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The chaos tests at full size: 1,000 messages, dispatch killed 20 times (make test runs a smaller size).
test-chaos: install-test
	OBLIGATIONS_CHAOS=full $(BIN)/python -m pytest -q -s tests/chaos

lint: install-test
	$(BIN)/ruff check .

# Benchmarks (never part of `make test`): each prints one JSON object, progress on stderr.
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: install-test
	$(BIN)/python -m bench.sweep --occurrences 10000
	$(BIN)/python -m bench.sweep --occurrences 100000
	$(BIN)/python -m bench.dispatch
	$(BIN)/python -m bench.importer

# Adds a million occurrences on SQLite, and PostgreSQL at every size (BENCH_PG_URL).
.PHONY: bench-full
bench-full: bench
	$(BIN)/python -m bench.sweep --occurrences 1000000
	$(BIN)/python -m bench.sweep --occurrences 10000 --database-url $(BENCH_PG_URL)
	$(BIN)/python -m bench.sweep --occurrences 100000 --database-url $(BENCH_PG_URL)
	$(BIN)/python -m bench.sweep --occurrences 1000000 --database-url $(BENCH_PG_URL)

# After changing a range in pyproject.toml: write the lock files anew (the test lock first, so that
# the runtime lock takes the same versions).
LOCKVENV := $(VENV)-lock
lock:
	test -x $(LOCKVENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCKVENV) && $(LOCKVENV)/bin/pip install --quiet pip-tools)
	$(LOCKVENV)/bin/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		--extra test -o requirements-test.lock pyproject.toml
	$(LOCKVENV)/bin/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		-c requirements-test.lock -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) $(LOCKVENV) var .pytest_cache .hypothesis build
