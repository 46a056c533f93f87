# `make demo` and `make test` create their own virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Modules kept mypy-clean (new modules are added here).
MYPY_FILES := berthcheck/sample_cn.py berthcheck/cells.py berthcheck/ingest/reference.py

.PHONY: install demo test lint typecheck bench
install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/berthcheck demo --out demo-output

# The benchmark at its small sizes (prints its table; fails only on errors, never on time),
# then the suite, whose summary stays the last line.
test: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py --ci --out $${TMPDIR:-/tmp}/berthcheck-bench-ci
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy $(MYPY_FILES)

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py
