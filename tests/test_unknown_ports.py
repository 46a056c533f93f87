"""A reference row whose port is in no ports table applies to no visit: it is said, never
ignored silently (docs/contract.md 2, "Codes"; berthcheck/engine/port_codes.py).

Before: a berths, terminals, allowances, visit-counts or coverage row typed `USLAC` for the
visits' `USLAX` loaded without a word and matched nothing (the visit's berth was "without a
berths row", its responsible party `unknown`; the TIE was never granted), in `load`,
`load-dir` and `check` alike."""

from __future__ import annotations

import json

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

BERTHS = ("berths.csv, row 2: berths row with column port 'USLAC', a port in no ports table "
          "(built-in or loaded): a visit's port must be in it, so the row applies to no visit; "
          "loaded visits are at 'USLAX', spelt alike; load the row again with the visits' port "
          "(`berthcheck load berths FILE`), or a ports row for 'USLAC' (`berthcheck load ports "
          "FILE`)")


def _folder(folder):
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit(terminal="WBCT", berth="B136")])
    write_csv(folder / "berths.csv", [{"port": "USLAC", "terminal": "WBCT", "berth": "B136",
                                       "shore_power": "true", "capture_available": "false"},
                                      # another real port of no loaded visit: not said
                                      {"port": "USLGB", "terminal": "T1", "berth": "B1",
                                       "shore_power": "true", "capture_available": "false"}])
    write_csv(folder / "terminals.csv", [
        {"port": "USLAC", "terminal": "WBCT", "vessel_type": vt, "year": "2026",
         "regulated": "true"} for vt in ("container", "reefer", "passenger", "roro",
                                        "tanker", "bulk")])
    write_csv(folder / "allowances.csv", [
        {"year": "2026", "holder_kind": "terminal", "holder": "WBCT", "granted": "3",
         "port": "USLAC"},
        {"year": "2026", "holder_kind": "fleet", "holder": "F1", "granted": "3", "port": ""}])
    write_csv(folder / "visit_counts.csv", [
        {"year": "2025", "holder_kind": "terminal", "holder": "WBCT", "port": "USLAC",
         "vessel_type": "container", "visits": "40", "source": ""}])
    write_csv(folder / "coverage.csv", [{"kind": "port", "holder": "USLAC", "year": "2025"},
                                        {"kind": "fleet", "holder": "USLAC", "year": "2025"}])
    return folder


def _warnings(lines: list[str]) -> list[str]:
    return [w for w in lines if "a port in no ports table" in w]


def test_rows_at_a_port_in_no_ports_table_are_said_at_load_dir_load_and_check(runner,
                                                                              tmp_path):
    db = str(tmp_path / "s.duckdb")
    loaded = runner.invoke(app, ["load-dir", str(_folder(tmp_path / "in")), "--db", db,
                                 "--json"])
    assert loaded.exit_code == 0, loaded.output
    said = _warnings(json.loads(loaded.stdout)["warnings"])
    assert said[0] == BERTHS
    # one line per file and port, rows grouped (six terminals rows), in table order; the
    # fleet coverage row and the fleet allowance (no port) are not ports
    assert [w.split(":")[0] for w in said] == [
        "berths.csv, row 2", "terminals.csv, rows 2, 3, 4, 5, 6, ... (6 rows)",
        "allowances.csv, row 2", "visit_counts.csv, row 2", "coverage.csv, row 2"]
    assert "coverage row of kind port with column holder 'USLAC'" in said[4]
    assert "rows apply to no visit" in said[1]
    checked = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json"])
    assert checked.exit_code == 0, checked.output
    assert _warnings(json.loads(checked.stdout)["warnings"]) == said
    # `load` of the table says its rows; a load of shore power says none
    again = runner.invoke(app, ["load", "berths", str(tmp_path / "in" / "berths.csv"),
                                "--db", db, "--json"])
    assert _warnings(json.loads(again.stdout)["warnings"]) == [BERTHS]
    # the row loaded again with the visits' port (nothing is deleted) ends its warning
    write_csv(tmp_path / "fixed.csv", [{"port": "USLAX", "terminal": "WBCT", "berth": "B136",
                                        "shore_power": "true", "capture_available": "false"}])
    fixed = runner.invoke(app, ["load", "berths", str(tmp_path / "fixed.csv"), "--db", db,
                                "--json"])
    assert _warnings(json.loads(fixed.stdout)["warnings"]) == []
    after = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json"])
    assert _warnings(json.loads(after.stdout)["warnings"]) == said[1:]


def test_a_ports_row_for_the_code_ends_the_warning(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    folder = _folder(tmp_path / "in")
    write_csv(folder / "ports.csv", [{"port": "USLAC", "name": "Lac", "timezone":
                                      "America/Los_Angeles"}])
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert _warnings(json.loads(loaded.stdout)["warnings"]) == []


def test_a_real_ports_row_of_the_same_load_does_not_hide_a_mistyped_one(runner, tmp_path):
    """Only a row loaded by a LATER command at a port of the ports table is the mistyped row
    "loaded again with its port corrected". Before, any such row did, so a coverage file's
    `port,USLAX,2026` hid its `port,USLAC,2026` (USLGB mistyped: every coverage row of kind
    port in a year shares kind and year), and a fleet's allowance at USLAX hid its row at a
    mistyped second port: rows that apply to no visit, loaded without a word."""
    db = str(tmp_path / "s.duckdb")
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit()])
    write_csv(folder / "coverage.csv", [{"kind": "port", "holder": "USLAX", "year": "2025"},
                                        {"kind": "port", "holder": "USLAC", "year": "2025"}])
    write_csv(folder / "allowances.csv", [
        {"year": "2026", "holder_kind": "fleet", "holder": "F1", "granted": "3",
         "port": p} for p in ("USLAX", "USLGX")])
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert [w.split(":")[0] for w in _warnings(json.loads(loaded.stdout)["warnings"])] == [
        "allowances.csv, row 3", "coverage.csv, row 3"]
