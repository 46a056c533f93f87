"""Which input tables are empty (berthcheck/engine/readiness.py): the tables `check`, `report`
and `load-dir` warn about, in load order, counting current rows only."""

from __future__ import annotations

from berthcheck import store
from berthcheck.engine.fixture_store import put_tables, visit
from berthcheck.engine.readiness import empty_tables
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.schema_doc import LOAD_ORDER

EVERY = [KINDS[k].table for k in LOAD_ORDER]


def test_empty_tables_are_those_without_a_current_row_in_load_order(con):
    assert empty_tables(con) == EVERY
    put_tables(con, {"visits": [visit("V1")],
                     "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1"}]})
    assert empty_tables(con) == [t for t in EVERY if t not in ("visits", "berths")]
    # asked about some tables: those of them, still in load order
    assert empty_tables(con, {"events", "visits", "capture", "berths"}) == ["capture", "events"]
    assert empty_tables(con, {"visits"}) == []
    assert empty_tables(con, set()) == []
    # a row set aside by a later batch is not current: its table is empty again
    store.run(con, "UPDATE berths_versions SET _replaced_by = _batch_id + 1")
    assert empty_tables(con, {"berths", "visits"}) == ["berths"]
