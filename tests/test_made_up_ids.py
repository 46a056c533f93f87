"""A session or event whose id cell is empty gets an id the loader makes from its visit and
start in UTC (ingest/prepare.py `_derive_keys`). A message about such a row showed that made-up
id as the cell's value, so a user searched the file for a value it does not hold. The value is
now empty, as written, and the reason says how the id was made (the stored id is unchanged)."""

from __future__ import annotations

import pytest

from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import good_visit, write_csv

# 2026-10-01 09:00 at USLAX (PDT, UTC-7) is 16:00 UTC
MADE = "V1/SP/20261001T160000Z"


def _session(**kw):
    row = {"session_id": "", "visit_id": "V1", "connected": "2026-10-01 09:00",
           "disconnected": "2026-10-01 12:00", "energy_kwh": "2500"}
    row.update(kw)
    return row


def _rejected(con, tmp_path, kind, rows) -> list:
    with pytest.raises(InputRejected) as exc:
        load_files(con, kind, [write_csv(tmp_path / f"{kind}.csv", rows)])
    return exc.value.errors


@pytest.fixture
def visit_loaded(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "visits.csv", [good_visit()])])
    return con


def test_overlap_of_sessions_without_id_says_the_cells_are_empty(visit_loaded, tmp_path):
    # row 2: 09:00-12:00 local; row 3: 11:00-13:00 local (18:00 UTC), overlapping it
    errors = _rejected(visit_loaded, tmp_path, "shore-power",
                       [_session(), _session(connected="2026-10-01 11:00",
                                             disconnected="2026-10-01 13:00")])
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "session_id", "")]
    assert errors[0].reason == (
        f"overlaps session {MADE} (row 2 of this file, whose session_id cell is empty too) on "
        "the same visit; the session_id cell is empty: the loader made the id "
        "V1/SP/20261001T180000Z from visit_id/SP/connected in UTC")


def test_an_id_the_file_gives_is_shown_as_ever(visit_loaded, tmp_path):
    errors = _rejected(visit_loaded, tmp_path, "shore-power",
                       [_session(), _session(session_id="S2", connected="2026-10-01 11:00",
                                             disconnected="2026-10-01 13:00")])
    assert [(e.row, e.value) for e in errors] == [(3, "S2")]
    assert errors[0].reason == (
        f"overlaps session {MADE} (row 2 of this file, whose session_id cell is empty too) on "
        "the same visit")


def test_duplicate_event_without_id_says_the_cell_is_empty(visit_loaded, tmp_path):
    event = {"event_id": "", "visit_id": "V1", "kind": "vie", "start": "2026-10-01 10:00",
             "end": "2026-10-01 11:00"}
    errors = _rejected(visit_loaded, tmp_path, "events",
                       [event, {**event, "end": "2026-10-01 12:00"}])
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "event_id", "")]
    # 10:00 PDT = 17:00 UTC
    assert errors[0].reason == (
        "duplicate of row 2 in this file (other values in column end); the event_id cell is "
        "empty: the loader made the id V1/EV/vie/20261001T170000Z from "
        "visit_id/EV/kind/start (or to-end, or visit) in UTC")


def test_reloaded_session_without_id_says_the_cell_is_empty(visit_loaded, tmp_path):
    load_files(visit_loaded, "shore-power", [write_csv(tmp_path / "first.csv", [_session()])])
    errors = _rejected(visit_loaded, tmp_path, "shore-power", [_session(energy_kwh="2600")])
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "session_id", "")]
    assert errors[0].reason.endswith(
        f"use --replace to load the new version; the session_id cell is empty: the loader "
        f"made the id {MADE} from visit_id/SP/connected in UTC")
    # the stored id is the made one, as before
    assert visit_loaded.execute("SELECT session_id FROM shore_power").fetchall() == [(MADE,)]
