# mwaa-platform: the one entry point. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ENV ?= local
REGION ?= us-east-1
STACK ?= platform
PRIMARY_REGION ?= us-east-1
SECONDARY_REGION ?= us-west-2
# three workers on two cores, whole files per worker, in collection order (tests/conftest.py puts the longest
# files first; xdist would otherwise start the files with the most tests first and leave the longest ones for the
# end). A third worker fills the time the others spend waiting on Airflow and the emulator: pytest 1672 s with
# -n 3 against 1918 s with -n 2 on a fresh clone of this machine (both cores were otherwise busy).
PYTEST_ARGS ?= -n 3 --dist loadfile --no-loadscope-reorder
# `make test` runs the gates (validate, terraform test per file, checkov, schema gate) this many at a time, beside
# pytest at nice 19 (see gates-niced).
GATE_JOBS ?= 3

# Terraform and its provider are Go programs that spend much of their CPU collecting garbage on big configurations:
# with the collector running at 4x the live heap instead of 2x, `terraform test` of the platform root's sso file
# used 35 s of CPU instead of 48 s (maxrss 0.8 GB instead of 0.6). Exported to every terraform this Makefile and
# the tests start; set GOGC yourself to override.
GOGC ?= 400
export GOGC

STATE := $(CURDIR)/.state
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
UV := $(STATE)/tools/bin/uv
# checkov's newest release when last bumped; a new version gets its own venv, so bumping this line is enough
CHECKOV_VERSION := 3.3.30
CHECKOV := $(STATE)/checkov-$(CHECKOV_VERSION)/bin/checkov
export MWAA_PLATFORM_CHECKOV := $(CHECKOV)
BOOTSTRAP_PYTHON ?= $(shell command -v python3.11 || command -v python3)
export TF_CLI_CONFIG_FILE := $(STATE)/terraform.rc
export UV_CACHE_DIR ?= $(STATE)/cache/uv
# Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (as on our CI machines) nothing is ever cached,
# and every process compiles what it imports again (checkov --version: 5.6 s of CPU uncompiled, 1.4 s compiled;
# importing the CLI, the runbook and the restore engine: 1.26 s against 0.25 s).
export UV_COMPILE_BYTECODE ?= 1
export UV_PYTHON_PREFERENCE := only-system
export MWAA_PLATFORM_STATE := $(STATE)

MODULES := $(patsubst %/,%,$(sort $(dir $(wildcard modules/*/main.tf))))
EXAMPLES := $(patsubst %/,%,$(sort $(dir $(wildcard modules/*/examples/*/main.tf))))
STACKS := $(patsubst %/,%,$(sort $(dir $(wildcard terraform/*/main.tf))))
LOCAL_ENV := $(STATE)/local.env

.PHONY: help
help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo; echo "  ENV=$(ENV) REGION=$(REGION) STACK=$(STACK) (e.g. make plan ENV=dev REGION=us-east-1)"

