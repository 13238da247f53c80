# Two set-up commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The origin browsers use: the WebSocket handshake and e-mailed links follow it. Derived from
# the address served unless set (and not empty) in the environment: behind a proxy, say.
ifeq ($(strip $(COUNTERPART_ORIGIN)),)
COUNTERPART_ORIGIN := http://$(HOST):$(PORT)
endif

.PHONY: install run test test-faults lint format bench messages lock

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core for the browser tests' accessibility checks (package.json, pinned by its lock file).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser tests' accessibility checks will be skipped"; fi

install: $(VENV)/.installed node_modules/.installed

run: install
	COUNTERPART_DEMO=1 $(PY) manage.py migrate --no-input
	COUNTERPART_DEMO=1 $(PY) manage.py compilemessages --ignore '.venv' -v 0 || true
	COUNTERPART_DEMO=1 COUNTERPART_ORIGIN=$(COUNTERPART_ORIGIN) $(PY) manage.py seed_demo
	@echo "Serving $(COUNTERPART_ORIGIN)/ (Ctrl-C stops it)"
	COUNTERPART_DEMO=1 COUNTERPART_ORIGIN=$(COUNTERPART_ORIGIN) \
	  $(PY) -m messaging.realtime.server -b $(HOST) -p $(PORT) network.asgi:application

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) -m pytest -n $${PYTEST_WORKERS:-2} -m "not faults" $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests were collected"; exit 1; fi; \
	  if [ $$status -ne 0 ]; then exit $$status; fi
	$(MAKE) --no-print-directory test-faults

# The fault tests start servers of their own and time outages: alone, one at a time.
test-faults: install
	$(PY) -m pytest -m faults $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then status=0; fi; exit $$status

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the catalogues from the code and templates, then compile them (commit both).
messages: install
	$(PY) manage.py makemessages -l es -l fr -l pt -l ar --no-obsolete \
	  --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) bench/directory_search.py
	$(PY) bench/fanout.py

# The image's dependencies, pinned with hashes (deploy/requirements.lock; commit it).
lock: install
	$(PY) -m pip install --quiet 'uv==0.13.8'
	{ printf '%s\n' "# The image's dependencies, pinned with hashes (pip install --require-hashes -r ...)." \
	    "# Regenerate after changing [project.dependencies] in pyproject.toml: make lock"; \
	  $(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	    --python-platform x86_64-manylinux_2_28 --no-header -q; } > deploy/requirements.lock
