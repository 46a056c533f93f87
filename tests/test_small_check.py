"""Issue 16, a small check's fixed cost: below a size, the check plans its assemble and
results queries once (rows kept in temporary tables). That path must give what the path for
big checks gives: the same results and findings, run id and digests."""

from __future__ import annotations

import importlib

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from berthcheck import store
from berthcheck.engine.check import check
from tests.conftest import copy_store

# the module (berthcheck.engine exports the function `check` under the same name)
check_module = importlib.import_module("berthcheck.engine.check")


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


def test_a_check_that_ignores_nulls_passes_a_null_and_fails_a_false():
    """`holds` reads a check with `ignore_na` as pandera does: a null passes, a false fails
    (and only then does pandera validate, naming the row)."""
    import pandera.polars as pa

    from berthcheck.engine.schemas import holds

    positive = pa.Check(lambda data: data.lazyframe.select(pl.col(data.key) > 0), ignore_na=True)
    schema = pa.DataFrameSchema({"n": pa.Column(pl.Int64, nullable=True, checks=positive)})
    assert holds(schema, pl.DataFrame({"n": [1, None, 3]}))
    assert not holds(schema, pl.DataFrame({"n": [1, None, -3]}))
    with pytest.raises(pa.errors.SchemaError):
        schema.validate(pl.DataFrame({"n": [1, None, -3]}))
    schema.validate(pl.DataFrame({"n": [1, None, 3]}))


def test_one_bind_reads_give_the_copy_free_reads_table():
    """`store.fetch_arrow(small=True)` (through `execute`: one bind, a copy of the rows) gives
    the table, schema and all, that `con.sql(...)` gives, for the types a store holds."""
    import duckdb

    con = duckdb.connect()
    store.instants_in_utc(con)
    sql = ("SELECT 'V' || i AS visit_id, TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_minutes(i) "
           "AS departure, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END AS kw, "
           "(i % 7)::DECIMAL(12, 3) AS kwh, i % 2 = 0 AS flag, [i, i + 1] AS pair, "
           "DATE '2026-10-01' + i::INTEGER AS day, i::BIGINT AS n FROM range(?) t(i) WHERE i >= ?")
    for params in ([5, 0], [5, 5], [40_000, 0]):
        once = store.fetch_arrow(con, sql, params, small=True)
        twice = store.fetch_arrow(con, sql, params)
        assert once.schema == twice.schema
        assert once.equals(twice)
    con.close()


@pytest.mark.parametrize("pack", ["carb-at-berth-2020", "fueleu-art6", "cn-shore-power"])
def test_a_small_checks_one_bind_reads_give_the_copy_free_reads_results(sample_month, pack,
                                                                         tmp_path, monkeypatch):
    """A month's check reads its scope, judged visits, their inputs and its findings with one
    bind (`store.fetch_arrow`, `fetch_polars` small); read the copy-free way, everything it
    gives is the same."""
    path = copy_store(sample_month, tmp_path / "s.duckdb")
    con = store.connect(path)
    arrow, polars_ = store.fetch_arrow, store.fetch_polars
    routes: list[bool] = []

    def fetch_arrow(con, sql, params=None, *, small=False):
        routes.append(small)
        return arrow(con, sql, params, small=small)

    try:
        monkeypatch.setattr(store, "fetch_arrow", fetch_arrow)
        once = check(con, pack, period="2026-10", store_run=False)
        assert sum(routes) >= 3  # the scope, the judged visits and the rows cut to them
        monkeypatch.setattr(store, "fetch_arrow", lambda con, sql, params=None, small=False:
                            arrow(con, sql, params))
        monkeypatch.setattr(store, "fetch_polars", lambda con, sql, params=None, small=False:
                            polars_(con, sql, params))
        twice = check(con, pack, period="2026-10", store_run=False)
    finally:
        con.close()
    assert once.results.height > 100
    assert_frame_equal(once.results, twice.results)
    assert_frame_equal(once.findings, twice.findings)
    assert once.run_id == twice.run_id
    assert once.manifest == twice.manifest
