"""A load's messages name each value as the user's file wrote it, so a line can be found in its
file (docs/contract.md 3: file, row, column, value). A session's or event's instant outside its
visit's stay used to be named in UTC (`'2026-10-01T12:45:00+00:00': before the visit's
arrival...` for a cell that said `2026-10-01 05:45`); the message now quotes the cell and says
what it was read as.

Hand computation (port USLAX, America/Los_Angeles, PDT = UTC-7 in October 2026): the visit
arrives 2026-10-01 06:00 PDT = 13:00 UTC and departs 2026-10-03 06:00 PDT = 13:00 UTC.
* connected 2026-10-01 05:30 = 12:30 UTC: 30 minutes before arrival, beyond the 15-minute
  tolerance: refused, "read as 2026-10-01T12:30:00+00:00".
* connected 2026-10-01 05:50 = 12:50 UTC: 10 minutes early, clipped to 13:00 UTC with a warning.
* an event starting 2026-10-04 08:00 = 15:00 UTC lies after the departure: refused.
"""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import good_visit, write_csv

BERTHS = [{"port": "USLAX", "terminal": "TRAPAC", "berth": "B136", "shore_power": "true",
           "capture_available": "true"}]


@pytest.fixture
def visit_con(tmp_path):
    con = store.connect(tmp_path / "db.duckdb")
    load_files(con, "berths", [write_csv(tmp_path / "berths.csv", BERTHS)])
    load_files(con, "visits", [write_csv(tmp_path / "visits.csv", [good_visit()])])
    yield con
    con.close()


def _sp(connected: str) -> list[dict[str, str]]:
    return [{"session_id": "S1", "visit_id": "V1", "connected": connected,
             "disconnected": "2026-10-03 05:00", "energy_kwh": "5000"}]


def test_a_session_refused_before_arrival_quotes_the_cell_as_written(visit_con, tmp_path):
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "shore-power",
                   [write_csv(tmp_path / "sp.csv", _sp("2026-10-01 05:30"))])
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (2, "connected", "2026-10-01 05:30")
    assert error.reason.startswith("read as 2026-10-01T12:30:00+00:00, before the visit's "
                                   "arrival (2026-10-01T13:00:00+00:00)")
    assert "'2026-10-01 05:30': read as" in str(error)


def test_a_clipped_session_warns_with_the_cell_as_written(visit_con, tmp_path):
    report = load_files(visit_con, "shore-power",
                        [write_csv(tmp_path / "sp.csv", _sp("2026-10-01 05:50"))])
    [warning] = report.files[0].warnings
    assert (warning.column, warning.value) == ("connected", "2026-10-01 05:50")
    assert warning.reason == ("read as 2026-10-01T12:50:00+00:00, before arrival; clipped to "
                              "2026-10-01T13:00:00+00:00")
    # the stored warning is the same line
    assert store.run(visit_con, "SELECT value, message FROM load_warnings") == [
        ("2026-10-01 05:50", warning.reason)]


def test_an_event_outside_its_visit_quotes_the_cell_as_written(visit_con, tmp_path):
    events = [{"event_id": "E1", "visit_id": "V1", "type": "emergency",
               "start": "2026-10-04 08:00", "end": ""}]
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "events", [write_csv(tmp_path / "events.csv", events)])
    [error] = caught.value.errors
    assert (error.column, error.value) == ("start", "2026-10-04 08:00")
    assert "read as 2026-10-04T15:00:00+00:00" in error.reason


def test_a_replaced_visit_refused_for_its_sessions_quotes_its_own_cell(visit_con, tmp_path):
    # the session lies inside the stay; the corrected visit arrives a day later (2026-10-02
    # 06:00 PDT = 13:00 UTC), which would leave it outside: the visit row's arrival is named
    # as its file wrote it, not as 2026-10-02T13:00:00+00:00
    load_files(visit_con, "shore-power", [write_csv(tmp_path / "sp.csv", _sp("2026-10-01 09:00"))])
    fix = write_csv(tmp_path / "fix.csv", [good_visit(arrival="2026-10-02 06:00",
                                                      ready_to_work="2026-10-02 08:00")])
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "visits", [fix], replace=True)
    [error] = caught.value.errors
    assert (error.file, error.row, error.column, error.value) == (
        "fix.csv", 2, "arrival", "2026-10-02 06:00")
    assert "(arrival read as 2026-10-02T13:00:00+00:00)" in error.reason


