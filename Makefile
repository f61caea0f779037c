# The user interface of the platform. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RTDP := $(BIN)/rtdp
ENV ?= local
SCALE ?= 100000
SEED ?= 42
# The generated history ends the day before NOW (YYYY-MM-DD; empty: today).
NOW ?=
WORLD = --scale $(SCALE) --seed $(SEED) $(if $(NOW),--now $(NOW))
STREAM_EVENTS ?= 3000

# The local AWS emulator's administrator keys (not secrets); real AWS (ENV=prod) uses your own credentials.
ifneq ($(ENV),prod)
export AWS_ACCESS_KEY_ID ?= test
export AWS_SECRET_ACCESS_KEY ?= test
endif

AIRFLOW_VENV := .venv-airflow
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEEL ?= dist/rtdp-$(VERSION)-py3-none-any.whl
# The infrastructure targets want ENV said out loud, never the `local` default.
TARGET_ENV := $(if $(filter file,$(origin ENV)),,$(ENV))

.PHONY: help install lock demo test lint test-fast bench bench-stream wheel plan deploy destroy bootstrap up down status pipeline airflow airflow-install airflow-stop dashboard dashboard-stop browser images engine engine-stop bench-dashboard bench-containers tools test-infra check progress solution docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Exactly the locked environment (every package and its hash), then the platform itself.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@command -v java >/dev/null || { echo "error: Java 17 is required for Spark and Kafka (install a JDK 17)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; echo "error: requirements.lock does not match pyproject.toml: run make lock"; exit 1; }
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the platform with all its pinned dependencies

demo: install ## Generate data and run the whole platform on the local default; prints where the results are
	$(RTDP) run --env local $(WORLD) --stream-events $(STREAM_EVENTS)

TEST_WORKERS ?= 0
test: install airflow-install tools browser ## Run the whole test suite (starts the local stack it needs by itself; TEST_WORKERS=N: N parallel workers)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

images: wheel tools ## Build the project's images (Docker, else podman; offline: a Debian base made here)
	$(RTDP) stack jars
	bash infra/containers/images.sh

engine: ## Without a Docker engine: podman serves the Docker API to docker and docker compose (prints DOCKER_HOST)
	bash infra/containers/engine.sh start

engine-stop: ## Stop what `make engine` started
	bash infra/containers/engine.sh stop

browser: ## Install Debian's chromium for the browser tests (apt-get, once)
	bash infra/browser/install.sh

tools: ## Build OpenTofu and its providers into .cache/terraform (long the first time)
	bash infra/toolchain/install.sh

test-infra: install tools ## Run the Terraform tests: fmt, validate, apply/plan/destroy against the emulator
	$(BIN)/pytest tests/infra

lint: install ## Check the Python code with ruff
	$(BIN)/ruff check .

# No JVM (JAVA_HOME points nowhere) and no network but loopback: what fails here is not a unit test.
test-fast: install ## Run the hermetic unit tests (under 2 minutes): the loop after every edit
	JAVA_HOME=/nonexistent-jvm $(BIN)/pytest -m unit --allow-hosts=127.0.0.1,::1,localhost

UV_VERSION := $(shell sed -n 's/^ *"uv==\(.*\)",/\1/p' pyproject.toml)
lock: ## Regenerate requirements.lock (every package, with hashes) from the pins in pyproject.toml
	$(PYTHON) -m venv .cache/lock-venv
	.cache/lock-venv/bin/pip install --quiet uv==$(UV_VERSION)
	.cache/lock-venv/bin/uv pip compile pyproject.toml --extra dev --extra ml --extra dashboard --python-version 3.11 --generate-hashes \
	  --custom-compile-command 'make lock' --quiet -o requirements.lock

bench: install ## Measure the data generator (1M transactions)
	$(BIN)/python bench/bench_generator.py 1000000

RATE ?= 1000
MINUTES ?= 10
COMPACT_MINUTES ?= 5
bench-stream: up ## Measure the stream: a plain consumer's ceiling, the stream's catch-up, a soak at RATE events/s for MINUTES with a warehouse refresh and a compaction every COMPACT_MINUTES (writes docs/benchmarks.md)
	$(BIN)/python bench/bench_streaming.py --rate $(RATE) --minutes $(MINUTES) --compact-minutes $(COMPACT_MINUTES) --write

bench-dashboard: install ## Time one refresh of the dashboard's overview on the current warehouse (after make demo)
	$(BIN)/python bench/bench_dashboard.py --env $(ENV)

bench-containers: images engine ## Time the compose stack (profile full) from nothing to healthy and read each container's memory, then remove it
	$(BIN)/python bench/bench_containers.py

wheel: install ## Build the versioned wheel, the deployable artefact of the jobs
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
	@ls $(WHEEL)

plan: install ## Plan ENV=dev|prod: writes .state/plans/ENV.tfplan and a review (destroys, IAM first)
	$(RTDP) infra plan --env "$(TARGET_ENV)"

# Without WHEEL=..., the wheel of the checkout's version is built first; with it (promotion to
# prod), exactly that file is released. PLAN=<file> applies a reviewed plan instead of a new one.
deploy: install $(if $(filter command line environment,$(origin WHEEL)),,wheel) ## Deploy ENV=dev|prod: apply the plan, release the wheel, SQL and DAGs
	$(RTDP) infra deploy --env "$(TARGET_ENV)" --wheel "$(WHEEL)" $(if $(APPROVE),--approve) $(if $(REPLACE),--replace) $(if $(PLAN),--plan "$(PLAN)") $(if $(DIGEST),--reviewed-digest "$(DIGEST)")

destroy: install ## Destroy ENV=dev|prod (the state bucket stays)
	$(RTDP) infra destroy --env "$(TARGET_ENV)" $(if $(APPROVE),--approve)

bootstrap: install ## Create the Terraform state bucket of ENV=dev|prod (once)
	$(RTDP) infra bootstrap --env "$(TARGET_ENV)"

up: install ## Start the local stack: Kafka (KRaft) on 127.0.0.1:9092, AWS emulator on 127.0.0.1:4566, Spark master 127.0.0.1:7077 and two workers
	$(RTDP) stack up --env dev

down: install ## Stop what `make up` started
	$(RTDP) stack down --env dev

status: install ## Show the local stack's services
	$(RTDP) stack status --env dev

pipeline: install ## Run the batch pipeline in ENV (e.g. `make pipeline ENV=dev` on the local stack)
	$(RTDP) run --env $(ENV) $(WORLD)

$(AIRFLOW_VENV)/.installed: pyproject.toml infra/airflow/requirements.txt infra/airflow/constraints.txt
	PYTHON=$(PYTHON) infra/airflow/install.sh

airflow-install: $(AIRFLOW_VENV)/.installed ## Create .venv-airflow: Apache Airflow plus the platform, pinned

airflow: airflow-install ## Start Airflow on 127.0.0.1 (prints the URL and the admin login); DAGs from dags/
	SCALE=$(SCALE) infra/airflow/start.sh

airflow-stop: ## Stop what `make airflow` started
	infra/airflow/stop.sh

dashboard: install ## Serve the live dashboard on 127.0.0.1 (ENV=local by default; after make demo)
	$(RTDP) dashboard start --env $(ENV)

dashboard-stop: ## Stop what `make dashboard` started
	$(RTDP) dashboard stop --env $(ENV)

docs: install ## Build the course as a static site into .cache/site (broken links fail the build)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --quiet
	@echo "The course site: .cache/site/index.html"

# The course (course/lessons): grade a day, show progress, apply or take back a reference solution.
check: install ## Grade your work of one day of the course: make check DAY=n
	@test -n "$(DAY)" || { echo "error: say which day: make check DAY=n (see make progress)"; exit 1; }
	@$(BIN)/python -m course check $(DAY)

progress: install ## The 30 days of the course: passed, failed, not tried, and what to do next
	@$(BIN)/python -m course progress

solution: install ## Apply a day's reference solution (make solution DAY=n; UNDO=1 takes it back)
	@test -n "$(DAY)" || { echo "error: say which day: make solution DAY=n"; exit 1; }
	@$(BIN)/python -m course solution $(DAY) $(if $(UNDO),--undo)

clean: ## Remove generated data and build outputs (keeps .venv and the tools cache)
	rm -rf data dist build spark-warehouse
