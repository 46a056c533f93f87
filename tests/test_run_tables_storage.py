"""How a stored run's rows are laid out on disk (issue 16): in a store made by this berthcheck,
the run tables' long, mostly distinct text columns (each result's `visit_id`; each finding's
id, visit, message and evidence) are compressed with ZSTD, chosen in the table's definition
(store_schema._migration_2, with the numbers), instead of DuckDB's own pick, whose dictionary
and FSST analysis of nearly unique text was most of the cost of writing them. Only the
physical storage differs: a store made before keeps DuckDB's choice, and either store reads
back the same values, hashing to what the run recorded."""

from __future__ import annotations

from berthcheck import store
from berthcheck.engine import runs
from tests.conftest import copy_store, text_compressions

ZSTD_COLUMNS = {
    "run_results": {"visit_id"},
    "run_findings": {"finding_id", "visit_id", "message", "evidence"},
}


def _as_before(con) -> None:
    """The run tables as a store made before this change holds them: the same columns, types
    and NOT NULLs, no compression chosen in the definition (the tables are empty)."""
    for table in ZSTD_COLUMNS:
        assert store.scalar(con, f"SELECT count(*) FROM {table}") == 0  # noqa: S608 - ours
        columns = store.run(
            con, "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE table_name = ? ORDER BY column_index", [table])
        store.run(con, f"DROP TABLE {table}")
        store.run(con, f"CREATE TABLE {table} (" + ", ".join(  # noqa: S608 - ours
            f"{name} {kind}" + ("" if nullable else " NOT NULL")
            for name, kind, nullable in columns) + ")")


def test_new_stores_keep_a_runs_distinct_text_as_zstd(sample_month_checked, tmp_path):
    path, outcome = sample_month_checked
    con = store.connect(copy_store(path, tmp_path / "checked.duckdb"))
    try:
        for table, columns in ZSTD_COLUMNS.items():
            chosen = text_compressions(con, table)
            for column in columns:
                assert chosen[column] == ["ZSTD"], (table, column, chosen[column])
            # the others keep DuckDB's choice (short, repeated text: a dictionary)
            others = {c: k for c, k in chosen.items() if c not in columns}
            assert others and all("ZSTD" not in k for k in others.values()), others
        assert runs.stored_hashes(con, outcome.run_id) == (
            outcome.manifest["results_sha256"], outcome.manifest["findings_sha256"])
    finally:
        con.close()


def test_a_store_made_before_stores_and_reads_the_same_run(sample_month, sample_month_checked,
                                                           tmp_path):
    from berthcheck.demo import SAMPLE_PERIOD
    from berthcheck.engine import check

    path, outcome = sample_month_checked
    new = store.connect(copy_store(path, tmp_path / "new.duckdb"))
    old = store.connect(copy_store(sample_month, tmp_path / "old.duckdb"))
    try:
        _as_before(old)
        again = check(old, period=SAMPLE_PERIOD)
        assert again.run_id == outcome.run_id
        assert all("ZSTD" not in k for k in text_compressions(old, "run_findings").values())
        assert runs.stored_hashes(old, again.run_id) == runs.stored_hashes(new, outcome.run_id)
        for was, now in zip(runs.stored_frames(new, outcome.run_id),
                            runs.stored_frames(old, again.run_id), strict=True):
            assert was.equals(now)
    finally:
        new.close()
        old.close()
