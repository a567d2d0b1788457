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

.PHONY: install run test lint types test-sqlite test-postgres test-deps clean messages

LOCALE := service/locale
PO_FILES := $(wildcard $(LOCALE)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
VENDOR := service/web/static/vendor

install: $(VENV)/.installed $(MO_FILES) $(VENDOR)/.built

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen
	touch $@

# Compiled catalogs are built, never committed; the .po files are the source.
$(LOCALE)/%/LC_MESSAGES/messages.mo: $(LOCALE)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -D messages -i $< -o $@ 2>&1 | grep -v '^compiling' || true
	@test -s $@

# Designsystemet, htmx and the Inter font from the npm registry (package-lock.json), copied
# into the folder Litestar serves as /static/vendor/. Never a CDN, never committed.
$(VENDOR)/.built: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/fonts
	cp node_modules/@digdir/designsystemet-css/dist/src/index.css $(VENDOR)/designsystemet.css
	cp node_modules/@digdir/designsystemet-theme/brand/digdir.css $(VENDOR)/theme.css
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	sed 's#./files/#fonts/#' node_modules/@fontsource-variable/inter/index.css > $(VENDOR)/inter.css
	cp node_modules/@fontsource-variable/inter/files/*-wght-normal.woff2 $(VENDOR)/fonts/
	touch $@

# Source strings changed: extract them and update every catalog (then translate the new ones).
messages: $(VENV)/.installed
	flock $(LOCALE)/.lock sh -c '$(BIN)/pybabel extract -F babel.cfg --add-location=file \
	  --sort-by-file -k N_ -k pgettext:1c,2 -k npgettext:1c,2,3 -k DomainError -k BadInput \
	  -k Invalid -k Expired -k NotFound -k Forbidden -k Conflict -k TooManyRequests -w 100 -o $(LOCALE)/messages.pot . && \
	  $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D messages \
	  -w 100 -i $(LOCALE)/messages.pot -d $(LOCALE)'
	$(MAKE) --no-print-directory $(MO_FILES)

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
# by the system Python) and feeds with Mozilla's ical.js (npm, installed by the tests);
# the browser tests (tests/browser) drive Debian's Chromium through Playwright.
ICAL_CHECK := /usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0")'
test-deps:
	@$(ICAL_CHECK) 2>/dev/null || { \
	  echo "installing libical's GObject bindings (gir1.2-ical-3.0, python3-gi)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    gir1.2-ical-3.0 python3-gi >/dev/null; }
	@[ -x /usr/bin/chromium ] || { \
	  echo "installing Debian's Chromium for the browser tests (chromium)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium >/dev/null; }
	cd tests/js && { [ -d node_modules ] || npm ci --silent --no-audit --no-fund; }

# Each engine's run has a Redis database of its own, so `make test` runs both side by side.
test-sqlite: install test-deps
	SAMLING_TEST_DB=sqlite SAMLING_TEST_REDIS_URL=redis://127.0.0.1:6379/13 $(BIN)/pytest -q

test-postgres: install test-deps
	SAMLING_TEST_DB=postgres SAMLING_TEST_REDIS_URL=redis://127.0.0.1:6379/14 $(BIN)/pytest -q

test: lint types test-deps
	$(MAKE) --no-print-directory --output-sync=recurse -j2 test-sqlite test-postgres

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache node_modules $(VENDOR) $(MO_FILES)
