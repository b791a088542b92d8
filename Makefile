# Common Purse. `make run` and `make test` are the whole quick start.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DATABASE_URL ?= sqlite:///$(CURDIR)/var/common-purse.db
export DATABASE_URL
# `make run HOST=0.0.0.0 PORT=8080` serves the hall's Wi-Fi on another port.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-slow lint bench bench-full setup clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

# Set up, migrate, seed the demo if the database is new, and serve on $(HOST):$(PORT).
run: $(STAMP)
	$(PY) main.py demo --host $(HOST) --port $(PORT)
	$(PY) main.py serve --host $(HOST) --port $(PORT)

# Everything but the long pabutools comparisons on the big real files (see test-slow), in two
# processes (pytest-xdist): each has its own PostgreSQL scratch database and its own chromium.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n $(TEST_WORKERS) --durations=25

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow --timeout=1800 tests/rules

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/tally.py --quick

# The four largest real instances side by side with pabutools: about 40 minutes (pabutools is the slow side).
bench-full: $(STAMP)
	$(PY) bench/tally.py --pabutools-timeout 300

clean:
	rm -rf var .pytest_cache
