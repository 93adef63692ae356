# The two commands of the README: `make demo` and `make test`. Everything else is set-up they run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/contactless/web/static/vendor
export CONTACTLESS_HOME ?= $(CURDIR)/var

.PHONY: demo test setup setup-dev loadgen assets browser services lint typecheck unit clean

demo: setup assets                ## build the demo bank in ./var and serve it on :8000
	$(BIN)/contactless demo --serve

test: setup-dev assets browser services   ## lint, type-check, check the layers, run the whole suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 -q -p no:cacheprovider

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev loadgen

# the HTTP benchmarks drive the server with Debian's wrk (C, so it leaves the CPU to the server)
loadgen:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

# front-end assets come from npm and are served from the Python package, never from a CDN
assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js
$(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/

# pages are tested in Debian's Chromium driven by Playwright (Playwright's own download is not
# used); QR labels need a CJK font, SVG decoding tests need cairo
browser:
	@test -x /usr/bin/chromium && test -d /usr/share/fonts/opentype/noto && \
	  ldconfig -p | grep -q libcairo.so.2 || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk libcairo2)

# the tests talk to the real PostgreSQL and Redis on 127.0.0.1; start whichever is down
services:
	@bash scripts/ensure-services.sh

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports
typecheck:
	$(BIN)/mypy
unit:
	$(BIN)/pytest -q -m "not browser" -p no:cacheprovider

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
