# One-word commands: make run, make test, make lint, make bench.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SHELL := /bin/bash
# The locks resolve for the machines we run on (Linux x86_64, CPython 3.11); make lock keeps the
# pins they already hold, so it only moves what requirements*.txt changed (UPGRADE=1: everything).
# --no-strip-extras: pip's hash-checking mode wants e.g. uvicorn[standard] pinned as such.
LOCK := $(VENV)/bin/uv pip compile --quiet --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --generate-hashes --no-strip-extras \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: run test test-fast lint lock bench gpu-check install install-dev clean system-deps

# The lock files pin every transitive dependency with its hashes: a fresh machine installs exactly
# what was tested. A changed lock reinstalls.
$(VENV)/.run-installed: requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.lock
	touch $@ $(VENV)/.run-installed

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

# After editing requirements*.txt. requirements.lock and requirements-gpu.lock take the dev lock's
# versions, so the API and the GPU worker run with the versions the tests ran with.
lock: install-dev
	$(LOCK) -o requirements-dev.lock requirements-dev.txt
	$(LOCK) -c requirements-dev.lock -o requirements.lock requirements.txt
	$(LOCK) -c requirements-dev.lock -o requirements-gpu.lock requirements-gpu.txt

run: install
	PY=$(PY) PORT=$(PORT) devops/local/run.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
# The tests on their own line: mypy's `files` (pyproject.toml) names the product code.
	$(VENV)/bin/mypy tests
# worker.py shares its module name with worker/, so mypy checks it alone, as a program.
	$(VENV)/bin/mypy --config-file= --python-version 3.11 --follow-imports=silent \
		--cache-dir .mypy_cache/worker.py -c "$$(cat worker.py)"
	$(VENV)/bin/shellcheck devops/runpod/*.sh devops/local/*.sh .ci/run

# Chromium, PostgreSQL and PgBouncer: installed when missing as root, else the exact command.
system-deps:
	devops/local/system-deps.sh

# The SSO tests' OpenID provider (oidc-provider under Node), installed exactly as locked;
# again only when the lock changes.
OIDC_PROVIDER := tests/support/oidc
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json | system-deps
	npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --loglevel=error
	touch $@

# Coverage of the code the tests run in-process (its floor is fail_under in pyproject.toml);
# worker and app subprocesses are not measured.
test: system-deps lint $(OIDC_PROVIDER)/node_modules/.installed
	$(PY) -m pytest --cov --durations=20

# tests/unit alone, under a minute: the guard fails any of them that needs PostgreSQL, Chromium
# or torch.
test-fast: install-dev
	$(PY) -m pytest -p tests.support.fast tests/unit

bench: install-dev
	$(PY) bench/queue_latency.py
	$(PY) bench/api.py
	$(PY) bench/video.py
	$(PY) bench/enhance.py
	$(PY) bench/gpu_check.py --dry-run
	$(PY) bench/flops.py

# The GPU check on one CUDA GPU (docs/benchmarks.md); writes var/gpu_check.{json,md} after every
# case and starts no case after 8 minutes.
gpu-check: install-dev
	mkdir -p var
	$(PY) bench/gpu_check.py --json var/gpu_check.json --markdown var/gpu_check.md

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache .coverage
