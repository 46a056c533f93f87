"""A stored run's column table (`run_columns_<run_id>`) is keyed by an integer, the row's place
in the run's results (`run_results.result_row`, migration 14), not by a second copy of the text
`visit_id`; runs stored before, keyed by `visit_id`, still read back and verify."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import CheckResult
from berthcheck.engine.pack import PackFileError, load_pack
from berthcheck.engine.runs import load_run, tampered_parts
from tests.test_pack_sources import _copy, _edit

runner = CliRunner()
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def stored(sample_month_checked) -> tuple[Path, CheckResult]:
    """The sample month with its check stored (never written to: tests take a copy), made once
    per worker: conftest's `sample_month_checked`."""
    path, outcome = sample_month_checked
    assert outcome.scope.period == PERIOD
    return path, outcome


@pytest.fixture()
def db(stored, tmp_path) -> Path:
    copy = tmp_path / "bc.duckdb"
    shutil.copy(stored[0], copy)
    return copy


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in store.run(
        con, "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
             "ORDER BY column_index", [table])]


def _as_stored_before(con, run_id: str) -> None:
    """Rewrite a run's column table as runs were stored before migration 14: `visit_id` first,
    then the run's columns, and no `result_row` in `run_results`."""
    table = f"run_columns_{run_id}"
    store.run(con, f"CREATE TABLE _old AS SELECT r.visit_id, x.* EXCLUDE (result_row) "  # noqa: S608 - test names
                   f"FROM {table} x JOIN run_results r ON r.result_row = x.result_row "
                   "WHERE r.run_id = ? ORDER BY r.visit_id", [run_id])
    store.run(con, f"DROP TABLE {table}")
    store.run(con, f"ALTER TABLE _old RENAME TO {table}")
    store.run(con, "UPDATE run_results SET result_row = NULL WHERE run_id = ?", [run_id])


def _verify(path: Path, run_id: str):
    return runner.invoke(app, ["audit", "verify", run_id, "--db", str(path)])


def test_the_column_table_is_keyed_by_the_rows_place_in_the_results(stored, db):
    _path, outcome = stored
    con = store.connect(db)
    try:
        columns = _columns(con, f"run_columns_{outcome.run_id}")
        keys = store.run(con, "SELECT visit_id, result_row FROM run_results WHERE run_id = ? "
                              "ORDER BY visit_id", [outcome.run_id])
        results, findings = load_run(con, outcome.run_id)
    finally:
        con.close()
    assert columns[0] == "result_row" and "visit_id" not in columns
    assert [k for _v, k in keys] == list(range(outcome.results.height))
    assert [v for v, _k in keys] == outcome.results["visit_id"].to_list()
    assert results.equals(outcome.results) and results.schema == outcome.results.schema
    assert findings.equals(outcome.findings)


def test_a_run_keyed_by_visit_id_as_before_still_reads_and_verifies(stored, db):
    _path, outcome = stored
    con = store.connect(db)
    try:
        _as_stored_before(con, outcome.run_id)
        assert _columns(con, f"run_columns_{outcome.run_id}")[0] == "visit_id"
        results, findings = load_run(con, outcome.run_id)
        assert tampered_parts(con, outcome.run_id) == []
    finally:
        con.close()
    assert results.equals(outcome.results) and results.schema == outcome.results.schema
    assert findings.equals(outcome.findings)
    result = _verify(db, outcome.run_id)
    assert result.exit_code == 0, result.output
    assert "MISMATCH" not in result.output


def _fails_verify_on_its_results(db, run_id: str) -> None:
    result = _verify(db, run_id)
    assert result.exit_code == 1
    assert "stored results: sha256" in result.output


def test_rows_whose_keys_were_swapped_no_longer_verify(stored, db):
    """Two rows' keys exchanged in `run_results`: each visit now reads the other's columns."""
    _path, outcome = stored
    con = store.connect(db)
    try:
        store.run(con, "UPDATE run_results SET result_row = 1 - result_row "
                       "WHERE run_id = ? AND result_row IN (0, 1)", [outcome.run_id])
        assert tampered_parts(con, outcome.run_id) == ["results"]
    finally:
        con.close()
    _fails_verify_on_its_results(db, outcome.run_id)


