# ceasefire-sim: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/white_house_2025-03-13.yaml
OUT ?= results/baseline
WORLDS ?= 2000
SEED ?= 1

.PHONY: install run test lint bench validate docs calibrate-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,app,docs,calibration]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ceasefire-sim run $(SCENARIO) --worlds $(WORLDS) --seed $(SEED) --out $(OUT) --figures

# The suite runs on every core (TEST_WORKERS=1 runs it in one process); each test file stays on
# one worker, so tests that share a file's fixtures and outputs never run at once.
TEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/classroom.py

validate: $(STAMP)
	$(BIN)/ceasefire-sim validation-report --out docs/validation.md

# The documentation site, into site/ (warnings are errors).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Refit the shipped calibration spec (seeded, one core) and check it gives the shipped posterior
# byte for byte; prints the effective sample size, the s.d. ratios and the predictive coverage.
calibrate-check: $(STAMP)
	$(BIN)/ceasefire-sim calibrate scenarios/calibration/front.yaml -o results/calibrate-check \
		--expect src/ceasefire_sim/data/posterior/front_2025-03-13.csv
	$(BIN)/python -m ceasefire_sim.calibration.acceptance results/calibrate-check/diagnostics.json

clean:
	rm -rf $(VENV) results site .pytest_cache
