# Two commands for people: `make run` and `make test`. Both start with `make install`.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint types test-sqlite test-postgres test-deps clean

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen
	touch $@

run: install
	$(BIN)/samling migrate
	$(BIN)/samling demo
	$(BIN)/samling serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy service tasks emails

# The calendar tests check invitations with libical (Debian's GObject bindings, run
# by the system Python) and feeds with Mozilla's ical.js (npm, installed by the tests).
ICAL_CHECK := /usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0")'
test-deps:
	@$(ICAL_CHECK) 2>/dev/null || { \
	  echo "installing libical's GObject bindings (gir1.2-ical-3.0, python3-gi)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    gir1.2-ical-3.0 python3-gi >/dev/null; }
	cd tests/js && { [ -d node_modules ] || npm ci --silent --no-audit --no-fund; }

test-sqlite: install test-deps
	SAMLING_TEST_DB=sqlite $(BIN)/pytest -q

test-postgres: install test-deps
	SAMLING_TEST_DB=postgres $(BIN)/pytest -q

test: lint types test-sqlite test-postgres

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
