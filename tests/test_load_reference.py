"""Reference rows that override built-in ones keep what the file does not carry (issue 14),
ports' countries come from the UN/LOCODE, and open-ended exception events load."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import good_visit, write_csv


def _port(con, port: str) -> dict:
    cols = ["port", "name", "timezone", "country", "carb_at_berth", "afir_art9", "note",
            "ops_required_from", "source"]
    row = store.run(con, f"SELECT {', '.join(cols)} FROM ports WHERE port = ?", [port])  # noqa: S608
    return dict(zip(cols, row[0], strict=True))


def test_renaming_a_builtin_port_keeps_its_flags(con, tmp_path):
    before = _port(con, "NLRTM")
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "NLRTM", "name": "Rotterdam (Maasvlakte)",
                       "timezone": "Europe/Amsterdam"}])
    report = load_files(con, "ports", [path])
    after = _port(con, "NLRTM")
    assert after["source"] == "user"
    assert after["name"] == "Rotterdam (Maasvlakte)"
    # every column the file does not carry is the built-in value, not the column default
    for column in ("country", "carb_at_berth", "afir_art9", "note", "ops_required_from"):
        assert after[column] == before[column], column
    assert after["afir_art9"] is True
    assert report.files[0].notes == [
        "overrides built-in port NLRTM: name 'Port of Rotterdam' -> 'Rotterdam (Maasvlakte)'"
    ]


def test_a_carried_empty_cell_means_empty(con, tmp_path):
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "NLRTM", "name": "", "timezone": "Europe/Amsterdam",
                       "afir_art9": "", "note": ""}])
    report = load_files(con, "ports", [path])
    after = _port(con, "NLRTM")
    assert after["name"] is None and after["note"] is None
    assert after["afir_art9"] is False  # the column's default, as the file asked
    assert after["carb_at_berth"] is False and after["country"] == "NL"  # not carried: kept
    (note,) = report.files[0].notes
    assert note.startswith("overrides built-in port NLRTM: ")
    assert "afir_art9 True -> False" in note and "name 'Port of Rotterdam' -> empty" in note
    assert "carb_at_berth" not in note


def test_identical_override_says_nothing_changed(con, tmp_path):
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "DEHAM", "timezone": "Europe/Berlin", "afir_art9": "true"}])
    report = load_files(con, "ports", [path])
    assert report.files[0].notes == ["overrides built-in port DEHAM: no column changed"]


def test_new_port_country_defaults_to_locode_letters(con, tmp_path):
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "ESBIO", "name": "Bilbao", "timezone": "Europe/Madrid",
                       "country": ""},
                      {"port": "NOOSL", "name": "Oslo", "timezone": "Europe/Oslo", "country": ""},
                      {"port": "FRFDF", "name": "Fort-de-France", "timezone": "America/Martinique",
                       "country": "mq"}])
    report = load_files(con, "ports", [path])
    assert report.files[0].notes == []  # none of them is built in
    assert _port(con, "ESBIO")["country"] == "ES"
    assert _port(con, "NOOSL")["country"] == "NO"
    assert _port(con, "FRFDF")["country"] == "MQ"


def test_load_command_prints_the_override(runner, tmp_path, db_path):
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "ESALG", "name": "Algeciras", "timezone": "Europe/Madrid",
                       "carb_at_berth": "yes"}])
    result = runner.invoke(app, ["load", "ports", str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert ("overrides built-in port ESALG: name 'Port of Algeciras' -> 'Algeciras'; "
            "carb_at_berth False -> True") in result.output


def test_open_ended_events_load_with_distinct_ids(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])])
    rows = [
        {"visit_id": "V1", "kind": "emergency", "start": "", "end": ""},
        {"visit_id": "V1", "kind": "emergency", "start": "2026-10-02 09:00", "end": ""},
        {"visit_id": "V1", "kind": "emergency", "start": "", "end": "2026-10-01 09:00"},
    ]
    load_files(con, "events", [write_csv(tmp_path / "e.csv", rows)])
    stored = store.run(
        con,
        "SELECT event_id, strftime(start_time, '%Y-%m-%d %H:%M'), "
        "strftime(end_time, '%Y-%m-%d %H:%M') FROM events ORDER BY event_id",
    )
    assert stored == [
        ("V1/EV/emergency/20261002T160000Z", "2026-10-02 16:00", None),
        ("V1/EV/emergency/to-20261001T160000Z", None, "2026-10-01 16:00"),
        ("V1/EV/emergency/visit", None, None),
    ]


def test_ports_view_reads_a_missing_country_off_the_locode(con):
    # a row stored without a country (e.g. loaded before the loader filled it) reads the same
    from tests.helpers_store import put_tables

    put_tables(con, {"ports": [{"port": "PTSIN", "name": "Sines", "timezone": "Europe/Lisbon"}]})
    assert store.scalar(con, "SELECT country FROM ports_user WHERE port = 'PTSIN'") is None
    assert _port(con, "PTSIN")["country"] == "PT"


def test_an_added_member_state_port_without_afir_art9_is_warned_about(con, tmp_path):
    """An empty afir_art9 is false (the contract's default), so FuelEU Art. 6 does not cover
    the port's calls before 2035 without a Member State decision: a Member State port added
    without the flag is loaded as written and warned about, row by row. A flag given (true
    or false), a port outside the EU/EEA, and a built-in port (whose flag it keeps, or whose
    change the override note says) are not."""
    path = write_csv(tmp_path / "ports.csv", [
        {"port": "FRBES", "name": "Brest", "timezone": "Europe/Paris", "afir_art9": ""},
        {"port": "FRLRH", "name": "La Rochelle", "timezone": "Europe/Paris",
         "afir_art9": "false"},
        {"port": "USXAA", "name": "Elsewhere", "timezone": "America/Los_Angeles",
         "afir_art9": ""},
        {"port": "NOKRS", "name": "Kristiansand", "timezone": "Europe/Oslo", "afir_art9": " "},
    ])
    report = load_files(con, "ports", [path])
    warned = [(w.row, w.column, w.value) for w in report.files[0].warnings]
    assert warned == [(2, "afir_art9", ""), (5, "afir_art9", "")]
    text = [str(w) for w in report.files[0].warnings]
    assert "port FRBES (FR), empty: read as false" in text[0]
    assert "port NOKRS (NO), empty" in text[1]
    assert _port(con, "FRBES")["afir_art9"] is False  # loaded as written

    absent = write_csv(tmp_path / "ports2.csv", [
        {"port": "DEKEL", "timezone": "Europe/Berlin"},
        {"port": "NLRTM", "timezone": "Europe/Amsterdam"},  # built-in: keeps its flag
    ])
    report = load_files(con, "ports", [absent])
    assert [str(w) for w in report.files[0].warnings] == [
        "ports2.csv, row 2, column afir_art9: '': port DEKEL (DE), the file has no afir_art9 "
        "column: read as false (not a port where AFIR Art. 9 requires OPS), so fueleu-art6 "
        "covers its calls only from a Member State decision (ops_required_from) or, from 2035, "
        "at quays with OPS; write true or false"]
    assert _port(con, "NLRTM")["afir_art9"] is True


def test_a_file_overriding_built_in_ports_may_leave_out_their_time_zone(con, tmp_path):
    """The contract: a loaded row overrides a built-in port column by column, a column the
    file does not carry keeps the built-in value. A ports file of `port` and one flag was
    refused whole ("required column is missing: timezone") though every row was built in;
    a row that is not built in still needs its time zone and is refused for it."""
    before = _port(con, "NLRTM")
    path = write_csv(tmp_path / "ports.csv",
                     [{"port": "NLRTM", "afir_art9_ship_type": "container"}])
    load_files(con, "ports", [path])
    after = _port(con, "NLRTM")
    assert after["timezone"] == before["timezone"] == "Europe/Amsterdam"
    assert after["source"] == "user"

    added = write_csv(tmp_path / "ports2.csv",
                      [{"port": "NLRTM", "afir_art9_ship_type": "container"},
                       {"port": "FRBES", "afir_art9_ship_type": ""}])
    with pytest.raises(InputRejected) as refused:
        load_files(con, "ports", [added])
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "timezone")]
