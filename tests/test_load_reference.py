"""Reference rows that override built-in ones keep what the file does not carry (issue 14),
ports' countries come from the UN/LOCODE, and open-ended exception events load."""

from __future__ import annotations

from berthcheck import store
from berthcheck.cli import app
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