# ---------------------------------------------------------------------------------------------------------------
# Set-up (idempotent)
# ---------------------------------------------------------------------------------------------------------------
$(UV):
	@test -n "$(BOOTSTRAP_PYTHON)" || { echo "error: python3.11 (or python3 >= 3.11) is needed on PATH" >&2; exit 2; }
	@$(BOOTSTRAP_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python >= 3.11 needed ($(BOOTSTRAP_PYTHON))" >&2; exit 2; }
	$(BOOTSTRAP_PYTHON) -m venv $(STATE)/tools
	$(STATE)/tools/bin/pip install -q --disable-pip-version-check uv

$(STATE)/setup.stamp: pyproject.toml | $(UV)
	$(UV) venv -q --allow-existing --python $(BOOTSTRAP_PYTHON) $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip install -q -e ".[dev]"
	@$(VENV)/bin/python -m compileall -q -j0 src >/dev/null  # the editable project too (UV_COMPILE_BYTECODE above)
	@touch $@

$(CHECKOV): | $(UV)
	$(UV) venv -q --allow-existing --python $(BOOTSTRAP_PYTHON) $(STATE)/checkov-$(CHECKOV_VERSION)
	VIRTUAL_ENV=$(STATE)/checkov-$(CHECKOV_VERSION) $(UV) pip install -q "checkov==$(CHECKOV_VERSION)"

$(TF_CLI_CONFIG_FILE): scripts/terraform-cli-config.sh
	@scripts/terraform-cli-config.sh $@

.PHONY: setup
setup: $(STATE)/setup.stamp $(CHECKOV) $(TF_CLI_CONFIG_FILE) browser ## install the toolchain: uv, .venv, checkov, Terraform CLI config, headless Chromium
	@echo "setup: ok ($(PY), $$(terraform version | head -1))"

# Headless Chromium + chromedriver (Debian packages) for tests/sso/test_browser_sso.py. Where they cannot be
# installed, set-up goes on and says so; that test then fails with the same message (it never skips).
.PHONY: browser
browser: ## install Debian's chromium + chromium-driver when missing (the SSO browser test)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "browser: ok ($$(chromium --version 2>/dev/null | head -1))"; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "browser: NOT INSTALLED: chromium + chromium-driver need root and apt-get (run as root:" \
	       "apt-get update && apt-get install -y chromium chromium-driver); tests/sso/test_browser_sso.py will fail" >&2; \
	else \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver) >/dev/null \
	    || { echo "browser: apt-get could not install chromium chromium-driver" >&2; exit 1; }; \
	  echo "browser: installed $$(chromium --version 2>/dev/null | head -1)"; \
	fi

.PHONY: airflow
airflow: setup ## install every constrained Airflow runtime of the version table (the embedded default uses them)
	$(PY) -c 'from mwaa_platform import versions; from mwaa_platform import airflow_runtime as a; [print(a.ensure(v).venv) for v in versions.runnable()]'

.PHONY: versions
versions: setup ## write what is generated from src/mwaa_platform/versions/table.json (module copy, its tftest, README table)
	$(PY) -m mwaa_platform.versions.generate

# ---------------------------------------------------------------------------------------------------------------
# Gates
# ---------------------------------------------------------------------------------------------------------------
.PHONY: lint
lint: setup docs-check ## ruff + terraform fmt -check + docs-check
	$(VENV)/bin/ruff check $(wildcard src tests scripts bench dags plugins)
	terraform fmt -check -recursive -diff modules terraform
	$(PY) -m mwaa_platform.versions.generate --check
	PYTHONPATH=src $(VENV)/bin/lint-imports --no-cache

.PHONY: fmt
fmt: setup ## format Terraform and fix what ruff can
	terraform fmt -recursive modules terraform
	$(VENV)/bin/ruff check --fix $(wildcard src tests scripts bench dags plugins)

.PHONY: docs docs-check
docs: setup ## regenerate the Inputs/Outputs tables of modules/*/README.md (and terraform/*/README.md) from the code
	$(PY) -m mwaa_platform.tooling.tfdocs
docs-check: setup ## fail, with the diff, when a README's generated Inputs/Outputs tables are out of date
	@$(PY) -m mwaa_platform.tooling.tfdocs --check && echo "docs-check: module READMEs match their variables/outputs"

# Terraform's plugin cache (used only when providers come from the registry; see scripts/terraform-cli-config.sh)
# is not safe for concurrent first installs: one init fills it before the gates that run side by side
# (validate, tftest) init their directories from it. With a filesystem mirror this is one quick init.
$(STATE)/tf-plugin-cache.stamp: $(TF_CLI_CONFIG_FILE)
	@d=$(STATE)/tf-warm; mkdir -p $$d; \
	  ( cd modules/network && TF_DATA_DIR=$$d terraform init -backend=false -input=false -no-color >$$d/init.log 2>&1 ) \
	  || { cat $$d/init.log; exit 1; }
	@touch $@

