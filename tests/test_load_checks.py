"""Every row check and cross-row check, each with a passing row and a failing row.

Each case writes a file whose first data row (file row 2) is good and whose second (row 3)
breaks exactly one rule. The load must be rejected naming row 3, the column and the reason;
with --quarantine the good row loads and the bad one lands in the quarantine table.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import copy_store, good_visit, rows_loaded_once, write_csv

V2 = {"visit_id": "V2", "imo": "9074729", "vessel_name": "PACIFIC STAR"}


def v2(**kw):
    return good_visit(**{**V2, **kw})


def sp(**kw):
    row = {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-01 09:00",
           "disconnected": "2026-10-02 09:00", "energy_kwh": "25000"}
    row.update(kw)
    return row


def cc(**kw):
    row = {"session_id": "C1", "visit_id": "V1", "system_id": "EO-1", "started": "2026-10-01 09:00",
           "ended": "2026-10-02 09:00", "nox_inlet_ppm": "900", "nox_outlet_ppm": "40"}
    row.update(kw)
    return row


def ev(**kw):
    row = {"event_id": "E1", "visit_id": "V1", "kind": "emergency", "start": "2026-10-02 09:00",
           "end": "2026-10-02 11:00", "note": "grid event"}
    row.update(kw)
    return row


# (case id, kind, good row, bad row, expected column, words in the reason)
CASES = [
    ("imo-check-digit", "visits", good_visit(), v2(imo="9074728"), "imo", "IMO"),
    ("imo-shape", "visits", good_visit(), v2(imo="90747"), "imo", "IMO"),
    ("vessel-type-enum", "visits", good_visit(vessel_type="Cruise"),
     v2(vessel_type="submarine"), "vessel_type", "accepted values"),
    ("vessel-type-required", "visits", good_visit(), v2(vessel_type=""),
     "vessel_type", "required"),
    ("locode-shape", "visits", good_visit(), v2(port="LAX"), "port", "UN/LOCODE"),
    # the message lists every allowed value
    ("call-purpose-enum", "visits", good_visit(call_purpose="Refuelling"),
     v2(call_purpose="party"), "call_purpose",
     "cargo, passengers, offshore_crew_change, bunkering, supplies, crew_change, repair, "
     "shelter, search_and_rescue, distress, other"),
    # an unknown port is named once, on its own column (issue 15), not as a zone on every time
    ("unknown-port-zone", "visits", good_visit(), v2(port="USXXX"), "port",
     "not in the ports table"),
    # ... and so is one whose every time carries an offset: no zone (UTC) is taken for it,
    # since the port's zone decides its reporting period and its flags which rules apply
    ("unknown-port-offsets", "visits", good_visit(),
     v2(port="usxxx", arrival="2026-10-01T06:00Z", ready_to_work="2026-10-01T08:00Z",
        pilot_on_board="2026-10-03T05:00Z", departure="2026-10-03T06:00Z"), "port",
     "port not in the ports table (load it with `berthcheck load ports`)"),
    ("departure-after-arrival", "visits", good_visit(),
     v2(departure="2026-10-01 05:00", ready_to_work="", pilot_on_board=""),
     "departure", "after arrival"),
    ("ready-to-work-in-stay", "visits", good_visit(),
     v2(ready_to_work="2026-10-01 05:00"), "ready_to_work", "at or after arrival"),
    ("pilot-on-board-in-stay", "visits", good_visit(),
     v2(pilot_on_board="2026-10-03 07:00"), "pilot_on_board", "before departure"),
    ("stay-over-60-days", "visits", good_visit(),
     v2(departure="2026-12-05 06:00", pilot_on_board=""), "departure", "60 days"),
    ("boolean", "visits", good_visit(shore_power_capable="N"),
     v2(shore_power_capable="maybe"), "shore_power_capable", "boolean"),
    ("nox-tier-range", "visits", good_visit(nox_tier="3"), v2(nox_tier="4"),
     "nox_tier", "at most 3"),
    ("nox-tier-integer", "visits", good_visit(nox_tier="2.0"), v2(nox_tier="II"),
     "nox_tier", "whole number"),
    ("gross-tonnage-positive", "visits", good_visit(gross_tonnage="95000"),
     v2(gross_tonnage="-1"), "gross_tonnage", "greater than 0"),
    ("timestamp-format", "visits", good_visit(), v2(arrival="01/10/2026 06:00"),
     "arrival", "ISO 8601"),
    ("offset-range", "visits", good_visit(arrival="2026-10-01T13:00:00Z"),
     v2(arrival="2026-10-01T06:00:00+25:00"), "arrival", "offset"),
    ("duplicate-visit-id", "visits", good_visit(), good_visit(imo="9074729"), "visit_id",
     "duplicate of row 2"),
    ("vessel-at-two-berths", "visits", good_visit(),
     good_visit(visit_id="V2", berth="B139"), "imo", "same time"),
    # a port call (FuelEU): at one port, one ship's stays within 60 days (the same value at
    # another port is another call: tests/test_port_call.py)
    ("port-call-two-ships", "visits", good_visit(port_call="LAX-1"), v2(port_call="LAX-1"),
     "port_call", "of ship IMO 9321483, not 9074729"),
    ("port-call-over-60-days", "visits", good_visit(port_call="LAX-1"),
     good_visit(visit_id="V2", berth="B139", arrival="2026-11-20 06:00", ready_to_work="",
                pilot_on_board="", departure="2026-12-05 06:00", port_call="LAX-1"),
     "port_call", "more than 60 days"),
    # sessions and events (visit V1 is loaded first)
    ("session-unknown-visit", "shore-power", sp(), sp(session_id="S2", visit_id="V9"),
     "visit_id", "no such visit"),
    ("session-order", "shore-power", sp(),
     sp(session_id="S2", connected="2026-10-02 12:00", disconnected="2026-10-02 10:00"),
     "disconnected", "after connected"),
    ("energy-non-negative", "shore-power", sp(),
     sp(session_id="S2", connected="2026-10-02 12:00", disconnected="2026-10-02 14:00",
        energy_kwh="-5"), "energy_kwh", "at least 0"),
    ("sessions-overlap", "shore-power", sp(),
     sp(session_id="S2", connected="2026-10-02 08:00", disconnected="2026-10-02 14:00"),
     "session_id", "overlaps session S1"),
    ("session-outside-visit", "shore-power", sp(disconnected="2026-10-03 06:10"),
     sp(session_id="S2", connected="2026-10-03 05:00", disconnected="2026-10-03 06:30"),
     "disconnected", "more than 15 minutes"),
    ("capture-order", "capture", cc(),
     cc(session_id="C2", started="2026-10-02 12:00", ended="2026-10-02 10:00"), "ended",
     "after started"),
    ("capture-ppm", "capture", cc(),
     cc(session_id="C2", started="2026-10-02 12:00", ended="2026-10-02 14:00",
        nox_outlet_ppm="-1"), "nox_outlet_ppm", "at least 0"),
    ("capture-system-required", "capture", cc(),
     cc(session_id="C2", started="2026-10-02 12:00", ended="2026-10-02 14:00", system_id=""),
     "system_id", "required"),
    ("event-kind", "events", ev(kind="VIE", start="", end=""), ev(event_id="E2", kind="holiday"),
     "kind", "accepted values"),
    # an open-ended event is accepted (only end = from arrival), but its end must be in the stay
    ("event-open-start-outside", "events", ev(event_id="E0", start=""),
     ev(event_id="E2", start="", end="2026-10-01 05:00"), "end", "outside its visit"),
    ("event-open-end-outside", "events", ev(event_id="E0", end=""),
     ev(event_id="E2", start="2026-10-03 07:00", end=""), "start", "outside its visit"),
    ("event-order", "events", ev(),
     ev(event_id="E2", start="2026-10-02 12:00", end="2026-10-02 10:00"), "end", "after start"),
    ("event-unknown-visit", "events", ev(), ev(event_id="E2", visit_id="V7"), "visit_id",
     "no such visit"),
    ("event-outside-visit", "events", ev(),
     ev(event_id="E2", start="2026-10-05 12:00", end="2026-10-05 14:00"), "start",
     "outside its visit"),
    # reference tables
    ("berth-boolean", "berths",
     {"port": "USLAX", "terminal": "TRAPAC", "berth": "B136", "shore_power": "true"},
     {"port": "USLAX", "terminal": "TRAPAC", "berth": "B137", "shore_power": "sometimes"},
     "shore_power", "boolean"),
    ("terminal-year", "terminals",
     {"port": "USLAX", "terminal": "B195", "vessel_type": "roro", "year": "2026",
      "regulated": "false"},
     {"port": "USLAX", "terminal": "B195", "vessel_type": "roro", "year": "1990",
      "regulated": "false"}, "year", "at least 2000"),
    ("allowance-holder-kind", "allowances",
     {"year": "2026", "holder_kind": "fleet", "holder": "Acme Fleet", "granted": "3"},
     {"year": "2026", "holder_kind": "port", "holder": "USLAX", "granted": "3"},
     "holder_kind", "accepted values"),
    ("allowance-granted", "allowances",
     {"year": "2026", "holder_kind": "fleet", "holder": "Acme Fleet", "granted": "3"},
     {"year": "2026", "holder_kind": "terminal", "holder": "TRAPAC", "granted": "-2"},
     "granted", "at least 0"),
    ("caecs-dates", "caecs",
     {"system_id": "EO-1", "approved_from": "2025-01-01", "approved_to": ""},
     {"system_id": "EO-2", "approved_from": "2025-01-01", "approved_to": "2024-01-01"},
     "approved_to", "not be before"),
    ("caecs-date-format", "caecs",
     {"system_id": "EO-1", "approved_from": "2025-01-01", "approved_to": "2027-12-31"},
     {"system_id": "EO-2", "approved_from": "Jan 2025", "approved_to": ""},
     "approved_from", "not a date"),
    ("port-timezone", "ports",
     {"port": "USBEN", "name": "Benicia", "timezone": "America/Los_Angeles"},
     {"port": "USSCK", "name": "Stockton", "timezone": "Pacific/Stockton"},
     "timezone", "IANA"),
    ("port-code-shape", "ports",
     {"port": "NLVLI", "name": "Vlissingen", "timezone": "Europe/Amsterdam"},
     {"port": "NLVL", "name": "Vlissingen", "timezone": "Europe/Amsterdam"},
     "port", "UN/LOCODE"),
    ("port-country-unknown", "ports",
     {"port": "NLVLI", "name": "Vlissingen", "timezone": "Europe/Amsterdam", "country": "nl"},
     {"port": "NLTNZ", "name": "Terneuzen", "timezone": "Europe/Amsterdam", "country": "EU"},
     "country", "ISO 3166-1"),
    ("port-locode-country-unknown", "ports",
     {"port": "NOOSL", "name": "Oslo", "timezone": "Europe/Oslo"},
     {"port": "QQABC", "name": "Nowhere", "timezone": "Europe/Oslo"},
     "port", "ISO 3166-1"),
]


TIME_COLUMNS = {"arrival", "departure", "ready_to_work", "pilot_on_board", "connected",
                "disconnected", "started", "ended", "start", "end"}


PRELOADED = ("shore-power", "capture", "events")


@pytest.fixture(scope="module")
def one_visit(tmp_path_factory) -> Path:
    """A store holding the visit the sessions and events below belong to (`good_visit()`),
    loaded once for the module and never opened again: a test of a session or event file
    starts from a copy (`store_for`), where each loaded the visit anew before (issue 16)."""
    return rows_loaded_once(tmp_path_factory, "one-visit", "visits", [good_visit()])


@pytest.fixture
def store_for(db_path, one_visit):
    """`store_for(kind)`: the test's store, holding the one visit when `kind` is a session or
    event file (a copy of `one_visit`), else empty (as conftest's `con`)."""
    opened = []

    def open_store(kind: str):
        if kind in PRELOADED:
            copy_store(one_visit, db_path)
        opened.append(store.connect(db_path))
        return opened[-1]

    yield open_store
    for con in opened:
        con.close()


@pytest.mark.parametrize(
    ("kind", "good", "bad", "column", "words"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_row_is_named_and_good_row_passes(store_for, tmp_path, kind, good, bad, column,
                                              words):
    con = store_for(kind)
    header = list(dict.fromkeys([*good, *bad]))
    path = write_csv(tmp_path / f"{kind}.csv", [good, bad], header)

    with pytest.raises(InputRejected) as rejected:
        load_files(con, kind, [path])
    errors = rejected.value.errors
    assert {e.row for e in errors} == {3}, errors  # the good row (2) is never blamed
    assert any(e.column == column and words in e.reason for e in errors), errors
    assert all(e.file == f"{kind}.csv" for e in errors)
    # the value shown is what the named column's cell holds in the file (a time may be shown
    # as its instant in UTC instead)
    named = [e for e in errors if e.column == column and words in e.reason]
    if column not in TIME_COLUMNS:
        assert all(e.value == bad.get(column, "") for e in named), (named, bad.get(column))

    report = load_files(con, kind, [path], quarantine=True)
    assert report.files[0].inserted == 1
    assert report.files[0].quarantined == 1
    quarantined = store.run(con, "SELECT source_row, column_name, reason FROM quarantine")
    assert {r[0] for r in quarantined} == {3}
    assert any(r[1] == column and words in r[2] for r in quarantined)


def test_session_within_tolerance_is_clipped_with_a_warning(store_for, tmp_path):
    con = store_for("shore-power")
    path = write_csv(tmp_path / "sp.csv", [sp(disconnected="2026-10-03 06:10")])
    report = load_files(con, "shore-power", [path])
    assert [w.column for w in report.files[0].warnings] == ["disconnected"]
    stored = store.scalar(con, "SELECT strftime(disconnected, '%Y-%m-%d %H:%M') FROM shore_power")
    assert stored == "2026-10-03 13:00"  # the visit's departure, 06:00 PDT, in UTC
    assert store.scalar(con, "SELECT count(*) FROM load_warnings") == 1


def test_a_quarantined_session_gets_no_clip_warning(store_for, tmp_path):
    # connected 30 minutes early (refused: quarantined) and disconnected 10 minutes late
    # (within the tolerance): the row is not loaded, so nothing of it was clipped; the load
    # said and stored "after departure; clipped to ..." for it all the same
    con = store_for("shore-power")
    path = write_csv(tmp_path / "sp.csv", [sp(connected="2026-10-01 05:30",
                                              disconnected="2026-10-03 06:10")])
    report = load_files(con, "shore-power", [path], quarantine=True)
    assert report.files[0].quarantined == 1
    assert report.files[0].warnings == []
    assert store.scalar(con, "SELECT count(*) FROM load_warnings") == 0


def test_every_bad_row_is_listed_not_just_the_first(con, tmp_path):
    rows = [good_visit(visit_id=f"V{i}", imo="9074728") for i in range(30)]
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)])
    assert sorted({e.row for e in rejected.value.errors}) == list(range(2, 32))


