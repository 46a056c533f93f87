"""Issue 16, the check's peak memory: the results read in batches are copied out of DuckDB's
Arrow (so each batch DuckDB made can be freed while the frame lives on), give the same frame
as one read, and the store lets go of the pages it cached (docs/scaling-history.md, "Eighth pass,
H")."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from berthcheck import store
from berthcheck.engine import results_frame

_ROWS_SQL = """
CREATE TABLE t AS
SELECT 'V' || lpad(i::VARCHAR, 4, '0') AS visit_id,
    CASE WHEN i % 5 = 0 THEN NULL ELSE 'a text longer than twelve bytes, row ' || i END AS note,
    CASE WHEN i % 3 = 0 THEN 'short' END AS tag,
    CASE WHEN i % 4 = 0 THEN NULL ELSE i / 7 END AS hours,
    i::BIGINT AS n,
    i % 2 = 0 AS flag,
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + i::INTEGER * INTERVAL 1 HOUR AS at,
    DATE '2026-01-01' + i::INTEGER AS day,
    (i / 3)::DECIMAL(12, 3) AS amount
FROM range(60) r(i) ORDER BY hash(i)
"""


def _source() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(_ROWS_SQL)
    return con


def test_results_read_in_batches_own_their_memory_and_make_the_same_frame(monkeypatch):
    """Read 7 rows at a time, every chunk is a copy: no buffer of the joined frame lies in a
    buffer of DuckDB's batches (a batch is freed only when the last of its buffers is gone,
    and polars' strings keep pointing into the text they were read from); the frame is the
    one a single read gives, one chunk per column, and the chunks are let go."""
    con = _source()
    try:
        whole = results_frame.read_batches(con, "SELECT * FROM t", {})
        assert whole.columns is None  # one batch: kept as DuckDB made it
        want = whole.frame()
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        real, read_from = results_frame._detached, []

        def detached(array):
            read_from.extend((b.address, b.address + b.size)
                             for b in array.buffers() if b is not None)
            return real(array)

        monkeypatch.setattr(results_frame, "_detached", detached)
        fetched = results_frame.read_batches(con, "SELECT * FROM t", {})
    finally:
        con.close()
    assert fetched.columns is not None and len(fetched.columns[0]) == 9
    got = fetched.frame()
    assert fetched.columns is None and fetched.first is None  # the chunks are let go
    assert got.equals(want) and got.schema == want.schema and got.n_chunks() == 1
    assert got.height == 60 and got["note"].null_count() == 12
    held = [b for name in got.columns
            for b in got[name].to_arrow(compat_level=pl.CompatLevel.newest()).buffers()
            if b is not None and b.size]
    inside = [(name, b.address) for name in got.columns for b in held
              if any(lo <= b.address < hi for lo, hi in read_from)]
    assert read_from and not inside


def test_no_row_gives_the_query_columns_and_types():
    con = _source()
    try:
        fetched = results_frame.read_batches(con, "SELECT * FROM t WHERE n < 0", {})
        typed = con.sql("SELECT * FROM t").pl()
    finally:
        con.close()
    frame = fetched.frame()
    assert frame.height == 0 and frame.schema == typed.schema
    assert results_frame.sorted_frame([frame], ("visit_id",)).schema == typed.schema


def test_the_store_lets_go_of_cached_pages_and_keeps_its_limit(tmp_path, monkeypatch):
    """A database file's cached pages are dropped (read again from the file when needed) and
    the memory limit is what the store set; an in-memory store is left as it is (its tables
    would be spilled, not dropped)."""
    monkeypatch.setenv("BERTHCHECK_MEMORY_LIMIT", "1500MB")
    monkeypatch.setattr(store, "RELEASE_LIMIT", "4MB")  # what DuckDB may keep cached
    con = store.connect(tmp_path / "s.duckdb")
    try:
        con.execute("CREATE TABLE cached AS SELECT i, hash(i) AS h, hash(i + 1) AS g "
                    "FROM range(1000000) r(i)")
        con.execute("CHECKPOINT")
        con.close()
        con = store.connect(tmp_path / "s.duckdb")
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        total = "SELECT sum(h), sum(g) FROM cached"
        want = con.execute(total).fetchone()
        used = "SELECT sum(memory_usage_bytes) FROM duckdb_memory()"
        before = con.execute(used).fetchone()[0]
        store.release_cached_pages(con)
        after = con.execute(used).fetchone()[0]
        assert before > 12 * 2**20 and after <= 4 * 2**20, (before, after)
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == limit
        assert con.execute(total).fetchone() == want  # read again from the file
    finally:
        con.close()
    memory = duckdb.connect(":memory:")
    try:
        memory.execute("SET memory_limit = '1GB'")
        memory.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
        store.release_cached_pages(memory)
        assert memory.execute("SELECT current_setting('memory_limit')").fetchone()[0] \
            == memory.execute("SELECT '953.6 MiB'").fetchone()[0]
        assert memory.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
    finally:
        memory.close()


def test_instants_and_dates_keep_their_types_through_the_copy(monkeypatch):
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 5)
    con = _source()
    try:
        frame = results_frame.read_batches(con, "SELECT * FROM t ORDER BY n", {}).frame()
    finally:
        con.close()
    assert frame.schema["at"] == pl.Datetime("us", "UTC")
    assert frame["at"][1] == dt.datetime(2026, 1, 1, 1, tzinfo=dt.UTC)
    assert frame["day"][59] == dt.date(2026, 3, 1)
    assert frame["amount"].dtype == pl.Decimal(12, 3)


def test_batches_sorted_a_few_columns_at_a_time_are_the_sorted_frame(monkeypatch):
    """From several batches the order is found from the key alone and each group of columns
    is joined and gathered in it: the frame one sort of the whole gives, whatever the group
    size, and the chunks are let go."""
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
    monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
    con = _source()
    try:
        want = con.sql("SELECT * FROM t").pl().sort("visit_id")
        for group in (1, 4, 9, 20):
            monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", group)
            fetched = results_frame.read_batches(con, "SELECT * FROM t", {})
            got = fetched.sorted(("visit_id",))
            assert got.equals(want) and got.schema == want.schema, group
            assert got.n_chunks() == 1 and fetched.columns is None
            assert got["visit_id"].is_sorted()
    finally:
        con.close()
