"""Runs stored the way berthcheck stored them before the current manifest version, so tests can
show that such runs still verify and diff against new ones:

* version 1 (before issue 16): inputs re-hashed row by row, CSV hashes of results and
  findings, the v1 run id, and the results' extra columns as one Parquet blob in
  `run_result_columns`; built with the kept version-1 functions
  (berthcheck/engine/manifest_v1.py) and the old `write_run` steps;
* version 2 (issue 16, before the binary digest): version 3's input fingerprint and typed run
  tables, but the results and findings hashed as canonical text made by DuckDB
  (berthcheck/engine/digest.py) and the run id keyed on version 2; built with the kept
  version-2 digest (`manifest.output_hashes_v2`) and stored by today's `write_run`, which
  writes the rows exactly as version 2 did."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import polars as pl

from berthcheck import __version__, store
from berthcheck.engine import check, manifest, manifest_v1, runs
from berthcheck.engine.pack import parameters_json
from berthcheck.engine.schemas import FINDING_COLUMNS, RESULT_COLUMNS


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def store_v1_run(con, outcome=None, **check_args) -> str:
    """Check (without storing), then store the run as version 1 did; returns its run id.
    `outcome`: that check already made (`check(con, store_run=False, ...)`), read only."""
    outcome = outcome or check(con, store_run=False, **check_args)
    manifest_v1.collect_input_rows(con)
    inputs = manifest_v1._input_summary(con)
    fingerprint = manifest_v1.fingerprint_from_inputs(inputs)
    run_id = manifest_v1.run_id(outcome.pack, outcome.scope, fingerprint,
                                berthcheck_version=__version__)
    results_sha, findings_sha = manifest_v1.output_hashes(outcome.results, outcome.findings)
    batches = manifest_v1._batches_read(con)
    record = {**outcome.manifest, "manifest_version": 1, "run_id": run_id, "inputs": inputs,
              "load_batches": batches,
              "as_of_batch": max((b["batch_id"] for b in batches), default=0),
              "results_sha256": results_sha, "findings_sha256": findings_sha}
    results, findings = outcome.results, outcome.findings
    extras = [c for c in results.columns if c not in RESULT_COLUMNS]
    with store.transaction(con):
        manifest_v1.seal_inputs(con)
        store.run(
            con,
            "INSERT INTO runs (run_id, pack_id, pack_version, pack_hash, parameters, scope, "
            "period, created_at, berthcheck_version, inputs, max_batch_id, visits, findings, "
            "counts, results_sha256, elapsed_seconds, findings_sha256, manifest) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, outcome.pack.id, outcome.pack.version, outcome.pack.hash,
             _canonical(parameters_json(outcome.pack)), _canonical(outcome.scope.as_dict()),
             outcome.scope.period, dt.datetime.now(dt.UTC), __version__,
             _canonical(fingerprint), record["as_of_batch"], results.height, findings.height,
             _canonical(outcome.verdict_counts()), results_sha, 0.0, findings_sha,
             manifest.manifest_text(record)],
        )
        blob = io.BytesIO()
        results.select("visit_id", *extras).write_parquet(blob, compression="lz4")
        store.run(con, "INSERT INTO run_result_columns VALUES (?, 'parquet', ?)",
                  [run_id, blob.getvalue()])
        for table, frame in (
            ("run_results", results.select(pl.lit(run_id).alias("run_id"), *RESULT_COLUMNS,
                                           pl.lit("").alias("extra"))),
            ("run_findings", findings.select(pl.lit(run_id).alias("run_id"), *FINDING_COLUMNS,
                                             "minutes")),
        ):
            store.register(con, "_legacy_rows", frame)
            try:
                store.run(con, f"INSERT INTO {table} BY NAME SELECT * FROM _legacy_rows")  # noqa: S608
            finally:
                con.unregister("_legacy_rows")
    return run_id


def store_v2_run(con, outcome=None, **check_args) -> str:
    """Check (without storing), then store the run as version 2 did; returns its run id.
    `outcome`: that check already made (`check(con, store_run=False, ...)`), left as it was."""
    outcome = copy.copy(outcome or check(con, store_run=False, **check_args))
    run_id = runs.run_id_for(outcome.pack, outcome.scope, outcome.inputs, notes=outcome.notes,
                             version=2)
    results_sha, findings_sha = manifest.output_hashes_v2(outcome.results, outcome.findings,
                                                          ordered=True)
    outcome.run_id = run_id
    outcome.manifest = {**outcome.manifest, "manifest_version": 2, "run_id": run_id,
                        "results_sha256": results_sha, "findings_sha256": findings_sha}
    runs.store_run(con, outcome)
    return run_id