.PHONY: validate
validate: setup $(STATE)/tf-plugin-cache.stamp ## terraform validate every module, example and root stack
	@for d in $(MODULES) $(EXAMPLES) $(STACKS); do \
	  if grep -qs configuration_aliases $$d/versions.tf; then \
	    echo "validate via examples: $$d (aliased providers are configured by callers)"; continue; fi; \
	  data=$(STATE)/tf-validate/$$d; mkdir -p $$data; \
	  ( cd $$d && TF_DATA_DIR=$$data terraform init -backend=false -input=false -no-color >$$data/init.log 2>&1 \
	    || { cat $$data/init.log; exit 1; } ) ; \
	  ( cd $$d && TF_DATA_DIR=$$data terraform validate -no-color >/dev/null ) || { echo "validate FAILED: $$d"; (cd $$d && TF_DATA_DIR=$$data terraform validate -no-color); exit 1; }; \
	  echo "validate ok: $$d"; \
	done

# terraform test, one job per test file (make -j runs them side by side; each directory is initialised once).
# The longest files come first so that the slowest ones do not start last.
TFTEST_DIRS := $(MODULES) $(foreach s,$(STACKS),$(if $(wildcard $(s)/tests),$(s)))
TFTEST_ALL := $(sort $(wildcard $(addsuffix /tests/*.tftest.hcl,$(TFTEST_DIRS))))
TFTEST_FIRST := $(filter terraform/% modules/mwaa-environment/% modules/cross-account-data/%,$(TFTEST_ALL))
TFTEST_FILES := $(TFTEST_FIRST) $(filter-out $(TFTEST_FIRST),$(TFTEST_ALL))
TFTEST_INITS := $(addprefix tftest-init/,$(TFTEST_DIRS))
TFTEST_RUNS := $(addprefix tftest-run/,$(TFTEST_FILES))
tftest_dir = $(patsubst %/tests/,%,$(dir $(1)))

.PHONY: tftest tftest-have-tests $(TFTEST_INITS) $(TFTEST_RUNS)
tftest: tftest-have-tests $(TFTEST_RUNS) ## terraform test for every module and every root stack that has tests/ (mock providers, offline; one job per file)
	@echo "tftest: $(words $(TFTEST_FILES)) test files in $(words $(TFTEST_DIRS)) directories passed"

tftest-have-tests:
	@for d in $(MODULES); do [ -n "$$(ls $$d/tests/*.tftest.hcl 2>/dev/null)" ] \
	  || { echo "tftest: $$d has no tests/*.tftest.hcl (every module needs them)"; exit 1; }; done

$(TFTEST_INITS): tftest-init/%: setup $(STATE)/tf-plugin-cache.stamp
	@data=$(STATE)/tf-test/$*; mkdir -p $$data; \
	  ( cd $* && TF_DATA_DIR=$$data terraform init -backend=false -input=false -no-color >$$data/init.log 2>&1 ) \
	  || { cat $$data/init.log; exit 1; }

.SECONDEXPANSION:
$(TFTEST_RUNS): tftest-run/%: tftest-have-tests tftest-init/$$(call tftest_dir,$$*)
	@f=$*; d=$${f%/tests/*}; name=$$(basename $$f); data=$(STATE)/tf-test/$$d; log=$$data/$${name%.tftest.hcl}.log; \
	  ( cd $$d && TF_DATA_DIR=$$data terraform test -no-color -filter=tests/$$name ) >$$log 2>&1 \
	  || { cat $$log; echo "tftest FAILED: $$f"; exit 1; }; \
	  echo "tftest $$f: $$(tail -n 1 $$log)"

.PHONY: scan
scan: setup ## checkov over modules/ and terraform/ (0 failed checks required)
	@: > $(STATE)/checkov.txt; for d in modules terraform; do \
	  $(CHECKOV) --config-file .checkov.yaml -d $$d >> $(STATE)/checkov.txt 2>&1 || true; done
	@failed=$$(grep -Eo "Failed checks: [0-9]+" $(STATE)/checkov.txt | awk '{s+=$$3} END{print s+0}'); \
	 passed=$$(grep -Eo "Passed checks: [0-9]+" $(STATE)/checkov.txt | awk '{s+=$$3} END{print s+0}'); \
	 skipped=$$(grep -Eo "Skipped checks: [0-9]+" $(STATE)/checkov.txt | awk '{s+=$$3} END{print s+0}'); \
	 echo "checkov: passed=$$passed failed=$$failed skipped=$$skipped (modules/ + terraform/, details in .state/checkov.txt)"; \
	 if [ "$$failed" != 0 ] || [ "$$passed" = 0 ]; then { grep -E "^Check:|FAILED for|File:" $(STATE)/checkov.txt || true; } | sed -n 1,80p; exit 1; fi

.PHONY: schema-gate
schema-gate: setup $(STATE)/tf-plugin-cache.stamp ## every resource/data/provider argument is known to hashicorp/aws 5.100 and 6.x (offline)
	@$(PY) -m mwaa_platform.tooling.provider_schema_gate modules terraform

.PHONY: pytest
pytest: setup package ## the Python test suite (starts and stops its own emulator and PostgreSQL)
	@rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	 if [ $$rc = 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; exit $$rc

.PHONY: test gates-niced
test: lint $(STATE)/tf-plugin-cache.stamp ## every gate: lint, then pytest with validate + terraform test (one job per file) + checkov + schema gate beside it at the lowest CPU priority
	@$(MAKE) -j2 --output-sync=line pytest gates-niced
	@echo "make test: all gates passed"

# pytest leaves a core idle about a fifth of its time (its tests wait on Airflow, the emulator and each other):
# the gates run beside it at nice 19, so they take what pytest leaves and barely slow it down. Everything both
# share (venvs, checkov, the Terraform CLI config and plugin cache) is made before they split; the Lambda zips are
# pytest's alone.
gates-niced:
	@nice -n 19 $(MAKE) -j$(GATE_JOBS) --output-sync=target validate tftest scan schema-gate

# ---------------------------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------------------------
.PHONY: package
package: setup ## build the Lambda zips into build/lambda/
	@$(PY) scripts/package_lambdas.py build/lambda

# ---------------------------------------------------------------------------------------------------------------
# Embedded default and Terraform
# ---------------------------------------------------------------------------------------------------------------
.PHONY: up
up: setup package ## start the local AWS emulator, PostgreSQL and the local MWAA (prints the env to export)
	$(PY) -m mwaa_platform.cli local up > $(LOCAL_ENV).partial && mv $(LOCAL_ENV).partial $(LOCAL_ENV)
	@echo "up: environment in $(LOCAL_ENV) (. $(LOCAL_ENV) in a shell to use boto3/terraform against it)"

.PHONY: down
down: ## stop everything `make up` started (and nothing else)
	@if [ -x $(PY) ]; then $(PY) -m mwaa_platform.cli local down; $(PY) scripts/drill.py --stop; fi
	@rm -f $(LOCAL_ENV)

.PHONY: status
status: setup ## what the embedded default is running
	$(PY) -m mwaa_platform.cli local status

define with_env
	@case "$(ENV)" in local|local-*) test -f $(LOCAL_ENV) || { echo "error: ENV=$(ENV) needs 'make up' first" >&2; exit 2; }; \
	  set -a; . $(LOCAL_ENV); set +a;; esac; $(1)
endef

.PHONY: plan apply destroy output
plan: setup package ## terraform plan STACK for ENV in REGION (workspace = REGION)
	$(call with_env,scripts/tf.sh plan $(STACK) $(ENV) $(REGION))
apply: setup package ## terraform apply STACK for ENV in REGION
	$(call with_env,scripts/tf.sh apply $(STACK) $(ENV) $(REGION))
destroy: setup ## terraform destroy STACK for ENV in REGION
	$(call with_env,scripts/tf.sh destroy $(STACK) $(ENV) $(REGION))
output: setup ## terraform output of STACK for ENV in REGION
	$(call with_env,scripts/tf.sh output $(STACK) $(ENV) $(REGION) -json)

.PHONY: adopt
adopt: setup ## after a blue-green upgrade: STACK manages the new environment NEW_ENV (state rm + import; set mwaa.environment_name first)
	@test -n "$(NEW_ENV)" || { echo "usage: make adopt ENV=<env> REGION=<region> NEW_ENV=mwaa-<env>-<major>-<minor>" >&2; exit 2; }
	$(call with_env,$(PY) -m mwaa_platform.upgrade.adopt --stack $(STACK) --env $(ENV) --region $(REGION) --environment-name $(NEW_ENV))

.PHONY: apply-all destroy-all
apply-all: ## apply STACK in the primary, then the secondary region (the DR order)
	$(MAKE) apply REGION=$(PRIMARY_REGION)
	$(MAKE) apply REGION=$(SECONDARY_REGION)
destroy-all: ## destroy STACK in the secondary, then the primary region
	$(MAKE) destroy REGION=$(SECONDARY_REGION)
	$(MAKE) destroy REGION=$(PRIMARY_REGION)

.PHONY: demo
demo: setup package $(if $(filter local-%,$(ENV)),up) ## apply both regions, summarize them (FULL_OUTPUTS=1: every output); ENV=local: then the DR drill + report (left running: make down)
ifeq ($(ENV),local)
	$(PY) scripts/drill.py --demo --keep $(if $(FULL_OUTPUTS),--full-outputs)
else
	$(call with_env,$(PY) scripts/demo.py --env $(ENV) --primary $(PRIMARY_REGION) --secondary $(SECONDARY_REGION) $(if $(FULL_OUTPUTS),--full-outputs))
endif

.PHONY: drill
drill: setup package ## the DR drill: apply both regions, kill the primary's scheduler, fail over, verify, report (STRATEGY=backup_restore: the secondary is created on failover; AIRFLOW_VERSION=3.2.1: drill Airflow 3; SECONDARY_AIRFLOW_VERSION=3.2.1: a secondary upgraded first)
	$(PY) scripts/drill.py $(if $(STRATEGY),--strategy $(STRATEGY)) $(if $(AIRFLOW_VERSION),--airflow-version $(AIRFLOW_VERSION)) $(if $(SECONDARY_AIRFLOW_VERSION),--secondary-airflow-version $(SECONDARY_AIRFLOW_VERSION))

.PHONY: upgrade-drill
upgrade-drill: setup ## upgrade drill on its own embedded default: check, execute, verify, report + timeline (FROM=2.11.0 TO=3.2.1: one scenario; default 2.10.3->3.2.1 blue-green and 2.11.0->3.2.1 in place; report in .state/upgrade-drill)
	$(PY) scripts/upgrade_drill.py $(if $(FROM),--scenario $(FROM):$(or $(TO),3.2.1))

.PHONY: bench
bench: setup ## side-by-side metadata backup/restore benchmark against mwaa-dr (needs ../shared/peer-bench)
	bench/metadata/run.sh

.PHONY: bench-cross-version
bench-cross-version: setup ## cross-version (2.10.3 -> 3.2.1) vs same-version metadata restore of peer-bench scale data, side by side
	$(PY) bench/metadata/cross_version.py

.PHONY: clean
clean: down ## remove build output and local state (keeps caches)
	@if [ -x $(PY) ]; then $(PY) -c 'from mwaa_local.postgres import default_cluster; default_cluster().remove()'; fi
	rm -rf build $(STATE)/tf $(STATE)/tf-validate $(STATE)/tf-test $(STATE)/emulator $(STATE)/pg
