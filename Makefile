# One-word commands: make run, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SHELL := /bin/bash

.PHONY: run test lint bench gpu-check install install-dev clean system-deps

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-gpu.txt requirements-ops.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

run: install
	PY=$(PY) PORT=$(PORT) devops/local/run.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
# worker.py shares its module name with worker/, so mypy checks it alone, as a program.
	$(VENV)/bin/mypy --config-file= --python-version 3.11 --follow-imports=silent \
		--cache-dir .mypy_cache/worker.py -c "$$(cat worker.py)"
	$(VENV)/bin/shellcheck devops/runpod/*.sh devops/local/*.sh .ci/run

# Chromium, PostgreSQL and PgBouncer: installed when missing as root, else the exact command.
system-deps:
	devops/local/system-deps.sh

test: system-deps lint
	$(PY) -m pytest

bench: install-dev
	$(PY) bench/queue_latency.py
	$(PY) bench/api.py
	$(PY) bench/gpu_check.py --smoke

# The GPU check on one CUDA GPU (docs/benchmarks.md); writes var/gpu_check.{json,md}.
gpu-check: install-dev
	mkdir -p var
	$(PY) bench/gpu_check.py --json var/gpu_check.json --markdown var/gpu_check.md

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
