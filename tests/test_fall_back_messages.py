"""A finding's local times say which of a fall-back night's two 01:30s they mean (found
checking a line's own calls over the November 2026 change at Los Angeles).

The CARB findings wrote "late connection: 120 min uncontrolled (2026-11-01 00:30 to
2026-11-01 01:30 America/Los_Angeles)": an hour on the wall clock for 120 minutes, since 01:30
happened twice that night. A time the night shows twice now carries its UTC offset; every other
time is written as before (the report already shows PDT / PST).
"""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import folder_findings_messages, good_visit, write_csv

runner = CliRunner()


def test_times_of_the_repeated_hour_carry_their_offset(tmp_path):
    folder = tmp_path / "line"
    folder.mkdir()
    write_csv(folder / "berths.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "berth": b, "shore_power": "true"}
        for b in ("B136", "B139")])
    write_csv(folder / "terminals.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "vessel_type": "container", "year": "2026",
         "regulated": "true"}])
    write_csv(folder / "visits.csv", [
        # window: Ready to Work 10-31 22:30 PDT + 2 h = 11-01 00:30 PDT (07:30Z) to Pilot on
        # Board 12:00 PST - 1 h = 11:00 PST (19:00Z)
        good_visit(visit_id="LATE", arrival="2026-10-31 20:00",
                   ready_to_work="2026-10-31 22:30", pilot_on_board="2026-11-01 12:00",
                   departure="2026-11-01 13:00"),
        # window: 10-31 20:00 PDT (03:00Z) to Pilot on Board 04:00 PST - 1 h = 03:00 PST (11:00Z)
        good_visit(visit_id="EARLY", imo="9310018", berth="B139",
                   arrival="2026-10-31 16:00", ready_to_work="2026-10-31 18:00",
                   pilot_on_board="2026-11-01 04:00", departure="2026-11-01 05:00"),
    ])
    write_csv(folder / "shore_power.csv", [
        # connected at the second 01:30 (PST, 09:30Z): 07:30Z to 09:30Z = 120 min late
        {"session_id": "S1", "visit_id": "LATE", "connected": "2026-11-01T01:30:00-08:00",
         "disconnected": "2026-11-01 11:00"},
        # disconnected at the first 01:15 (PDT, 08:15Z): 08:15Z to 11:00Z = 165 min early
        {"session_id": "S2", "visit_id": "EARLY", "connected": "2026-10-31 19:00",
         "disconnected": "2026-11-01T01:15:00-07:00"},
    ])
    messages = folder_findings_messages(runner, folder, tmp_path, "2026-11")
    assert messages["LATE", "AB06"] == (
        "late connection: 120 min uncontrolled (2026-11-01 00:30 to 2026-11-01 01:30 UTC-08:00 "
        "America/Los_Angeles)")
    assert messages["EARLY", "AB07"] == (
        "early disconnection: 165 min uncontrolled (2026-11-01 01:15 UTC-07:00 to 2026-11-01 "
        "03:00 America/Los_Angeles)")
    # the violation days are the port-local dates: 11-01 only for both
    assert messages["LATE", "AB23"].startswith("1 violation day (")
    assert messages["EARLY", "AB23"].startswith("1 violation day (")


def test_a_fueleu_stay_ending_in_the_repeated_hour_says_which(tmp_path):
    # Rotterdam, 2030-10-27: 03:00 CEST falls back to 02:00 CET. A container ship (90 000 GT,
    # 1 000 kW) at berth from 10-26 22:00 CEST (20:00Z) to the second 02:30 (CET, 01:30Z),
    # never on OPS: 5.5 h non-compliant, billed 6 h, EUR 1.5 x 1 000 x 6 = 9 000
    folder = tmp_path / "rtm"
    folder.mkdir()
    write_csv(folder / "berths.csv", [{"port": "NLRTM", "terminal": "ECT", "berth": "D1",
                                       "ops_available": "true"}])
    write_csv(folder / "visits.csv", [{
        "visit_id": "R1", "imo": "9310018", "vessel_name": "MERIDIAN ALPHA",
        "vessel_type": "container", "port": "NLRTM", "terminal": "ECT", "berth": "D1",
        "arrival": "2030-10-26 22:00", "departure": "2030-10-27T02:30:00+01:00",
        "gross_tonnage": "90000", "aux_power_kw": "1000"}])
    db = str(tmp_path / "rtm.duckdb")
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db, "--quiet"])
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path / "results.csv"
    checked = runner.invoke(app, ["check", "--db", db, "--pack", "fueleu-art6", "--period",
                                  "2030-10", "--out", str(out), "--quiet"])
    assert checked.exit_code == 0, checked.output
    with open(out, newline="", encoding="utf-8") as fh:
        (result,) = list(csv.DictReader(fh))
    assert (result["verdict"], float(result["uncontrolled_hours"]), float(result["penalty"])) == (
        "non_compliant", 5.5, 9000.0)
    with open(tmp_path / "findings.csv", newline="", encoding="utf-8") as fh:
        (fe05,) = [f["message"] for f in csv.DictReader(fh) if f["rule_id"] == "FE05"]
    assert "(2030-10-26 22:00 to 2030-10-27 02:30 UTC+01:00 Europe/Amsterdam)" in fe05
