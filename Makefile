# TraqNext: `make run` opens the workbench on demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TRAQ := $(VENV)/bin/traq
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export TRAQ_DATA_DIR ?= $(CURDIR)/traq-data
DEMO_EMPLOYEES ?= 60
DEMO_DAYS ?= 30
PORT ?= 8501
ADMIN ?=

.PHONY: run test lint typecheck install bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: $(STAMP)
	$(TRAQ) init $(if $(ADMIN),--admin $(ADMIN))
	@if [ ! -f "$(TRAQ_DATA_DIR)/.demo-done" ]; then \
		$(TRAQ) demo --if-empty --employees $(DEMO_EMPLOYEES) --days $(DEMO_DAYS) && touch "$(TRAQ_DATA_DIR)/.demo-done"; \
	fi
	$(TRAQ) app --port $(PORT)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(PY) -m mypy

# Two workers, whole files each (module fixtures stay on one worker): CI stays well under
# 25 minutes on two cores; `pytest path` alone runs serially.
test: lint typecheck
	$(PY) -m pytest -n 2 --dist loadfile --durations=30

bench: $(STAMP)
	$(PY) benchmarks/bench_ingest.py

clean:
	rm -rf $(VENV) traq-data test-output
