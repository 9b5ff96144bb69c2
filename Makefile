# hpc-jupyter: `make demo` to try it, `make test` for everything CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hpc-jupyter-installed
DEMO_DIR ?= .demo

.PHONY: help install lint format typecheck check-auth pytest extension-check wheel-check test demo clean

help:
	@echo "make demo   create the environment and start JupyterLab on the quickstart notebook"
	@echo "make test   lint, type-check, auth check, tests, extension and wheel checks (what CI runs)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

check-auth: install
	$(BIN)/python scripts/check_auth.py

pytest: install
	$(BIN)/python -m pytest

extension-check: install
	$(BIN)/jupyter server extension list 2>&1 | grep -E "hpc_jupyter .*OK"

wheel-check: install
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w dist .
	$(BIN)/python scripts/check_wheel.py dist/*.whl

test: lint typecheck check-auth extension-check wheel-check pytest

demo: install
	mkdir -p $(DEMO_DIR)
	test -f $(DEMO_DIR)/quickstart.ipynb || cp notebooks/quickstart.ipynb $(DEMO_DIR)/
	cd $(DEMO_DIR) && $(abspath $(BIN))/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) quickstart.ipynb

clean:
	rm -rf $(VENV) dist build $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
