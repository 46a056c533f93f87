"""A CARB finding's local times show their seconds when they have any (found checking a line's
own November 2026 calls at Los Angeles).

The findings wrote stretch times to the minute while their minutes were exact: a late
connection from 10:00 to 10:30:30 read "30.5 min uncontrolled (2026-11-03 10:00 to 2026-11-03
10:30 ...)", thirty minutes on the clock for 30.5 in the text. The message is what a line files
and an auditor reads against the meter log, so a time with seconds (or a fraction of one) is
written with them; a time on the minute is written as before, so the usual logs kept to the
minute read unchanged. The report's stretch times follow the same rule.
"""

from __future__ import annotations

from typer.testing import CliRunner

from berthcheck.report import fmt
from tests.conftest import folder_findings_messages, good_visit, write_csv

runner = CliRunner()


def test_stretch_times_with_seconds_are_written_with_them(tmp_path):
    folder = tmp_path / "line"
    folder.mkdir()
    write_csv(folder / "berths.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "berth": b, "shore_power": "true"}
        for b in ("B136", "B139", "B140", "B141")])
    write_csv(folder / "terminals.csv", [
        {"port": "USLAX", "terminal": "TRAPAC", "vessel_type": "container", "year": "2026",
         "regulated": "true"}])
    write_csv(folder / "visits.csv", [
        # window: Ready to Work 08:00 PST + 2 h = 11-03 10:00 PST to 11-04 18:00 - 1 h = 17:00
        good_visit(visit_id="LATE", arrival="2026-11-03 07:00", ready_to_work="2026-11-03 08:00",
                   pilot_on_board="2026-11-04 18:00", departure="2026-11-04 19:00"),
        # same window two days later; shore power interrupted 14:00 to 14:45:15
        good_visit(visit_id="GAP", imo="9310018", berth="B139", arrival="2026-11-05 07:00",
                   ready_to_work="2026-11-05 08:00", pilot_on_board="2026-11-06 18:00",
                   departure="2026-11-06 19:00"),
        # window from 11-01 00:30 PDT (Ready to Work 10-31 22:30 PDT) to 11:00 PST
        good_visit(visit_id="FALLBACK", imo="9310020", berth="B140",
                   arrival="2026-10-31 20:00", ready_to_work="2026-10-31 22:30",
                   pilot_on_board="2026-11-01 12:00", departure="2026-11-01 13:00"),
        # window 11-08 10:00 to 11-09 17:00; connected half a second late
        good_visit(visit_id="HALF", imo="9310032", berth="B141", arrival="2026-11-08 07:00",
                   ready_to_work="2026-11-08 08:00", pilot_on_board="2026-11-09 18:00",
                   departure="2026-11-09 19:00"),
    ])
    write_csv(folder / "shore_power.csv", [
        # 10:00:00 to 10:30:30 uncontrolled = 30 min 30 s = 30.5 min
        {"session_id": "S1", "visit_id": "LATE", "connected": "2026-11-03 10:30:30",
         "disconnected": "2026-11-04 17:00"},
        # gap 14:00:00 to 14:45:15 = 45 min 15 s = 45.25 min
        {"session_id": "S2", "visit_id": "GAP", "connected": "2026-11-05 10:00",
         "disconnected": "2026-11-05 14:00"},
        {"session_id": "S3", "visit_id": "GAP", "connected": "2026-11-05 14:45:15",
         "disconnected": "2026-11-06 17:00"},
        # connected at the second 01:30:30 (PST, 09:30:30Z): 00:30 PDT = 07:30Z, so 2 h 30 s =
        # 120.5 min late; the repeated wall time keeps its offset after the seconds
        {"session_id": "S4", "visit_id": "FALLBACK", "connected": "2026-11-01T01:30:30-08:00",
         "disconnected": "2026-11-01 11:00"},
        # 10:00:00 to 10:00:00.5 = 0.5 s = 0.008333 min, written to 4 decimals: 0.0083
        {"session_id": "S5", "visit_id": "HALF", "connected": "2026-11-08 10:00:00.5",
         "disconnected": "2026-11-09 17:00"},
    ])
    messages = folder_findings_messages(runner, folder, tmp_path, "2026-11")
    assert messages["LATE", "AB06"] == (
        "late connection: 30.5 min uncontrolled (2026-11-03 10:00 to 2026-11-03 10:30:30 "
        "America/Los_Angeles)")
    assert messages["GAP", "AB08"] == (
        "gap: 45.25 min uncontrolled (2026-11-05 14:00 to 2026-11-05 14:45:15 "
        "America/Los_Angeles)")
    assert messages["FALLBACK", "AB06"] == (
        "late connection: 120.5 min uncontrolled (2026-11-01 00:30 to 2026-11-01 01:30:30 "
        "UTC-08:00 America/Los_Angeles)")
    assert messages["HALF", "AB06"] == (
        "late connection: 0.0083 min uncontrolled (2026-11-08 10:00 to 2026-11-08 10:00:00.5 "
        "America/Los_Angeles)")


def test_the_reports_times_show_seconds_only_when_they_have_them():
    tz = "America/Los_Angeles"
    # 18:00:00Z = 10:00 PST; 18:30:30Z = 10:30:30 PST; 18:00:00.5Z = 10:00:00.5 PST
    assert fmt.local_interval("2026-11-03T18:00:00Z", "2026-11-03T18:30:30Z", tz) == (
        "2026-11-03 10:00 PST – 10:30:30 PST")
    assert fmt.local_interval("2026-11-03T18:00:00Z", "2026-11-03T18:30:00Z", tz) == (
        "2026-11-03 10:00 PST – 10:30 PST")
    assert fmt.local_time("2026-11-03T18:00:00.5Z", tz) == "2026-11-03 10:00:00.5 PST"
    assert fmt.local_time("2026-11-03T18:00:00Z", tz) == "2026-11-03 10:00 PST"
