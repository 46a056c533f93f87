"""A stored run keeps, instead of the columns its results copy from their visit rows (vessel,
IMO, port, terminal, berth, the visit's times...), a reference to the exact visit row version
it judged (`visits_versions`, by `visit_id` and `_batch_id`; issue 16): its readers get the same
columns back through the one relation they read (engine/runs.py `_stored_relations`).

Every reader gives byte-identical output for a run stored that way and the same run stored the
old way (`runs.VISIT_REFERENCES` off); a later correction of a visit never changes what the run
shows; a referenced row deleted or edited in the database is named, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.demo import SAMPLE_PERIOD
from berthcheck.engine import check, runs
from berthcheck.errors import BerthcheckError
from tests.conftest import write_csv

runner = CliRunner()
COPIED = ("vessel_name", "imo", "vessel_type", "fleet", "operator", "port", "terminal", "berth",
          "arrival", "ready_to_work", "pilot_on_board", "departure")


def _store_runs(source: Path, target: Path, *, references: bool) -> tuple[str, str]:
    """The sample month checked twice (plain, and with --notes: another run id) into a copy of
    `source`, stored the new way (`references`) or the old way; (plain id, notes id)."""
    shutil.copyfile(source, target)
    saved = runs.VISIT_REFERENCES
    runs.VISIT_REFERENCES = references
    try:
        con = store.connect(target)
        try:
            plain = check(con, period=SAMPLE_PERIOD).run_id
            notes = check(con, period=SAMPLE_PERIOD, notes=True).run_id
        finally:
            con.close()
    finally:
        runs.VISIT_REFERENCES = saved
    return plain, notes


@pytest.fixture(scope="module")
def both(sample_month, tmp_path_factory) -> dict[str, tuple[Path, str, str]]:
    """The same two runs stored the new way ("new") and the old way ("old"), each in its own
    store (never written to: tests that write take a copy)."""
    folder = tmp_path_factory.mktemp("visit-reference")
    out = {}
    for name, references in (("new", True), ("old", False)):
        db = folder / f"{name}.duckdb"
        out[name] = (db, *_store_runs(sample_month, db, references=references))
    return out


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in store.run(
        con, "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
             "ORDER BY column_index", [table])]


def _when_stored_out(text: str) -> str:
    """`runs show`'s time of storing and the check's duration, which differ between any two
    checks, left out."""
    text = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?", "WHEN", text)
    return re.sub(r'("?elapsed[_ a-z]*"?:?\s+)[0-9.]+', r"\1N", text)


def _cli(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_the_new_run_stores_a_reference_not_the_visit_copies(both):
    db, plain, _notes = both["new"]
    con = store.connect(db, read_only=True)
    try:
        columns = _columns(con, f"run_columns_{plain}")
    finally:
        con.close()
    assert "visit_batch" in columns
    assert not set(COPIED) & set(columns)
    old_db, old_plain, _ = both["old"]
    con = store.connect(old_db, read_only=True)
    try:
        assert set(COPIED) <= set(_columns(con, f"run_columns_{old_plain}"))
    finally:
        con.close()


def test_same_ids_digests_and_frames_either_way(both):
    """Run ids, manifests' digests, the digests recomputed from the store and the frames the
    readers get are the same for the run stored either way, column order and types too."""
    got = {}
    for name, (db, plain, notes) in both.items():
        con = store.connect(db, read_only=True)
        try:
            got[name] = [(run_id, runs.stored_hashes(con, run_id),
                          store.scalar(con, "SELECT results_sha256 || findings_sha256 FROM runs "
                                            "WHERE run_id = ?", [run_id]),
                          runs.stored_frames(con, run_id), runs.tampered_parts(con, run_id))
                         for run_id in (plain, notes)]
        finally:
            con.close()
    for (i_new, h_new, rec_new, f_new, t_new), (i_old, h_old, rec_old, f_old, t_old) in zip(
            got["new"], got["old"], strict=True):
        assert (i_new, h_new, rec_new, t_new) == (i_old, h_old, rec_old, t_old)
        assert rec_new == h_new[0] + h_new[1] and t_new == []
        for a, b in zip(f_new, f_old, strict=True):
            assert a.schema == b.schema and a.equals(b)


@pytest.mark.parametrize(("command", "code"), [
    (("runs", "show", "{plain}"), 0),
    (("runs", "show", "{plain}", "--json"), 0),
    (("audit", "verify", "{plain}"), 0),
    (("audit", "verify", "{notes}", "--json"), 0),
    (("audit", "diff", "{plain}", "{notes}"), 1),  # the findings of --notes differ
    (("audit", "diff", "{notes}", "{plain}", "--json"), 1),
])
def test_readers_print_the_same_either_way(both, command, code):
    outputs = []
    for db, plain, notes in both.values():
        args = [a.format(plain=plain, notes=notes) for a in command]
        result = _cli(*args, "--db", str(db))
        outputs.append((result.exit_code, _when_stored_out(result.output.replace(str(db), "DB"))))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == code, outputs[0][1]


@pytest.mark.parametrize("ext", ["csv", "parquet", "json"])
def test_runs_export_writes_the_same_bytes_either_way(both, tmp_path, ext):
    written = []
    for name, (db, plain, _notes) in both.items():
        out = tmp_path / name / f"results.{ext}"
        result = _cli("runs", "export", plain, "--out", str(out), "--mkdir", "--db", str(db))
        assert result.exit_code == 0, result.output
        written.append((out.read_bytes(), (out.parent / f"findings.{ext}").read_bytes()))
    assert written[0] == written[1]


def test_a_report_of_the_stored_run_is_the_same_either_way(both, tmp_path):
    pages = []
    for name, (db, plain, _notes) in both.items():
        out = tmp_path / f"{name}.html"
        result = _cli("report", "--run", plain, "--out", str(out), "--db", str(db))
        assert result.exit_code == 0, result.output
        pages.append(out.read_text(encoding="utf-8"))
    assert pages[0] == pages[1]


@pytest.fixture()
def new_db(both, tmp_path) -> tuple[Path, str]:
    db, plain, _notes = both["new"]
    copy = tmp_path / "new.duckdb"
    shutil.copyfile(db, copy)
    return copy, plain


def _a_visit(con, run_id: str) -> tuple[str, int, str]:
    """A visit of the run with a vessel name: (visit_id, its batch, vessel_name)."""
    return store.run(con, "SELECT v.visit_id, v._batch_id, v.vessel_name FROM run_results r "
                          "JOIN visits v USING (visit_id) WHERE r.run_id = ? "
                          "AND v.vessel_name IS NOT NULL ORDER BY v.visit_id LIMIT 1",
                     [run_id])[0]


def test_a_later_correction_of_a_visit_leaves_the_run_as_it_was(new_db, tmp_path):
    """`load --replace` of a visit with another vessel name: a new version of the row; the
    stored run still shows (and verifies against) the version it judged."""
    db, plain = new_db
    con = store.connect(db)
    try:
        visit, _batch, name = _a_visit(con, plain)
        before = runs.stored_frames(con, plain)
        row = store.fetch_polars(con, "SELECT * EXCLUDE (extra, _batch_id, _source_file, "
                                      "_source_row, _row_hash, _replaced_by, _source_path) "
                                      "FROM visits WHERE visit_id = ?", [visit])
    finally:
        con.close()
    record = {k: ("" if v is None else (v.strftime("%Y-%m-%dT%H:%M:%SZ")
                                        if hasattr(v, "strftime") else str(v)))
              for k, v in row.row(0, named=True).items()}
    if record.get("nox_tier", "").endswith(".0"):
        record["nox_tier"] = record["nox_tier"][:-2]
    record["vessel_name"] = name + " RENAMED"
    csv = write_csv(tmp_path / "visits.csv", [record])
    result = _cli("load", "visits", str(csv), "--replace", "--db", str(db))
    assert result.exit_code == 0, result.output
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT vessel_name FROM visits WHERE visit_id = ?",
                            [visit]) == name + " RENAMED"
        after = runs.stored_frames(con, plain)
        assert runs.tampered_parts(con, plain) == []
    finally:
        con.close()
    assert after[0].equals(before[0]) and after[1].equals(before[1])
    assert after[0].filter(pl.col("visit_id") == visit)["vessel_name"].to_list() == [name]


def test_a_referenced_visit_row_deleted_is_named(new_db, tmp_path):
    db, plain = new_db
    con = store.connect(db)
    try:
        visit, batch, _name = _a_visit(con, plain)
        store.run(con, "DELETE FROM visits_versions WHERE visit_id = ?", [visit])
        with pytest.raises(BerthcheckError, match=f"{visit} .*batch {batch}"):
            runs.stored_frames(con, plain)
        assert runs.tampered_parts(con, plain) != []
    finally:
        con.close()
    result = _cli("audit", "verify", plain, "--db", str(db))
    assert result.exit_code == 1
    assert "from the visit rows it judged, which are no longer stored" in result.output
    assert visit in result.output
    out = tmp_path / "r.csv"
    result = _cli("runs", "export", plain, "--out", str(out), "--db", str(db))
    assert result.exit_code != 0 and not out.exists()
    result = _cli("report", "--run", plain, "--out", str(tmp_path / "r.html"), "--db", str(db))
    assert result.exit_code != 0 and not (tmp_path / "r.html").exists()


def test_a_referenced_visit_row_edited_in_the_database_shows(new_db):
    db, plain = new_db
    con = store.connect(db)
    try:
        visit, _batch, name = _a_visit(con, plain)
        store.run(con, "UPDATE visits_versions SET vessel_name = 'EDITED' WHERE visit_id = ?",
                  [visit])
        assert runs.tampered_parts(con, plain) == ["results"]
    finally:
        con.close()
    result = _cli("audit", "verify", plain, "--db", str(db))
    assert result.exit_code == 1
    assert f"changed: visits '{visit}'" in result.output  # the input rows' seals
    assert "its stored values were edited after the run read them" in result.output
    assert "stored results: sha256" in result.output
    assert "the run reads vessel_name, imo" in result.output
    assert "Traceback" not in result.output


def test_a_pack_changing_a_visit_column_keeps_its_own_copy(sample_month, tmp_path):
    """A result whose visit column is not its visit row's (a pack may return a visits column
    it computed): the run stores the columns as before, and reads back what the check gave."""
    from berthcheck.engine.record import record as record_run

    db = tmp_path / "own.duckdb"
    shutil.copyfile(sample_month, db)
    con = store.connect(db)
    try:
        outcome = check(con, period=SAMPLE_PERIOD, store_run=False)
        first = outcome.results["visit_id"][0]
        outcome.results = outcome.results.with_columns(
            pl.when(pl.col("visit_id") == first).then(pl.lit("PACK'S OWN"))
            .otherwise(pl.col("vessel_name")).alias("vessel_name"))
        import time

        record_run(con, outcome, time.perf_counter(), store_run=True)
        assert "vessel_name" in _columns(con, f"run_columns_{outcome.run_id}")
        results, _findings = runs.stored_frames(con, outcome.run_id)
        assert runs.tampered_parts(con, outcome.run_id) == []
    finally:
        con.close()
    assert results.equals(outcome.results) and results.schema == outcome.results.schema
    assert results["vessel_name"][0] == "PACK'S OWN"


def test_the_layout_row_removed_is_a_clear_error(new_db):
    db, plain = new_db
    con = store.connect(db)
    try:
        store.run(con, "DELETE FROM run_visit_columns WHERE run_id = ?", [plain])
        with pytest.raises(BerthcheckError, match="run_visit_columns"):
            runs.stored_frames(con, plain)
        assert runs.tampered_parts(con, plain) == ["results (damaged)"]
    finally:
        con.close()
