"""Issue 16, item 1: each row's content hash is sealed when it is loaded; a check reads the
seals instead of re-hashing every stored row, with the very same manifest and run id; and
`audit verify` (which re-hashes) names a value edited in place even before the first check."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import check, manifest
from berthcheck.ingest.kinds import KINDS
from berthcheck.seals import _content_columns, content_hash_sql
from tests.conftest import copy_store, text_compressions

runner = CliRunner()


@pytest.fixture()
def db(sample_month, tmp_path) -> Path:
    """A private copy of the sample month's store (copied from the never-opened session file;
    no module-level copy in between)."""
    return copy_store(sample_month, tmp_path / "bc.duckdb")


def test_loading_seals_every_stored_row_with_its_content_hash(db):
    con = store.connect(db)
    try:
        for kind in KINDS.values():
            stored = store.scalar(con, f"SELECT count(*) FROM {kind.table}_versions")  # noqa: S608
            sealed = store.scalar(con, "SELECT count(*) FROM input_seals WHERE table_name = ?",
                                  [kind.table])
            assert sealed == stored, kind.table
        # the sealed hash is the hash of the stored values, recomputed here independently
        wrong = store.scalar(
            con,
            f"SELECT count(*) FROM visits_versions t JOIN input_seals s "  # noqa: S608
            "ON s.table_name = 'visits' AND s.batch_id = t._batch_id "
            "AND s.source_row = t._source_row "
            f"WHERE s.content_hash <> {content_hash_sql(_content_columns(KINDS['visits']), 't')} "
            "OR s.row_hash <> t._row_hash",
        )
        assert store.scalar(con, "SELECT count(*) FROM visits") > 100
        assert wrong == 0
    finally:
        con.close()


def test_a_check_reading_the_load_digests_makes_the_same_manifest_as_re_hashing(db):
    """Manifest version 2: the check combines the digests each batch stored at load; digesting
    every piece from the stored rows instead (what `audit verify` does) gives the same."""
    con = store.connect(db)
    try:
        stored = manifest.gather_inputs(con)
        rehashed = manifest.gather_inputs(con, stored=False)
        sealed = check(con, period="2026-10", store_run=False)
    finally:
        con.close()
    assert stored.fresh == []  # every piece was read, none re-digested
    assert len(rehashed.fresh) == sum(len(p) for p in rehashed.pieces.values()) > 5
    assert stored.summary == rehashed.summary
    assert stored.pieces == rehashed.pieces
    assert sealed.manifest["inputs"] == stored.summary


def test_a_store_without_load_digests_is_digested_by_the_first_stored_check(db):
    """Batches loaded before digests were made at load get them from the first stored check,
    with the same fingerprint (and so the same run id) as digests made at load."""
    con = store.connect(db)
    try:
        at_load = check(con, period="2026-10", store_run=False)
        store.run(con, "DELETE FROM batch_digests")
        first = check(con, period="2026-10")
        after = manifest.gather_inputs(con)
    finally:
        con.close()
    assert first.run_id == at_load.run_id
    assert first.manifest["inputs"] == at_load.manifest["inputs"]
    assert after.fresh == []  # stored with the run


def test_verify_names_a_value_edited_in_place_before_the_first_check(db):
    con = store.connect(db)
    try:  # tamper after loading, before any run read the row
        visit_id, source_row = store.run(
            con, "SELECT visit_id, _source_row FROM visits WHERE vessel_type = 'container' "
            "AND _source_file = 'visits.csv' ORDER BY visit_id LIMIT 1")[0]
        store.run(con, "UPDATE visits_versions SET vessel_type = 'bulk' WHERE visit_id = ?",
                  [visit_id])
    finally:
        con.close()
    checked = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10"])
    assert checked.exit_code == 0, checked.output
    run_id = next(line for line in checked.output.splitlines()
                  if "; run " in line).rsplit(" ", 1)[1]
    result = runner.invoke(app, ["audit", "verify", run_id, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "input table visits" in result.output
    assert f"visits '{visit_id}' (visits.csv row {source_row}" in result.output
    assert "Traceback" not in result.output


def test_the_hex_hashes_are_stored_uncompressed(db):
    """The seals' two hex hashes and the input rows' `_row_hash` are stored as they are:
    compressing 64 random hex digits was most of the seals' insert at load and a part of the
    rows' (docs/scaling-history.md, thirteenth pass L); the other columns keep DuckDB's choice."""
    con = store.connect(db)
    try:
        seals = text_compressions(con, "input_seals")
        visits = text_compressions(con, "visits_versions")
    finally:
        con.close()
    assert seals["row_hash"] == ["Uncompressed"]
    assert seals["content_hash"] == ["Uncompressed"]
    assert visits["_row_hash"] == ["Uncompressed"]
    assert seals["table_name"] != ["Uncompressed"]  # the tables' other columns: compressed
    assert visits["visit_id"] != ["Uncompressed"]


def test_a_seals_row_key_is_stored_as_zstd(db):
    """A new store keeps each seal's `row_key` (a row's key as text: nearly unique) as ZSTD,
    chosen in the table's definition (store_schema._migration_3): DuckDB's own pick for it, a
    dictionary with FSST, cost twice the CPU to analyse and encode at load. The input tables'
    ids keep DuckDB's choice (a check joins on them, and reads ZSTD a little slower); so do
    the seals' other text columns. The values read are the same either way."""
    con = store.connect(db)
    try:
        seals = text_compressions(con, "input_seals")
        assert seals["row_key"] == ["ZSTD"]
        assert all("ZSTD" not in k for c, k in seals.items() if c != "row_key"), seals
        for kind in KINDS.values():
            stored = text_compressions(con, f"{kind.table}_versions")
            assert all("ZSTD" not in k for k in stored.values()), (kind.table, stored)
    finally:
        con.close()
