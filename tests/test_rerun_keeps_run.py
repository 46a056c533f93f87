"""The same run checked again keeps its stored rows (engine/runs.py `write_run`).

A run's id is its pack, scope, inputs and berthcheck version; checked again with nothing
changed it gives the same manifest, and the stored rows are kept: only the `runs` row's
`created_at` and `elapsed_seconds` become this check's, as the rewrite before left them (a
report compares with runs stored before its own, tests/test_report_board.py). A run whose
manifest differs is replaced, as before; an altered stored run is still refused
(tests/security/test_tampering.py).
"""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.demo import SAMPLE_PERIOD
from berthcheck.engine import check, record, runs
from tests.conftest import copy_store


def _stored(con, run_id: str) -> tuple:
    return store.run(con, "SELECT created_at, berthcheck_version, results_sha256, "
                          "findings_sha256, manifest FROM runs WHERE run_id = ?", [run_id])[0]


def _writes(monkeypatch) -> list[str]:
    """The run-table statements the store runs from now on."""
    seen: list[str] = []
    real = store.run

    def watched(con, sql, params=None):
        if sql.lstrip().startswith(("DELETE FROM run", "INSERT INTO run", "CREATE TABLE run")):
            seen.append(sql.split(" WHERE")[0][:40])
        return real(con, sql, params)

    monkeypatch.setattr(store, "run", watched)
    return seen


@pytest.fixture
def checked(sample_month_checked, tmp_path):
    path, outcome = sample_month_checked
    con = store.connect(copy_store(path, tmp_path / "store.duckdb"))
    yield con, outcome.run_id
    con.close()


@pytest.mark.parametrize("beside", [False, True], ids=["small-run", "digests-beside"])
def test_the_same_run_checked_again_keeps_its_rows(checked, monkeypatch, beside):
    con, run_id = checked
    if beside:  # the big-run path: digests computed beside the inserts (engine/record.py)
        monkeypatch.setattr(record, "APART_DIGEST_ROWS", 1)
    before = _stored(con, run_id)
    writes = _writes(monkeypatch)
    again = check(con, period=SAMPLE_PERIOD)
    assert again.run_id == run_id
    now = _stored(con, run_id)
    assert now[0] > before[0] and now[1:] == before[1:]  # a later time; all else the same
    assert writes == []  # nothing deleted, nothing written again
    assert store.scalar(con, "SELECT count(*) FROM runs") == 1
    assert runs.tampered_parts(con, run_id) == []


def test_a_run_whose_outputs_changed_is_replaced(checked, monkeypatch):
    """The same run id with other outputs (an engine changed without a version bump, as in
    development): the manifest differs, and the record is replaced, its time this check's."""
    import importlib

    import polars as pl

    check_module = importlib.import_module("berthcheck.engine.check")  # the module, not check()
    con, run_id = checked
    created, _, results_sha, findings_sha, _ = _stored(con, run_id)
    real = check_module.evaluate

    def renamed(*args, **kwargs):
        results, findings = real(*args, **kwargs)
        first = pl.int_range(pl.len()) == 0
        return results.with_columns(
            pl.when(first).then(pl.lit("RENAMED")).otherwise(pl.col("vessel_name"))
            .alias("vessel_name")), findings

    monkeypatch.setattr(check_module, "evaluate", renamed)
    writes = _writes(monkeypatch)
    check(con, period=SAMPLE_PERIOD)
    now = _stored(con, run_id)
    assert now[0] > created and now[2] != results_sha and now[3] == findings_sha
    assert any(w.startswith("DELETE FROM run_results") for w in writes)
    assert any(w.startswith("INSERT INTO run_results") for w in writes)
    assert runs.tampered_parts(con, run_id) == []
