# Docket task runner. `make dev` and `make test` install what they need on a fresh machine.
SHELL := /bin/bash
PY_VERSION ?= 3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
CDK_VERSION := 2.1148.1
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: install dev test lint format typecheck unit integration infra-test e2e fuzz synth cdk-nag cfn-lint \
        layer bench soak seed-coverage openapi deploy clean rotate-keys audit-verify admin

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

# The project venv, synced from the lock file; a .pth makes `docket` (the layer) and `infra`
# importable by the same path everywhere: tests, the emulator, the CDK app and tools.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	$(PY) -c "import pathlib,sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'],'docket-dev.pth').write_text('$(abspath layers/core/python)\n$(abspath .)\n')"
	touch $@

install: $(VENV)/.synced

node_modules/.bin/cdk:
	npm install --no-audit --no-fund --silent aws-cdk@$(CDK_VERSION)

dev: install
	PORT=$(PORT) $(PY) -m infra.local

# One rotation of the token signing keys on the running `make dev` emulator (as Secrets Manager would).
rotate-keys:
	curl -fsS -X POST http://127.0.0.1:$(PORT)/_local/rotate-keys && echo

# Walk one organization's audit chain on the running `make dev` emulator and report the first broken
# link (on AWS: `python -m docket.audit.verify ORG` with the functions' DOCKET_* environment).
audit-verify:
	@test -n "$(ORG)" || (echo "usage: make audit-verify ORG=org_…" && exit 2)
	curl -sS http://127.0.0.1:$(PORT)/_local/audit-verify/$(ORG) && echo

# A platform administrator (seed 002's /admin), on the running `make dev` emulator: EMAIL=… [NAME=…].
# It prints a one-time set-password token. Against a deployment: see infra/tools/admin.py.
admin: install
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=ops@example.com [NAME='Olga Ops']"; exit 2; }
	$(PY) -m infra.tools.admin "$(EMAIL)" --name "$(NAME)" --emulator http://127.0.0.1:$(PORT)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: install
	$(PY) -m mypy

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

infra-test: install
	$(PY) -m pytest tests/infra

e2e: install
	$(PY) -m pytest tests/e2e

fuzz: install
	$(PY) -m pytest tests/e2e -m fuzz

# Every test: lint, types, unit, integration, infra (template, cdk-nag, cfn-lint), e2e, fuzz.
# The slowest tests are listed at the end, so the suite's time stays in view as it grows.
test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest tests/unit tests/integration tests/infra tests/e2e --durations=25

layer: install
	$(PY) -m infra.tools.build_layer

# CDK context as the CLI spells it: `make synth CONTEXT="docket:snapStart=true docket:xraySdk=true"`
CONTEXT ?=
synth: install layer
	$(PY) -m infra.app $(foreach c,$(CONTEXT),-c $(c))

cfn-lint: synth
	$(VENV)/bin/cfn-lint --non-zero-exit-code error cdk.out/*.template.json

deploy: install layer node_modules/.bin/cdk
	npx cdk deploy --no-notices

bench: install
	$(PY) -m infra.tools.bench

# The soak alone (also the last part of `make bench`): 10,000 requests from 8 clients through the
# emulator over HTTP; updates the soak section of docs/benchmarks.md.
soak: install
	$(PY) -m infra.tools.soak --write

seed-coverage: install
	$(PY) -m infra.tools.seed_coverage --write docs/seed-coverage.md

openapi: install
	$(PY) -m infra.tools.openapi --write

clean:
	rm -rf $(VENV) $(TOOLS) .build cdk.out node_modules
