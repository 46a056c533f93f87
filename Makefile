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

# Modules kept mypy-clean (new modules are added here).
MYPY_FILES := berthcheck/cells.py berthcheck/audit berthcheck/store_schema.py berthcheck/ingest/reference.py berthcheck/export berthcheck/cli_export.py \
	berthcheck/cli_common.py berthcheck/cli_progress.py \
	berthcheck/cli_runs.py berthcheck/cli_schema.py berthcheck/cli_load.py berthcheck/cli_audit.py \
	berthcheck/ingest/schema_doc.py berthcheck/ingest/template.py berthcheck/ingest/load_dir.py \
	berthcheck/engine/readiness.py berthcheck/engine/outputs.py berthcheck/engine/pack_info.py \
	berthcheck/report/stored.py berthcheck/cli_summary.py \
	berthcheck/engine/history_hints.py berthcheck/ingest/holders.py \
	berthcheck/atomic.py berthcheck/cli_guard.py berthcheck/tamper.py \
	berthcheck/engine/sandbox.py berthcheck/engine/history_keys.py berthcheck/ingest/bounds.py berthcheck/ingest/xlsx_cells.py \
	berthcheck/ingest/dcsa_jit.py berthcheck/ingest/jit_read.py berthcheck/ingest/adapters.py \
	berthcheck/ingest/wharfinger.py berthcheck/sample_jit.py berthcheck/cli_load_sources.py \
	berthcheck/ingest/load.py berthcheck/ingest/prepare.py berthcheck/ingest/row_problems.py berthcheck/ingest/cross_rows.py \
	berthcheck/ingest/row_hashes.py berthcheck/ingest/replace.py berthcheck/ingest/quarantine.py berthcheck/ingest/errors_csv.py \
	berthcheck/report/words.py berthcheck/report/board.py berthcheck/report/listing.py \
	berthcheck/sample_cn.py berthcheck/sample_ships.py berthcheck/sample_month.py berthcheck/sample_eu.py \
	berthcheck/sample.py berthcheck/sample_la_port.py berthcheck/sample_la_stream.py berthcheck/sample_la_fleet.py \
	berthcheck/sample_la_visits.py berthcheck/sample_la_dirty.py berthcheck/sample_la_tables.py \
	berthcheck/engine/timing.py berthcheck/engine/manifest.py berthcheck/seals.py \
	berthcheck/engine/pack_notes.py \
	berthcheck/fingerprints.py berthcheck/engine/digest.py berthcheck/engine/digest_v3.py \
	berthcheck/engine/manifest_v1.py \
	berthcheck/emission_stage.py berthcheck/emission_factors.py \
	berthcheck/engine/pack_spec.py berthcheck/engine/pack_paths.py berthcheck/engine/pack_sql.py \
	berthcheck/engine/pack_macros.py \
	berthcheck/engine/pack_columns.py berthcheck/engine/bases.py berthcheck/engine/pack_fixtures.py tests/fixture_batches.py \
	berthcheck/engine/fixture_store.py berthcheck/cli_rules.py \
	berthcheck/report/pack_spec.py berthcheck/report/pack_section.py \
	berthcheck/report/data.py berthcheck/report/run.py berthcheck/report/period.py berthcheck/report/values.py \
	berthcheck/report/summary.py berthcheck/report/visit_sections.py berthcheck/report/emissions_section.py \
	berthcheck/report/quality.py berthcheck/report/methodology.py berthcheck/report/chart_series.py \
	berthcheck/engine/judged_visits.py berthcheck/engine/results_frame.py berthcheck/engine/record.py \
	berthcheck/engine/output_columns.py \
	berthcheck/engine/findings.py berthcheck/engine/pack_binding.py berthcheck/engine/pack_sandbox.py \
	berthcheck/engine/results_query.py berthcheck/engine/pack.py berthcheck/engine/pack_text.py \
	berthcheck/engine/pack_model.py berthcheck/engine/pack_meta.py berthcheck/engine/export.py \
	berthcheck/ingest/load_summary.py berthcheck/engine/check.py berthcheck/cli.py

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
