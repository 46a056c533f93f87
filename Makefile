# `make demo` and `make test` create their own virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# `make demo` installs what berthcheck needs to run; `make test` (and lint, typecheck, bench)
# add the test tools. The dev install includes the runtime one.
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	touch $@ $(BIN)/.runtime

# Type-checked: the whole package (every module is mypy-clean; pyproject.toml names the one
# override, pandera's model idiom) and the tests' typed helpers (rule fixtures and scenarios checked together).
MYPY_FILES := berthcheck tests/fixture_batches.py tests/scenario_batches.py

.PHONY: install demo test lint typecheck bench
install: $(BIN)/.installed

demo: $(BIN)/.runtime
	$(BIN)/berthcheck demo --out demo-output
	@echo ""
	@echo "Next: run berthcheck as $(BIN)/berthcheck (try: $(BIN)/berthcheck --help),"
	@echo "or activate the environment once per shell: . $(BIN)/activate && berthcheck --help"
	@echo "The demo's database: berthcheck --db demo-output/berthcheck.duckdb runs list"

# The benchmark at its small sizes (fails only on errors, never on time) runs beside the suite
# (it kept one core busy for ~10 s while the other idled); the suite prints its table at the
# end (tests/conftest.py), so the suite's summary stays the last line. Either failing fails.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (__pycache__ is ignored by
# git): without it every worker rewrote each test module's asserts (2.5 of its 4.7 CPU s of
# collection) and every CLI process the tests start compiled berthcheck anew.
# A passing test's tmp_path is removed when it ends (`tmp_path_retention_policy=failed`; a
# failing one's is kept): by default every run left about 1.2 GB in 3 000 files (store copies)
# for a later run to delete at its very end, serially (`rm -rf` of one such tree: 7 s of wall).
# The CI benchmark's folder (its generated data is kept for the next run) is one per checkout
# (named by a checksum of its path, found in the recipe, not at every make): two checkouts'
# suites at once would otherwise read each other's exit file and table.
test: $(BIN)/.installed
	@unset PYTHONDONTWRITEBYTECODE; \
	out=$${TMPDIR:-/tmp}/berthcheck-bench-ci-$$(printf '%s' "$(CURDIR)" | cksum | cut -d' ' -f1); \
	mkdir -p "$$out"; rm -f "$$out/exit"; \
	( $(BIN)/python benchmarks/run.py --ci --out "$$out" > "$$out/table.txt" 2>&1; \
	  echo $$? > "$$out/exit.tmp"; mv "$$out/exit.tmp" "$$out/exit" ) & \
	BERTHCHECK_CI_BENCH="$$out" $(BIN)/python -m pytest -q -n 2 \
	  -o tmp_path_retention_policy=failed; suite=$$?; wait; \
	test "$$suite" -eq 0 && test "$$(cat "$$out/exit")" = 0

lint: $(BIN)/.installed
	$(BIN)/ruff check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy $(MYPY_FILES)

# `make bench` adds the bench extra (pandas, for the pandas baseline) to the dev install.
$(BIN)/.bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev,bench]'
	touch $@

bench: $(BIN)/.bench
	$(BIN)/python benchmarks/run.py
