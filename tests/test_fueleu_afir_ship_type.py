"""AFIR Art. 9(1) covers a port per ship category (container ships; ro-ro passenger ships and
high-speed craft; other passenger ships), and FuelEU Art. 6(1) applies in a port of call
covered by it: the ports column `afir_art9_ship_type` (r21-AF). Loading it, its store
migration, and what FE01 says. The verdicts and hand-computed penalties are the cases
port_afir_covered_for_* in tests/rules/FE01.yml."""

from __future__ import annotations

import json

import polars as pl
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import check
from berthcheck.ingest.load import load_files
from tests.helpers_store import visit


def _load_ports(con, tmp_path, text: str):
    path = tmp_path / "ports.csv"
    path.write_text(text, encoding="utf-8")
    return load_files(con, "ports", [path])


def _cruise_call_at_vlissingen(con) -> pl.DataFrame:
    """A cruise ship of 95 000 GT 24 h at Vlissingen in June 2030, no berths row, no OPS."""
    from tests.helpers_store import put_tables

    put_tables(con, {"visits": [visit("P30", port="NLVLI", vessel_type="passenger",
                                      gross_tonnage=95000, aux_power_kw=1000,
                                      ready_to_work=None, pilot_on_board=None,
                                      arrival="2030-06-03T06:00:00+02:00",
                                      departure="2030-06-04T06:00:00+02:00")]})
    return check(con, "fueleu-art6", store_run=False, record=False)


def test_a_port_covered_for_container_ships_only_does_not_cover_a_cruise_call(tmp_path):
    """Loaded as AFIR Art. 9 for container ships only ("Container ship" read as container),
    Vlissingen does not cover a cruise call in 2030 (no Member State decision; Art. 6(2) only
    from 2035): port_not_covered, and FE01 says why. Before the column the same port could only
    be flagged afir_art9 for all types: the call was non_compliant, 1.5 x 1 000 x 24 =
    EUR 36 000."""
    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,name,timezone,afir_art9,afir_art9_ship_type\n"
                                   "NLVLI,Vlissingen,Europe/Amsterdam,true,Container ship\n")
        assert store.run(con, "SELECT afir_art9, afir_art9_ship_type FROM ports "
                              "WHERE port = 'NLVLI'") == [(True, "container")]
        outcome = _cruise_call_at_vlissingen(con)
    finally:
        con.close()
    (row,) = outcome.results.iter_rows(named=True)
    assert (row["verdict"], row["basis"], row["penalty"]) == (
        "not_applicable", "port_not_covered", None)
    (found,) = outcome.findings.filter(pl.col("rule_id") == "FE01").iter_rows(named=True)
    assert ("is not covered on 2030-06-04: AFIR Art. 9 covers it for container ships only "
            "(ports table: afir_art9_ship_type), not for this passenger ship, no Member State "
            "OPS requirement in force") in found["message"]
    evidence = json.loads(found["evidence"])
    assert evidence["port_afir_art9"] is True
    assert evidence["port_afir_art9_ship_type"] == "container"


def test_ro_pax_and_cruise_are_read_as_passenger(tmp_path):
    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,timezone,afir_art9,afir_art9_ship_type\n"
                                   "NLVLI,Europe/Amsterdam,true,Ro-Pax\n"
                                   "BEZEE,Europe/Brussels,true,cruise\n"
                                   "FRBES,Europe/Paris,true,\n")
        stored = dict(store.run(con, "SELECT port, afir_art9_ship_type FROM ports "
                                     "WHERE port IN ('NLVLI', 'BEZEE', 'FRBES')"))
    finally:
        con.close()
    assert stored == {"NLVLI": "passenger", "BEZEE": "passenger", "FRBES": None}


def test_a_ship_type_that_is_not_an_afir_category_is_refused(tmp_path):
    """A value that is no AFIR Art. 9 category refuses the file, naming row, column and value;
    nothing is written."""
    path = tmp_path / "ports.csv"
    path.write_text("port,timezone,afir_art9,afir_art9_ship_type\n"
                    "NLVLI,Europe/Amsterdam,true,tanker\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["load", "ports", str(path), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert ("row 2, column afir_art9_ship_type: 'tanker': is not one of the accepted values "
            "container, passenger") in result.output, result.output
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT count(*) FROM ports_user") == 0
    finally:
        con.close()