def test_a_vessel_at_two_berths_quotes_the_imo_as_written(visit_con, tmp_path):
    other = good_visit(visit_id="V2", imo="IMO 9321483", berth="B137")
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "visits", [write_csv(tmp_path / "v2.csv", [other])])
    [error] = caught.value.errors
    assert (error.column, error.value) == ("imo", "IMO 9321483")
    assert "vessel IMO 9321483 is at berth in visit V1" in error.reason


def test_a_replace_reads_back_the_instant_of_a_warning_old_or_new():
    # the file's instant of a clipped cell, from its warning: now said as "read as ..." in the
    # message (the value is the cell's text); a store written before kept it as the value
    from datetime import UTC, datetime

    from berthcheck.ingest.replace import _file_value

    stored = datetime(2026, 10, 1, 13, 0, tzinfo=UTC)
    given = datetime(2026, 10, 1, 12, 50, tzinfo=UTC)
    new = {"value": "2026-10-01 05:50",
           "message": "read as 2026-10-01T12:50:00+00:00, before arrival; clipped to x"}
    old = {"value": "2026-10-01T12:50:00+00:00", "message": "before arrival; clipped to x"}
    naive = {"value": "2026-10-01 05:50", "message": "before arrival; clipped to x"}
    assert _file_value(new, stored) == given
    assert _file_value(old, stored) == given
    assert _file_value(naive, stored) == stored  # no instant to be had: the stored one stands
    assert _file_value(None, stored) == stored


def test_a_duplicate_key_quotes_the_row_s_own_cells(con, tmp_path):
    # the berths key is port+terminal+berth; a port is upper-cased as it is read, so `uslax`
    # repeats row 2's USLAX: the message named row 3 as 'USLAX / TRAPAC / B136'
    rows = [dict(BERTHS[0]), {**BERTHS[0], "port": "uslax"}]
    with pytest.raises(InputRejected) as caught:
        load_files(con, "berths", [write_csv(tmp_path / "berths.csv", rows)])
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (3, "port+terminal+berth",
                                                      "uslax / TRAPAC / B136")


def test_a_key_loaded_with_other_content_quotes_the_row_s_own_cells(visit_con, tmp_path):
    changed = [{**BERTHS[0], "port": "uslax", "shore_power": "false"}]
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "berths", [write_csv(tmp_path / "berths2.csv", changed)])
    [error] = caught.value.errors
    assert (error.row, error.value) == (2, "uslax / TRAPAC / B136")
    assert "already loaded with different content" in error.reason


def test_a_key_loaded_with_other_content_names_the_columns_that_differ(visit_con, tmp_path):
    # a corrected file loaded without --replace: the line sees what the new version changes
    # (shore_power), and an unread column's change (kept in extra) apart from the read ones
    changed = [{**BERTHS[0], "shore_power": "false", "berth_note": "rebuilt 2026"}]
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "berths", [write_csv(tmp_path / "berths2.csv", changed)])
    [error] = caught.value.errors
    assert error.reason.startswith(
        "already loaded with different content (from berths.csv row 2) (other values in "
        "column shore_power; and in column berth_note, not read by any rule, kept in extra); "
        "use --replace to load the new version"), error.reason


def test_a_port_call_on_two_ships_quotes_the_cell_as_written(visit_con, tmp_path):
    # stored trimmed, so ' LAX-1' is the call LAX-1 of row 2's file; the cell had a space
    load_files(visit_con, "visits", [write_csv(tmp_path / "v.csv",
                                               [good_visit(port_call="LAX-1")])], replace=True)
    other = good_visit(visit_id="V2", imo="9074729", port_call=" LAX-1",
                       arrival="2026-10-05 06:00", ready_to_work="2026-10-05 08:00",
                       pilot_on_board="2026-10-06 05:00", departure="2026-10-06 06:00")
    with pytest.raises(InputRejected) as caught:
        load_files(visit_con, "visits", [write_csv(tmp_path / "v2.csv", [other])])
    [error] = caught.value.errors
    assert (error.column, error.value) == ("port_call", " LAX-1")
    assert "port call LAX-1 at USLAX is also on visit V1" in error.reason


def test_a_port_whose_letters_are_no_country_quotes_the_cell_as_written(con, tmp_path):
    # `xxabc` is upper-cased to XXABC as it is read; XX is no ISO 3166-1 code
    ports = [{"port": "xxabc", "name": "Nowhere", "timezone": "UTC"}]
    with pytest.raises(InputRejected) as caught:
        load_files(con, "ports", [write_csv(tmp_path / "ports.csv", ports)])
    assert [(e.column, e.value) for e in caught.value.errors] == [("port", "xxabc")]
