"""Issue 16, the check's tail: the typed digests' faster SQL still writes the documented text
(docs/reliability.md), whatever the rows hold and the session's time zone, sorted or read in
order; and the assemble's own trailing ORDER BY is cut only where it cannot pick rows."""

from __future__ import annotations

import datetime as dt
import importlib

import duckdb
import polars as pl
import pytest

from berthcheck import store
from berthcheck.engine import digest, manifest
from berthcheck.engine.check import _unordered
from tests.test_manifest_v2 import _digest

UTC = dt.UTC


def _frame() -> pl.DataFrame:
    """Rows in no particular order, with every kind of value the digest formats, and text
    that must be escaped in some rows only."""
    return pl.DataFrame(
        {
            "visit_id": ["V3", "V1", "V\u00e9", "V2", "V0"],
            "note": ["plain", "tab\there", None, "back\\slash", "line\nfeed\rcr"],
            "other": ["x", "y", "z", None, "w"],
            "hours": [1.5, -0.0000005, None, 2.0000005, 123456.789012],
            "count": [1, None, -3, 0, 2**40],
            "flag": [True, False, None, True, False],
            "at": [dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
                   dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC), None,
                   dt.datetime(2026, 11, 1, 9, 30, 0, 5, tzinfo=UTC),
                   dt.datetime(2000, 2, 29, 0, 0, tzinfo=UTC)],
            "day": [dt.date(2026, 6, 1), None, dt.date(1999, 12, 31), dt.date(2026, 1, 1),
                    dt.date(2026, 2, 2)],
        },
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_typed_digest_is_the_documented_text_sorted_or_read_in_order(zone):
    frame = _frame()
    columns = list(frame.columns)
    want = _digest(frame, columns, ["visit_id"])
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{zone}'")
        con.register("unsorted", frame)
        con.register("in_order", frame.sort("visit_id"))
        assert digest.typed_sha256(con, "unsorted", ("visit_id",)) == want
        assert digest.typed_sha256(con, "in_order", ("visit_id",), ordered=True) == want
        # read in order without sorting: the rows' order is what is hashed, so it must be right
        assert digest.typed_sha256(con, "unsorted", ("visit_id",), ordered=True) != want
    finally:
        con.close()


def test_findings_digest_in_order_of_three_keys_equals_the_sorted_one():
    findings = pl.DataFrame({
        "finding_id": ["b", "a", "c", "d"], "rule_id": ["R2", "R1", "R1", "R10"],
        "visit_id": ["V1", "V1", "V0", "V1"], "severity": ["info"] * 4,
        "message": ["m\tx", "m", "m", "\u00e9"], "evidence": ["{}", '{"a":1}', "{}", "{}"],
        "minutes": [1.0, None, 2.5, 0.25],
    })
    columns = manifest.finding_columns()
    want = _digest(findings, columns, list(digest.FINDING_ORDER))
    con = duckdb.connect()
    try:
        con.register("unsorted", findings)
        con.register("in_order", findings.sort(list(digest.FINDING_ORDER)))
        assert digest.typed_sha256(con, "unsorted", digest.FINDING_ORDER) == want
        assert digest.typed_sha256(con, "in_order", digest.FINDING_ORDER, ordered=True) == want
    finally:
        con.close()


@pytest.mark.parametrize(("sql", "want"), [
    ("SELECT a FROM t ORDER BY a;", "SELECT a FROM t"),
    ("SELECT a FROM t\n-- last\nORDER BY a DESC, b", "SELECT a FROM t"),
    ("SELECT a FROM x UNION ALL SELECT a FROM y ORDER BY 1", "SELECT a FROM x UNION ALL SELECT a FROM y"),
    # an ORDER BY that picks rows, or one that is not the statement's, is kept
    ("SELECT a FROM t ORDER BY a LIMIT 3", "SELECT a FROM t ORDER BY a LIMIT 3"),
    ("SELECT a FROM t ORDER BY a OFFSET 1", "SELECT a FROM t ORDER BY a OFFSET 1"),
    ("SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b", "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b"),
    ("SELECT a, list(b ORDER BY c) AS l FROM t GROUP BY a", "SELECT a, list(b ORDER BY c) AS l FROM t GROUP BY a"),
    ("SELECT a, row_number() OVER (ORDER BY a) FROM t", "SELECT a, row_number() OVER (ORDER BY a) FROM t"),
    ("SELECT 'x ORDER BY y' AS a, \"order by\" FROM t", "SELECT 'x ORDER BY y' AS a, \"order by\" FROM t"),
    ("SELECT a FROM (SELECT a FROM t ORDER BY a) s", "SELECT a FROM (SELECT a FROM t ORDER BY a) s"),
])
def test_a_trailing_order_by_is_cut_only_where_it_only_orders(sql, want):
    assert _unordered(sql) == want


def test_the_cut_query_returns_the_same_rows():
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t AS SELECT i % 7 AS a, i AS b FROM range(50) r(i)")
        for sql in ("SELECT a, b FROM t ORDER BY b DESC",
                    "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC"):
            assert (sorted(con.sql(_unordered(sql)).fetchall())
                    == sorted(con.sql(sql).fetchall()))
    finally:
        con.close()


def test_freeing_the_pack_tables_before_the_fetch_changes_no_result(monkeypatch):
    """A big check frees the pack's tables and inputs before the frames are made; forced on a
    small one, it gives the same frames and digests."""
    from berthcheck.engine import check as check_module
    from tests.test_engine import _store_with_visits

    engine = importlib.import_module("berthcheck.engine.check")
    released = []

    def release(sandbox, keep):
        engine_release(sandbox, keep)
        released.append(store.run(sandbox, "SELECT table_name FROM duckdb_tables() "
                                           "WHERE temporary ORDER BY 1"))

    engine_release = engine._release_pack_tables
    monkeypatch.setattr(engine, "_release_pack_tables", release)
    con = _store_with_visits(60)
    try:
        kept = check_module(con, period="2026-10", store_run=False)
        assert released == []  # a small check keeps them
        monkeypatch.setattr(engine, "RELEASE_ROWS", 0)
        freed = check_module(con, period="2026-10", store_run=False)
    finally:
        con.close()
    assert released == [[("_bc_findings",), ("_bc_results",)]]
    assert freed.results.height == 60 and freed.findings.height
    assert freed.results.equals(kept.results) and freed.findings.equals(kept.findings)
    assert freed.manifest["results_sha256"] == kept.manifest["results_sha256"]
    assert freed.manifest["findings_sha256"] == kept.manifest["findings_sha256"]
