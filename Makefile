# hpc-jupyter: `make demo` to try it, `make test` for everything CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hpc-jupyter-installed
DEMO_DIR ?= .demo
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install labextension labextension-lint jest labextension-check browser lint layers format typecheck check-auth docs pytest browser-test extension-check wheel-check test demo clean

help:
	@echo "make demo   create the environment and start JupyterLab on the quickstart notebook"
	@echo "make test   lint, layers, type-check, auth check, docs, tests, extension and wheel checks (what CI runs)"
	@echo "make docs   build the documentation (docs/) into docs/_build/html"

# The editable install also builds the labextension (hatch-jupyter-builder runs npm); the
# develop step then links the venv's share/jupyter/labextensions/hpc-jupyter to the build
# output, so a rebuild (`make labextension`) is what JupyterLab loads next time. A second
# install (pyproject.toml changed) first drops that link: pip would otherwise write the wheel's
# install.json through it into the build output, and the next wheel would hold it twice.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	rm -f $(VENV)/share/jupyter/labextensions/hpc-jupyter hpc_jupyter/labextension/install.json
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter-builder develop --overwrite . >/dev/null
	touch $(STAMP)

install: $(STAMP)

# .pre-commit-config.yaml runs the same checks (and mypy, eslint, prettier) on each commit.
lint: layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/codespell

# Who may import whom (ARCHITECTURE.md): the import-linter contracts in pyproject.toml.
layers: install
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

check-auth: install
	$(BIN)/python scripts/check_auth.py

# The documentation site (Sphinx + MyST, docs/): any warning, a broken link or include
# among them, fails the build. Nothing is fetched from the network.
docs: install
	$(BIN)/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html

# The JupyterLab side panel (labextension/, TypeScript): npm dependencies, build, lint, jest.
LABEXT := labextension
NPM ?= npm
LABEXT_DEPS := $(LABEXT)/node_modules/.package-lock.json
LABEXT_BUILT := hpc_jupyter/labextension/package.json
LABEXT_SOURCES := $(shell find $(LABEXT)/src $(LABEXT)/style -type f -not -path '*/__tests__/*' 2>/dev/null) \
	$(LABEXT)/package.json $(LABEXT)/tsconfig.json

$(LABEXT_DEPS): $(LABEXT)/package.json $(wildcard $(LABEXT)/package-lock.json)
	cd $(LABEXT) && $(NPM) install --no-audit --no-fund
	touch $@

$(LABEXT_BUILT): $(LABEXT_DEPS) $(LABEXT_SOURCES) | install
	cd $(LABEXT) && PATH="$(abspath $(BIN)):$$PATH" $(NPM) run build:prod
	touch $@

labextension: $(LABEXT_BUILT)
	$(BIN)/jupyter labextension list 2>&1 | grep -E "hpc-jupyter .*enabled.*OK"

labextension-lint: $(LABEXT_DEPS)
	cd $(LABEXT) && $(NPM) run --silent lint

jest: $(LABEXT_DEPS)
	cd $(LABEXT) && $(NPM) test --silent -- --ci

labextension-check: labextension-lint jest labextension

# The browser test drives Debian's chromium (never a browser downloaded by Playwright). As
# root (CI containers) it is installed from the Debian archive; otherwise the test is skipped
# with its reason, except in CI (CI=true), where a missing browser is an error.
browser:
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "browser: $(CHROMIUM)"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends chromium; \
	elif [ "$$CI" = "true" ]; then \
		echo "browser: $(CHROMIUM) is missing; run as root or apt-get install chromium" >&2; \
		exit 1; \
	else \
		echo "browser: no $(CHROMIUM), the browser test will be skipped" \
			"(sudo apt-get install -y --no-install-recommends chromium)" >&2; \
	fi
	@# The Hub test with real local users (tests/hub/test_hub_local_users.py) runs as root and
	@# lets those users reach the venv with POSIX ACLs: Debian's acl (setfacl).
	@if [ "$$(id -u)" = "0" ] && ! command -v setfacl >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends acl; \
	fi

# Test processes side by side: each Slurm release's tests in one of them, every other module a
# unit of its own (tests/conftest.py). The suite waits on Slurm and browsers far more than on CPU.
PYTEST_WORKERS ?= 4

pytest: install browser labextension
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

browser-test: install browser labextension
	$(BIN)/python -m pytest -m browser tests/browser

extension-check: install
	$(BIN)/jupyter server extension list 2>&1 | grep -E "hpc_jupyter .*OK"

wheel-check: install labextension
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w dist .
	$(BIN)/python scripts/check_wheel.py dist/*.whl

test: lint typecheck check-auth docs labextension-check extension-check wheel-check pytest

demo: install labextension
	mkdir -p $(DEMO_DIR)
	test -f $(DEMO_DIR)/quickstart.ipynb || cp notebooks/quickstart.ipynb $(DEMO_DIR)/
	cd $(DEMO_DIR) && $(abspath $(BIN))/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) quickstart.ipynb

clean:
	rm -rf $(VENV) dist build $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache docs/_build
	rm -rf $(LABEXT)/node_modules $(LABEXT)/lib $(LABEXT)/tsconfig.tsbuildinfo hpc_jupyter/labextension tests/hub/node_modules-dir