def test_errors_file_lists_every_rejected_row(con, tmp_path):
    rows = [good_visit(visit_id=f"V{i}", imo="9074728") for i in range(120)]
    out = tmp_path / "errors.csv"
    with pytest.raises(InputRejected):
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)], errors_out=out)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,reason"
    assert len(lines) == 121
    assert lines[1].startswith("v.csv,2,imo,9074728,")


def test_errors_file_opens_in_excel_with_its_non_ascii_values_and_no_formula(con, tmp_path):
    # Without a byte order mark, Excel on a Chinese- or Japanese-locale Windows reads a CSV in
    # the locale's code page: the errors file's non-ASCII values came out as mojibake. The file
    # starts with the UTF-8 BOM, as Excel's own "CSV UTF-8" does; text cells that a
    # spreadsheet would run as a formula still get their leading apostrophe.
    rows = [good_visit(visit_id="V1", port="上海港"),
            good_visit(visit_id="V2", port='=HYPERLINK("http://x","いろは")')]
    out = tmp_path / "errors.csv"
    with pytest.raises(InputRejected):
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)], errors_out=out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbffile,row,column,value,reason\n")
    assert data.count(b"\xef\xbb\xbf") == 1
    records = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    values = {r[1]: r[3] for r in records[1:] if r[2] == "port"}
    assert values == {"2": "上海港", "3": '\'=HYPERLINK("http://x","いろは")'}, records


