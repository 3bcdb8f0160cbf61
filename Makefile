# Tandem. The README names two commands: `make run` and `make test`.
# Everything else here is what those two need, plus helpers for developers.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv migrate seed lint messages lock bench clean

# The virtual environment, rebuilt from the lock whenever the lock changes.
$(STAMP): requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit("Tandem needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

var:
	mkdir -p var

migrate: $(STAMP) var
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_periodic_tasks

# Demo data is loaded once: the marker file records that it was.
var/.demo-seeded: | migrate
	$(MANAGE) seed_demo
	$(MANAGE) seed_demo_leads
	touch var/.demo-seeded

seed: migrate var/.demo-seeded

run: seed
	@echo
	@echo "Tandem is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and scheduler)"
	@$(MANAGE) seed_demo --print-logins
	@echo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho --procfile Procfile.dev start

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

# Regenerate the Chinese translations catalogue after adding strings, then compile it.
messages: $(STAMP)
	$(MANAGE) makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compilemessages --locale zh_Hans --ignore '.venv/*'

# Re-pin dependencies after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

# A benchmark, not a test: figures beside baselines, as JSON, on the configured database.
bench: $(STAMP)
	$(MANAGE) bench_leads $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
