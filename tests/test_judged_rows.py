"""Issue 16, a month's check: the judged visits' query returns the pack's `visits` rows itself
(engine/judged_visits.py, engine/sandbox.py), instead of their ids and a second scan of the
stored visits to cut them. Both ways must hand the sandbox the same visits, columns and types,
for a pack that lists its visit columns (`[pack] inputs`) and for one that does not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from polars.testing import assert_frame_equal

from berthcheck.engine import load_pack
from berthcheck.engine.judged_visits import judged_visits_sql
from berthcheck.engine.pack_fixtures import case_store
from berthcheck.engine.sandbox import open_sandbox
from berthcheck.engine.scope import SCOPE_SQL, parse_scope, scope_params
from tests.test_scope_pushdown import CLAIMS_ACROSS_MONTHS

NAMES = ["visits", "shore_power", "events"]


def _handed(con, pack, scope, visits_sql) -> dict:
    sandbox = open_sandbox(con, NAMES, visits_sql=visits_sql, inputs=pack.inputs)
    try:
        return {name: sandbox.sql(f"SELECT * FROM {name} ORDER BY ALL").pl()  # noqa: S608
                for name in NAMES}
    finally:
        sandbox.close()


@pytest.mark.parametrize("declared", [True, False], ids=["inputs", "every column"])
def test_the_judged_rows_are_the_cut_of_the_stored_visits(declared):
    pack = load_pack("carb-at-berth-2020")
    if not declared:
        pack = replace(pack, inputs={})
    scope = parse_scope("2026-06")
    with case_store(":memory:", CLAIMS_ACROSS_MONTHS) as con:
        con.register("_bc_scope", con.sql(SCOPE_SQL, params=scope_params(scope))
                     .arrow().read_all())
        cut = _handed(con, pack, scope, judged_visits_sql(pack, scope))  # ids, then a scan
        rows = _handed(con, pack, scope, lambda columns: judged_visits_sql(pack, scope, columns))
    # June's visit and the earlier event-carrying ones of its year, never August's
    assert sorted(cut["visits"]["visit_id"]) == ["V3", "V5", "V6"]
    for name in NAMES:
        assert_frame_equal(rows[name], cut[name])
    if declared:  # the listed columns, in their order
        assert rows["visits"].columns == list(pack.inputs["visits"])
    else:  # every stored column, lineage included
        assert "_row_hash" in rows["visits"].columns


def test_an_unbounded_scope_asks_no_years():
    """The scope query gives departures and port-local years only for a bounded scope (the
    judged visits follow from them); an unscoped check asks none."""
    assert scope_params(parse_scope())["years"] is False
    assert scope_params(parse_scope("2026-06"))["years"] is True
    assert scope_params(parse_scope(port="LAX"))["years"] is True


def test_an_unbounded_scope_is_every_stored_visit_read_without_the_scope_query():
    """An unscoped check reads the stored visits' ids alone (`scope_query`), not through
    SCOPE_SQL's join with the ports view, which DuckDB took 8-9 ms of CPU to plan in every
    unscoped check: the same visits, once each; a bounded scope still goes through it."""
    from berthcheck.engine.scope import ALL_VISITS_SQL, scope_query

    assert scope_query(parse_scope()) == (ALL_VISITS_SQL, None)
    assert scope_query(parse_scope("2026-06"))[0] == SCOPE_SQL
    assert scope_query(parse_scope(fleet="F1"))[0] == SCOPE_SQL
    with case_store(":memory:", CLAIMS_ACROSS_MONTHS) as con:
        every = con.sql(SCOPE_SQL, params=scope_params(parse_scope())).arrow().read_all()
        sql, params = scope_query(parse_scope())
        ids = con.sql(sql, params=params).arrow().read_all()["visit_id"].to_pylist()
    assert len(ids) == len(set(ids)) == every.num_rows > 3
    assert sorted(ids) == sorted(every["visit_id"].to_pylist())
