# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit bench bench-deps clean web web-check browser-deps

NPM ?= npm
WEB_DEPS := web/node_modules/.package-lock.json
WEB_OUT := src/hostwatch/web

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hostwatch serve

test: web-check browser-deps lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# The dashboard: TypeScript in web/, built into the package (committed) so pip needs no Node.
# `npm install`, not `npm ci`: the registry mirror here serves only Linux builds of rollup's and
# esbuild's optional binaries, so the lock file cannot list every platform and `npm ci` calls it
# out of sync. `npm install` installs the locked versions and leaves package-lock.json unchanged.
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && $(NPM) install --no-audit --no-fund
	touch $(WEB_DEPS)

web: $(WEB_DEPS)
	cd web && $(NPM) run build

# The build is deterministic: a fresh build into a scratch folder must equal the committed one.
web-check: $(WEB_DEPS)
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	(cd web && $(NPM) run --silent build -- --outDir "$$scratch" --emptyOutDir --logLevel warn) && \
	if diff -r "$$scratch" $(WEB_OUT); then echo "web-check: $(WEB_OUT) matches a fresh build"; \
	else echo "web-check: $(WEB_OUT) is stale: run 'make web' and commit it" >&2; exit 1; fi

# Browser tests drive Debian's chromium (Playwright's own browser download does not work here).
browser-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Glances (the peer) lives in its own venv; wrk is Debian's HTTP load generator.
bench-deps: $(STAMP)
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	test -x bench/.venv-glances/bin/glances || \
	  ($(PYTHON) -m venv bench/.venv-glances && \
	   bench/.venv-glances/bin/pip install --quiet 'glances[web]>=4,<5')

bench: bench-deps
	$(BIN)/python bench/collect.py
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