def test_a_ship_type_on_a_port_not_flagged_afir_is_warned_about(tmp_path):
    """afir_art9 false and a ship type: AFIR covers the port for no type; the type is not read,
    and the load says so instead of keeping it without a word."""
    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,timezone,afir_art9,afir_art9_ship_type\n"
                                   "NLVLI,Europe/Amsterdam,false,container\n")
        warnings = store.run(con, "SELECT source_row, column_name, value, message "
                                  "FROM load_warnings")
    finally:
        con.close()
    ((row, column, value, message),) = warnings
    assert (row, column, value) == (2, "afir_art9_ship_type", "container")
    assert "afir_art9 is false" in message


def test_an_older_store_gains_the_column_and_keeps_its_ports(tmp_path, monkeypatch):
    """A store made before migration 16 (no afir_art9_ship_type anywhere) opens, gains the
    column empty on every port (every built-in port still covered for all types), and loads
    and checks a port covered for one type."""
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "MIGRATIONS", [m for m in store.MIGRATIONS if m[0] <= 15])
    con = store.connect(path)
    # migration 1 builds ports_user_versions from today's kinds: take the column away, as a
    # store of that release never had it
    store.run(con, "DROP VIEW ports")
    store.run(con, "DROP VIEW ports_user")
    store.run(con, "ALTER TABLE ports_user_versions DROP COLUMN afir_art9_ship_type")
    store.run(con, "CREATE VIEW ports_user AS SELECT * FROM ports_user_versions "
                   "WHERE _replaced_by IS NULL")
    store.run(con, "CREATE VIEW ports AS SELECT port, timezone, afir_art9 FROM ports_builtin")
    assert store.schema_version(con) == 15
    con.close()
    monkeypatch.undo()
    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.MIGRATIONS[-1][0]
        assert store.run(con, "SELECT afir_art9, afir_art9_ship_type, source FROM ports "
                              "WHERE port = 'NLRTM'") == [(True, None, "built-in")]
        _load_ports(con, tmp_path, "port,name,timezone,afir_art9,afir_art9_ship_type\n"
                                   "NLVLI,Vlissingen,Europe/Amsterdam,true,container\n")
        outcome = _cruise_call_at_vlissingen(con)
    finally:
        con.close()
    (row,) = outcome.results.iter_rows(named=True)
    assert row["basis"] == "port_not_covered"


def test_an_empty_ship_type_leaves_a_ports_row_hash_as_it_was(tmp_path):
    """Ports rows stored before the column have the row hash of a text without it; the same
    row loaded now (afir_art9_ship_type empty) must hash the same, or loading the same ports
    file again in an upgraded store would replace every row ("1 replaced", a new batch the
    runs' manifests see) instead of "unchanged"."""
    from berthcheck.ingest.kinds import KINDS, storage_name
    from berthcheck.seals import row_text_sql

    con = store.connect(":memory:")
    try:
        _load_ports(con, tmp_path, "port,name,timezone,afir_art9\n"
                                   "NLVLI,Vlissingen,Europe/Amsterdam,true\n")
        columns = [storage_name(c.name) for c in KINDS["ports"].columns
                   if c.name != "afir_art9_ship_type"]
        before = store.run(con, f"SELECT sha256({row_text_sql([*columns, 'extra'])}) "  # noqa: S608
                                "FROM ports_user")[0][0]
        assert store.run(con, "SELECT _row_hash FROM ports_user")[0][0] == before
        # a value is part of the row's content
        path = tmp_path / "typed.csv"
        path.write_text("port,name,timezone,afir_art9,afir_art9_ship_type\n"
                        "NLVLI,Vlissingen,Europe/Amsterdam,true,container\n", encoding="utf-8")
        load_files(con, "ports", [path], replace=True)
        assert store.run(con, "SELECT _row_hash FROM ports_user")[0][0] != before
    finally:
        con.close()