def test_a_run_is_read_back_in_its_keys_order(stored, db):
    """The results are read in their key's order, which is `visit_id` order as stored (an
    integer sort, not a text one: engine/runs.py `_results_select`): the frames and digest are
    the check's. Two rows' keys exchanged in both tables (each visit keeps its own columns)
    put the rows out of `visit_id` order: the stored run was edited, and no longer verifies."""
    _path, outcome = stored
    con = store.connect(db)
    try:
        results, _findings = load_run(con, outcome.run_id)
        assert results.equals(outcome.results)
        assert tampered_parts(con, outcome.run_id) == []
        store.run(con, "UPDATE run_results SET result_row = 1 - result_row "
                       "WHERE run_id = ? AND result_row IN (0, 1)", [outcome.run_id])
        store.run(con, f"UPDATE run_columns_{outcome.run_id} "  # noqa: S608 - test names
                       "SET result_row = 1 - result_row WHERE result_row IN (0, 1)")
        assert tampered_parts(con, outcome.run_id) == ["results"]
    finally:
        con.close()
    _fails_verify_on_its_results(db, outcome.run_id)


def test_a_pack_may_not_declare_the_key_as_its_own_column(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, 'name = "incentive_credit"', 'name = "result_row"')
    with pytest.raises(PackFileError, match="the key of a stored run's column table"):
        load_pack(str(folder))


def test_a_run_stored_in_record_batches_keeps_its_rows_in_order(stored, sample_month, tmp_path,
                                                                monkeypatch):
    """The frames go to the run tables in record batches (`store.INSERT_BATCH_ROWS` rows, so
    DuckDB inserts them on every core): batches of 7 rows here, so the sample month's results
    and findings come in dozens of batches. The stored rows are the check's, in its order
    (rowid order = `result_row` order), with the run id and digests of the run stored before,
    and the run verifies."""
    from berthcheck.demo import SAMPLE_PERIOD
    from berthcheck.engine import check

    _path, before = stored
    db = tmp_path / "batched.duckdb"
    shutil.copyfile(sample_month, db)
    monkeypatch.setattr(store, "INSERT_BATCH_ROWS", 7)
    con = store.connect(db)
    try:
        outcome = check(con, period=SAMPLE_PERIOD)
        assert outcome.results.height > 7 * 10 and outcome.findings.height > 7 * 3
        in_rowid_order = store.run(con, "SELECT visit_id, result_row FROM run_results "
                                        "WHERE run_id = ? ORDER BY rowid", [outcome.run_id])
        column_rows = store.run(con, f"SELECT result_row FROM run_columns_{outcome.run_id} "  # noqa: S608 - test names
                                     "ORDER BY rowid")
        finding_ids = store.run(con, "SELECT finding_id FROM run_findings WHERE run_id = ? "
                                     "ORDER BY rowid", [outcome.run_id])
        results, findings = load_run(con, outcome.run_id)
        assert tampered_parts(con, outcome.run_id) == []
    finally:
        con.close()
    assert (outcome.run_id, outcome.manifest["results_sha256"],
            outcome.manifest["findings_sha256"]) == (
        before.run_id, before.manifest["results_sha256"], before.manifest["findings_sha256"])
    assert [v for v, _k in in_rowid_order] == outcome.results["visit_id"].to_list()
    assert [k for _v, k in in_rowid_order] == list(range(outcome.results.height))
    assert [k for (k,) in column_rows] == list(range(outcome.results.height))
    assert [f for (f,) in finding_ids] == outcome.findings["finding_id"].to_list()
    assert results.equals(outcome.results) and findings.equals(outcome.findings)
    result = _verify(db, outcome.run_id)
    assert result.exit_code == 0, result.output
