# One-machine commands. `make run` and `make test` install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.install-stamp

.PHONY: install run test test-fast system-packages bench bench-search bench-embed clean-test-data

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(PY) -m dam.serve

# Headless Chromium drives the browser tests; docker-compose (without an
# engine) validates docker-compose.yml. Both come from Debian's packages.
system-packages:
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		 apt-get install -y -qq --no-install-recommends chromium docker-compose >/dev/null)

test: install system-packages
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser"

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/search.py
	$(PY) bench/embed.py

# One benchmark at a time. bench/search.py keeps its rows and indexes under
# var/bench-search; the first run at 1M builds them (tens of minutes here).
bench-search: install
	$(PY) bench/search.py

bench-embed: install
	$(PY) bench/embed.py