def test_errors_file_names_a_file_refused_as_a_whole_and_replaces_an_older_one(con, tmp_path):
    # a file refused before its rows are typed (missing columns, its encoding) must still be
    # in the errors file, not leave the previous run's file to be read as this run's
    out = tmp_path / "errors.csv"
    out.write_text("file,row,column,value,reason\nold.csv,7,imo,1,from an earlier run\n")
    short = tmp_path / "v.csv"
    short.write_text("visit_id,imo\nV1,9321483\n")
    wide = tmp_path / "w.csv"
    wide.write_bytes("visit_id,imo\n".encode("utf-16"))  # no row to blame: the file itself
    good = write_csv(tmp_path / "good.csv", [good_visit()])
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [short, wide, good], errors_out=out)
    assert rejected.value.headline.startswith("v.csv: rejected")  # the first file's message
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,reason"
    assert "earlier run" not in out.read_text(encoding="utf-8-sig")
    missing = [line for line in lines if line.startswith("v.csv,1,")]
    assert len(missing) == 7 and all("required column is missing" in x for x in missing)
    # row 0 stands for the file itself, with the message the command printed for it
    records = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r for r in records if r[0] == "w.csv"] == [[
        "w.csv", "0", "", "", "w.csv: the file is UTF-16 text, not UTF-8; save it as UTF-8 (CSV "
        "UTF-8 in Excel) or give --encoding utf-16; nothing was loaded"]]
    assert store.table_counts(con)["visits"] == 0  # the good file was not loaded either


