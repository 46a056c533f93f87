"""Issue 16, a small check's fixed cost: below a size, the check plans its assemble and
results queries once (rows kept in temporary tables) and the typed digests make their lines
with one planned statement. These paths must give what the paths for big checks give: the
same results and findings, the same digests (docs/reliability.md)."""

from __future__ import annotations

import importlib

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from berthcheck import store
from berthcheck.engine import digest, manifest
from berthcheck.engine.check import check
from tests.conftest import copy_store
from tests.test_check_tail import _frame
from tests.test_manifest_v2 import _digest

# the module (berthcheck.engine exports the function `check` under the same name)
check_module = importlib.import_module("berthcheck.engine.check")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_few_rows_digest_is_the_documented_text(zone):
    """Rows with text to escape in some rows only, every kind of value: the few-rows lines
    (each text value tested on its own, one planned statement) hash to the documented digest,
    sorted or read in order, and leave no table behind."""
    frame = _frame()
    want = _digest(frame, list(frame.columns), ["visit_id"])
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{zone}'")
        con.register("unsorted", frame)
        con.register("in_order", frame.sort("visit_id"))
        rows = frame.height
        assert digest.typed_sha256(con, "unsorted", ("visit_id",), rows=rows) == want
        assert digest.typed_sha256(con, "in_order", ("visit_id",), ordered=True,
                                   rows=rows) == want
        # the rows' order is what is hashed: read unsorted as if in order, it must differ
        assert digest.typed_sha256(con, "unsorted", ("visit_id",), ordered=True,
                                   rows=rows) != want
        assert not con.execute("SELECT count(*) FROM duckdb_tables() "
                               "WHERE table_name = '_bc_digest_lines'").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def sample_checks(sample_month, tmp_path_factory):
    """The sample month checked (not stored) by the small-scope path and by the path of big
    checks (RELEASE_ROWS at 0: no temporary tables for the assemble and results queries,
    what the sandbox no longer reads dropped first)."""
    path = copy_store(sample_month, tmp_path_factory.mktemp("small") / "s.duckdb")
    con = store.connect(path)
    try:
        small = check(con, "carb-at-berth-2020", store_run=False)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(check_module, "RELEASE_ROWS", 0)
            big = check(con, "carb-at-berth-2020", store_run=False)
        yield con, small, big
    finally:
        con.close()


def test_small_scope_path_gives_the_big_path_results(sample_checks):
    _, small, big = sample_checks
    assert small.results.height > 100
    assert small.findings.height > 0
    assert_frame_equal(small.results, big.results)
    assert_frame_equal(small.findings, big.findings)
    assert small.run_id == big.run_id
    assert small.manifest["results_sha256"] == big.manifest["results_sha256"]
    assert small.manifest["findings_sha256"] == big.manifest["findings_sha256"]


def test_few_rows_digests_of_a_check_equal_the_streamed_ones(sample_checks, monkeypatch):
    """A real check's frames (70 result columns, NULL-typed and text ones among them): the
    few-rows digests equal the streamed digests of the same frames."""
    con, small, _ = sample_checks
    few = manifest.output_hashes(con, small.results, small.findings, ordered=True)
    monkeypatch.setattr(digest, "FEW_ROWS", -1)
    streamed = manifest.output_hashes(con, small.results, small.findings, ordered=True)
    assert few == streamed
    assert few == (small.manifest["results_sha256"], small.manifest["findings_sha256"])
    assert isinstance(small.results, pl.DataFrame)


def test_a_schema_of_dtypes_only_holds_without_pandera():
    """A pack's declared result columns, all nullable and without checks, are dtypes only:
    `holds` decides them itself (it used to hand every check's frames to pandera, twice a
    check), and still refuses a wrong dtype or a missing column."""
    import pandera.polars as pa

    from berthcheck.engine.schemas import holds

    schema = pa.DataFrameSchema({"a": pa.Column(pl.Float64, nullable=True),
                                 "b": pa.Column(pl.Utf8, nullable=True)}, strict=False)
    frame = pl.DataFrame({"a": [1.0, None], "b": [None, "x"], "c": [1, 2]})
    assert holds(schema, frame)
    assert holds(schema, frame.head(0))
    assert not holds(schema, frame.with_columns(pl.col("a").cast(pl.Int64)))
    assert not holds(schema, frame.drop("b"))


def test_few_rows_digest_keeps_the_order_of_a_frame_in_many_batches(monkeypatch):
    """Read in order (`ordered`), the lines go through a temporary table: a frame of several
    Arrow batches, scanned by several threads, must keep its order there."""
    parts = [pl.DataFrame({"visit_id": [f"V{i:05d}" for i in range(k, k + 4000)],
                           "hours": [i / 7 for i in range(k, k + 4000)]})
             for k in range(0, 12000, 4000)]
    frame = pl.concat(parts, rechunk=False)
    assert frame.n_chunks() == 3
    con = duckdb.connect()
    try:
        con.execute("SET threads = 4")
        store.register(con, "in_order", frame, batch_rows=1000)
        few = digest.typed_sha256(con, "in_order", ("visit_id",), ordered=True,
                                  rows=frame.height)
        monkeypatch.setattr(digest, "FEW_ROWS", -1)
        streamed = digest.typed_sha256(con, "in_order", ("visit_id",), ordered=True,
                                       rows=frame.height)
    finally:
        con.close()
    assert few == streamed == _digest(frame, list(frame.columns), ["visit_id"])
