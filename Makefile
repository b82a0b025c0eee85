# One entry point per task. Everything installs what is missing first (apt-get, .venv).
#   make run       embedded: SpatiaLite + in-memory channel layer + demo city on 127.0.0.1:$(PORT)
#   make test      make lint, then + PostgreSQL/PostGIS and Redis on loopback (reused when listening)
#   make lint      ruff, the import contracts and the house-rule checker (no services; seconds)
#   make app       the field handset (Kivy) against BASE_URL
#   make simulate  drive N cases (default 50) through the loop against BASE_URL
#   make bench     every benchmark in bench/
#   make cluster   nginx + 3 app nodes + PostgreSQL primary/standby + Redis with Sentinel on
#                  loopback (docs/scaling.md); make cluster-stop stops it
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
N ?= 50
BASE_URL ?= http://127.0.0.1:$(PORT)
export PYTHONDONTWRITEBYTECODE := 1
# ruff (ruff.toml), the import contracts (.importlinter), then what neither can say
# (scripts/check_house_rules.py); all three run, and any finding fails. docs/development.md
# says what each checks and why.
LINT := (rc=0; $(PY) -m ruff check --quiet --output-format concise . || rc=1; \
	.venv/bin/lint-imports --no-cache --no-logo || rc=1; \
	$(PY) scripts/check_house_rules.py || rc=1; exit $$rc)

.PHONY: setup setup-services run app test test-fast simulate bench lint migrations-check clean \
	cluster cluster-stop

setup:
	@bash scripts/install-system.sh base
	@bash scripts/install-python.sh
	@bash scripts/install-frontend.sh

setup-services:
	@bash scripts/install-system.sh services
	@bash scripts/install-python.sh
	@bash scripts/install-frontend.sh

run: setup
	@PORT=$(PORT) bash scripts/run.sh

# make lint first (seconds, no services), then scripts/test-suites.sh, three lanes side by side:
# the suite on PostGIS + Redis; the end-to-end tests (real servers on both databases); the
# server tests again on the SpatiaLite default, then the browser tests and the handset's screens
# (each in its own process: Playwright's sync API, pytest-asyncio and Kivy clash in one).
test: setup-services
	@set -e; $(LINT); eval "$$(bash scripts/services.sh)"; bash scripts/test-suites.sh

# Quick loop for developers: pure packages and the lint checker, no services needed.
test-fast: setup
	@$(PY) -m pytest -q -p no:cacheprovider tests/workflows tests/gis tests/gridmaps tests/scripts

# The field handset (Kivy) on the desktop, talking to BASE_URL (the server of `make run`).
app: setup
	@$(PY) -m mobileapp --base-url $(BASE_URL)

simulate: setup
	@$(PY) -m bench.simulate --base-url $(BASE_URL) -n $(N)

bench: setup-services
	@set -e; eval "$$(bash scripts/services.sh)"; for b in bench/*.py; do \
	  m=$$(basename $$b .py); case $$m in __init__|simulate|wsclient|common) continue;; esac; \
	  echo "== bench.$$m"; DCM_EMBEDDED=1 $(PY) -m bench.$$m; done

# The past-one-machine topology from real engines on loopback (scripts/cluster.sh, run by hand;
# never part of `make test`).
cluster: setup-services
	@bash scripts/cluster.sh start

cluster-stop:
	@bash scripts/cluster.sh stop

lint: setup
	@$(LINT)

migrations-check: setup
	@DCM_EMBEDDED=1 $(PY) server/manage.py makemigrations --check --dry-run

clean:
	rm -rf var
