# The one entry point for installing, running, testing and checking the project.
# `make help` lists the targets. Everything runs from the repository root.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; older than any requirements file means "install again".
STAMP := $(VENV)/.installed
SOURCES := shared services tests bench examples wsclient
PYTEST_ARGS ?=

.PHONY: help install run test lint format compose-check chaos cluster fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install the project with its pinned dev dependencies

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed; $(PYTHON) is " + sys.version.split()[0] + " (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: install ## start Redis/RabbitMQ if needed, then auth, gateway and workers (Ctrl-C stops)
	scripts/ensure-services.sh
	$(BIN)/ws-run

# pytest exits 5 when it collected nothing; that must never look like a pass.
test: install ## run the test suite against real Redis and RabbitMQ (PYTEST_ARGS=... to narrow)
	scripts/ensure-services.sh
	scripts/ensure-browser.sh
	@echo "$(BIN)/python -m pytest $(PYTEST_ARGS)"; rc=0; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests: that is a failure" >&2; fi; \
	exit $$rc

# Code blocks in Markdown are laid out for reading, not by the formatter. mypy is given only
# the source folders that hold Python files: it refuses an empty one.
lint: install ## ruff check, ruff format --check, mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --extend-exclude '*.md' .
	$(BIN)/mypy $$(for d in $(SOURCES); do [ -z "$$(find $$d -name '*.py' -print -quit 2>/dev/null)" ] || echo $$d; done)

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format --extend-exclude '*.md' .

chaos: install ## faults under load (worker kills, broker and Redis restarts): a table; CHAOS_SECONDS=60
	scripts/ensure-services.sh
	$(BIN)/python -m tests.reliability.chaos --seconds $${CHAOS_SECONDS:-60}

# Also part of `make test` (about 45 s); this prints the failover figures of docs/operations.md.
cluster: install ## three-node RabbitMQ cluster, quorum queues, a node killed under load: figures
	scripts/ensure-services.sh
	CLUSTER_TIMELINE=1 $(BIN)/python -m pytest -s -q -p no:cacheprovider tests/cluster

fuzz: install ## schemathesis against the running gateway's /openapi.json; FUZZ_SECONDS=120
	scripts/ensure-services.sh
	test -x .venv-fuzz/bin/st || { $(PYTHON) -m venv .venv-fuzz && .venv-fuzz/bin/pip install --quiet --disable-pip-version-check -r requirements-fuzz.txt; }
	$(BIN)/python -m tests.reliability.fuzz_api --seconds $${FUZZ_SECONDS:-120}

compose-check: install ## validate docker-compose.yml (real `docker compose config` + structure tests)
	scripts/compose-check.sh

# Loopback only, bounded in time: ~7 min (BENCH_QUICK=1: ~1 min; BENCH_SOAK=1 adds 10 min).
bench: install ## benchmark our call path against bare aiohttp/aio-pika baselines (docs/performance.md)
	scripts/ensure-services.sh
	$(BIN)/python -m bench.run

clean: ## remove the virtualenvs, caches and build output (keeps .local/ state)
	rm -rf $(VENV) .venv-tools .venv-fuzz .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