def test_errors_file_of_a_clean_load_has_its_header_only(con, tmp_path):
    out = tmp_path / "errors.csv"
    out.write_text("file,row,column,value,reason\nold.csv,7,imo,1,from an earlier run\n")
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])], errors_out=out)
    assert out.read_text(encoding="utf-8") == "\ufefffile,row,column,value,reason\n"


def test_a_malformed_port_is_reported_once_not_on_every_time(con, tmp_path):
    path = write_csv(tmp_path / "visits.csv", [good_visit(port="LAX")])
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [path])
    assert [(e.row, e.column) for e in rejected.value.errors] == [(2, "port")]


@pytest.mark.parametrize(("port", "arrival", "departure", "offsets"), [
    # Rotterdam's repeated hour on 2030-10-27: CEST (+02:00) then CET (+01:00); the hint used
    # to give Los Angeles' offsets (-07:00 or -08:00) whatever the port
    ("NLRTM", "2030-10-27 02:30", "2030-10-28 08:00", "e.g. +02:00 or +01:00"),
    ("USLAX", "2026-11-01 01:30", "2026-11-02 08:00", "e.g. -07:00 or -08:00"),
])
def test_an_ambiguous_local_time_names_the_ports_own_offsets(con, tmp_path, port, arrival,
                                                             departure, offsets):
    row = good_visit(port=port, terminal="ECT", berth="E1", arrival=arrival, ready_to_work="",
                     pilot_on_board="", departure=departure)
    with pytest.raises(InputRejected) as exc:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    (error,) = [e for e in exc.value.errors if e.column == "arrival"]
    assert "ambiguous local time" in error.reason and offsets in error.reason, error.reason


def test_clip_warnings_come_in_the_files_row_order(con, tmp_path):
    # the spans query joins the file's rows with the stored visits: its rows came in whatever
    # order DuckDB's join gave (the stored visits' order here, on more threads any order), and
    # `load --json` and the load report listed the warnings so. They are in the file's order.
    visits = [good_visit(visit_id=f"V{i}", imo=imo) for i, imo in
              ((1, "9321483"), (2, "9811000"), (3, "9074729"))]
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", visits)])
    rows = [sp(session_id=f"S{n}", visit_id=visit, disconnected="2026-10-03 06:10")
            for n, visit in enumerate(("V3", "V1", "V2"), start=1)]
    report = load_files(con, "shore-power", [write_csv(tmp_path / "sp.csv", rows)])
    assert [w.row for w in report.files[0].warnings] == [2, 3, 4]
