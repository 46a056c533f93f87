"""`berthcheck load wharfinger`: CARB Wharfinger records -> visits, and the port-year covered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import check
from berthcheck.errors import InputRejected
from berthcheck.ingest.adapters import load_adapter
from berthcheck.ingest.load import load_files

from .conftest import copy_store, snapshot, write_csv

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
HEADER = ["Vessel Name", "Vessel Type", "Operating Company", "Company Address", "Company Email",
          "Company Phone", "IMO Number", "Berth Used", "Date/Time Tied Up", "Date/Time Released"]


def _record(**kw) -> dict[str, str]:
    row = dict(zip(HEADER, ["HANSE LYRA", "Container", "Hanse Nordic Container",
                            "1 Kai, Hamburg", "ops@hanse.example", "+49 40 0000", "9337638",
                            "B136", "2026-10-03 08:00", "2026-10-04 18:30"], strict=True))
    row.update(kw)
    return row


@pytest.fixture(scope="module")
def berths_loaded(tmp_path_factory) -> Path:
    """A store with the sample month's berths and terminals loaded, once for the module (each
    test loaded them itself before): never opened again, copied by `with_berths`."""
    path = tmp_path_factory.mktemp("berths") / "berths.duckdb"
    con = store.connect(path)
    try:
        load_files(con, "berths", [SAMPLE / "berths.csv"])
        load_files(con, "terminals", [SAMPLE / "terminals.csv"])
    finally:
        con.close()
    return path


@pytest.fixture
def with_berths(berths_loaded, db_path):
    """An open private copy of `berths_loaded` (at `db_path`)."""
    con = store.connect(copy_store(berths_loaded, db_path))
    yield con
    con.close()


def test_records_become_visits_without_ready_to_work(with_berths, tmp_path):
    con = with_berths
    path = write_csv(tmp_path / "wharfinger-2026.csv", [
        _record(),
        _record(**{"Vessel Name": "NORDLYS DELTA", "Vessel Type": "Vehicle Carrier",
                   "IMO Number": "9243356", "Berth Used": "B195",
                   "Date/Time Tied Up": "2026-10-10 06:00",
                   "Date/Time Released": "2026-10-10 20:00"})], header=HEADER)
    report = load_adapter(con, "wharfinger", [path])
    rows = store.run(con, "SELECT visit_id, vessel_type, terminal, berth, operator, "
                          "strftime(arrival, '%Y-%m-%dT%H:%MZ'), ready_to_work, extra "
                          "FROM visits ORDER BY visit_id")
    first = rows[0]
    # the terminal comes from the berths table; times are Los Angeles local (PDT, -07:00)
    assert first[:7] == ("WHF-USLAX-9243356-202610100600", "roro", "WWL", "B195",
                         "Hanse Nordic Container", "2026-10-10T13:00Z", None)
    assert json.loads(rows[1][7])["wharfinger"]["operator_email"] == "ops@hanse.example"
    assert report.coverage == [("USLAX", 2026)]
    assert store.run(con, "SELECT kind, holder, year FROM coverage") == [("port", "USLAX", 2026)]
    # no ready_to_work where control was due: insufficient data, never a guess
    outcome = check(con, period="2026-10")
    verdicts = dict(outcome.results.select("visit_id", "verdict").iter_rows())
    assert verdicts["WHF-USLAX-9337638-202610030800"] == "insufficient_data"


def test_reload_changes_nothing_and_no_coverage_is_honoured(with_berths, tmp_path):
    con = with_berths
    path = write_csv(tmp_path / "w.csv", [_record()], header=HEADER)
    load_adapter(con, "wharfinger", [path], coverage=False)
    assert store.scalar(con, "SELECT count(*) FROM coverage") == 0
    before = snapshot(con)
    load_adapter(con, "wharfinger", [path], coverage=False)
    assert snapshot(con) == before


@pytest.mark.parametrize(("change", "column", "words"), [
    ({"Berth Used": "B999"}, "berth", "not in the loaded berths table"),
    ({"IMO Number": "9337639"}, "imo", "not a valid IMO number"),
    ({"Date/Time Released": "2026-10-02 08:00"}, "released", "must be after arrival"),
    ({"Date/Time Tied Up": "2026-11-01 01:30", "Date/Time Released": "2026-11-02 08:00"},
     "tied_up", "ambiguous local time"),
    # a control character is refused (not stored invisible), said once: not also "not a time"
    ({"Vessel Name": "HANSE\x00LYRA"}, "vessel_name", "control character U+0000 (NUL)"),
    ({"Date/Time Tied Up": "2026-10-03\x1b08:00"}, "tied_up", "control character U+001B"),
    ({"Company Email": "ops@hanse.example\x7f"}, "operator_email", "control character U+007F"),
])
def test_bad_records_name_row_and_wharfinger_column(with_berths, tmp_path, change, column, words):
    con = with_berths
    path = write_csv(tmp_path / "w.csv", [_record(), _record(**change)], header=HEADER)
    before = snapshot(con)
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "wharfinger", [path])
    hits = [e for e in exc.value.errors if e.row == 3 and e.column == column]
    assert len(hits) == 1 and words in hits[0].reason, [str(e) for e in exc.value.errors]
    assert snapshot(con) == before


def test_cli_load_wharfinger(runner, db_path, tmp_path):
    runner.invoke(app, ["load", "berths", str(SAMPLE / "berths.csv"), "--db", str(db_path)])
    path = write_csv(tmp_path / "w.csv", [_record()], header=HEADER)
    result = runner.invoke(app, ["load", "wharfinger", str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "coverage: USLAX 2026 declared complete" in result.output
    result = runner.invoke(app, ["load", "wharfinger", str(path), "--details", str(path),
                                 "--db", str(db_path)])
    assert result.exit_code == 2


def test_quarantine_loads_the_good_records_and_declares_their_year(with_berths, tmp_path):
    con = with_berths
    path = write_csv(tmp_path / "w.csv", [_record(), _record(**{"Berth Used": "B999"})],
                     header=HEADER)
    report = load_adapter(con, "wharfinger", [path], quarantine=True)
    assert store.scalar(con, "SELECT count(*) FROM visits") == 1
    assert store.run(con, "SELECT source_row, column_name, value FROM quarantine") == [
        (3, "berth", "B999")]
    assert report.coverage == [("USLAX", 2026)]


def test_headers_are_matched_as_load_matches_them(with_berths, tmp_path):
    """A port's export with a wrapped header (a line break in the cell), a non-breaking space
    and `IMO No.`: read by the same matcher as `load` (read.header_token)."""
    header = ["Vessel\nName", "Vessel\u00a0Type", "IMO No.", "Berth Used", "Date/Time Tied Up",
              "Date/Time\nReleased"]
    row = dict(zip(header, ["HANSE LYRA", "Container", "9337638", "B136", "2026-10-03 08:00",
                            "2026-10-04 18:30"], strict=True))
    path = write_csv(tmp_path / "w.csv", [row], header=header)
    load_adapter(with_berths, "wharfinger", [path])
    assert store.run(with_berths, "SELECT vessel_name, vessel_type, imo, berth FROM visits") == [
        ("HANSE LYRA", "container", "9337638", "B136")]


def test_encoding_and_delimiter_apply_to_a_wharfinger_file(runner, db_path, tmp_path):
    """`load` tells the user to give --encoding (and --delimiter ';') for a European port's
    export, and `load wharfinger` ignored both: the same refusal again."""
    runner.invoke(app, ["load", "berths", str(SAMPLE / "berths.csv"), "--db", str(db_path)])
    record = _record(**{"Operating Company": "Société Générale Maritime"})
    path = tmp_path / "w.csv"
    path.write_bytes((";".join(HEADER) + "\r\n" + ";".join(record[h] for h in HEADER)
                      + "\r\n").encode("cp1252"))
    plain = runner.invoke(app, ["load", "wharfinger", str(path), "--db", str(db_path)])
    assert plain.exit_code == 1 and "give --encoding latin-1" in plain.output, plain.output
    told = runner.invoke(app, ["load", "wharfinger", str(path), "--encoding", "latin-1",
                               "--delimiter", ";", "--db", str(db_path)])
    assert told.exit_code == 0, told.output
    con = store.connect(db_path)
    try:
        assert store.run(con, "SELECT operator FROM visits") == [("Société Générale Maritime",)]
    finally:
        con.close()
