"""A shipping line's view of "by how many minutes" (docs/contract.md 4, "Minutes"): one month
of non-compliant CARB visits, and every place that gives their minutes and parties says the
same: the results, the findings (message, `minutes`, evidence), `check`'s summary (text and
`--json`), the report (its HTML) and `export carb-visit-report`.

The month, hand-computed. Every visit: USLAX (PDT), Ready to Work 08:00, Pilot on Board 18:00
the next day -> W = 10:00 to 17:00 next day (31 h). Berth B1 has shore power, B2 has not, B9
has no berths row.

| visit     | what happened                                              | minutes  | responsible |
|-----------|------------------------------------------------------------|----------|-------------|
| V-LATE    | shore power from 10:30:30 (late 30 min 30 s)               | 30.5     | vessel+terminal (Table 7: both have shore power) |
| V-EARLY   | shore power until 16:20:30 (early 39 min 30 s)             | 39.5     | vessel+terminal |
| V-GAP     | shore power to 12:00, again from 12:45:20 (gap 45 min 20 s) | 45.3333  | vessel+terminal |
| V-EMERG   | shore power from 12:00, emergency 10:00-11:00: 120 late, 60 excused | 60 | vessel+terminal |
| V-CAPFAIL | capture to 15:00 next day, nothing after (early 120 min), B2, vessel without shore power | 120 | vessel+terminal+port (Table 7) + caecs_operator (capture stopped) |
| V-NOBERTH | the same at B9 (no berths row)                             | 120      | vessel+caecs_operator+unknown (Table 7 names the vessel at either berth, pack 1.2.11) |

Before: the report and `check`'s table wrote whole minutes, half-even, of minutes that had been
through hours rounded to 6 decimals (V-LATE 30, V-EARLY 39 beside its reason's 40), `--json`
2 decimals (45.33), the messages 4 (45.3333), and the export hours only; V-NOBERTH was
`unknown` everywhere.
"""

from __future__ import annotations

import csv
import html
import json
import re

import polars as pl
import pytest

from berthcheck import store
from berthcheck.cli_summary import summary_text
from berthcheck.engine import check, load_pack
from berthcheck.engine.summary import summary_dict
from berthcheck.export.carb_visits import export_carb_visit_report
from berthcheck.ingest.load import load_files
from berthcheck.report import build_report

from .conftest import write_csv

EXPECTED = {
    "V-LATE": ("30.5", "vessel+terminal"),
    "V-EARLY": ("39.5", "vessel+terminal"),
    "V-GAP": ("45.3333", "vessel+terminal"),
    "V-EMERG": ("60", "vessel+terminal"),
    "V-CAPFAIL": ("120", "vessel+terminal+port+caecs_operator"),
    "V-NOBERTH": ("120", "vessel+caecs_operator+unknown"),
}
STRETCH_RULES = ("AB06", "AB07", "AB08", "AB09")
LABELS = {"vessel": "vessel", "terminal": "terminal", "port": "port",
          "caecs_operator": "CAECS operator", "unknown": "unknown"}


def _visit(visit_id: str, imo: str, day: int, berth: str, capable: str) -> dict[str, str]:
    return {"visit_id": visit_id, "imo": imo, "vessel_name": visit_id.replace("-", " "),
            "vessel_type": "container", "fleet": "F1", "operator": "Op1", "port": "USLAX",
            "terminal": "T1", "berth": berth,
            "arrival": f"2026-10-{day:02d} 06:00", "ready_to_work": f"2026-10-{day:02d} 08:00",
            "pilot_on_board": f"2026-10-{day + 1:02d} 18:00",
            "departure": f"2026-10-{day + 1:02d} 19:00", "shore_power_capable": capable}


TABLES = {
    "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": "true",
                "capture_available": "true"},
               {"port": "USLAX", "terminal": "T1", "berth": "B2", "shore_power": "false",
                "capture_available": "true"}],
    "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                   "year": "2026", "regulated": "true"}],
    "caecs": [{"system_id": "EO-1", "name": "Barge", "approved_from": "2024-01-01",
               "approved_to": ""}],
    "visits": [_visit("V-LATE", "9337638", 3, "B1", "true"),
               _visit("V-EARLY", "9074729", 5, "B1", "true"),
               _visit("V-GAP", "9176187", 7, "B1", "true"),
               _visit("V-EMERG", "9289001", 9, "B1", "true"),
               _visit("V-CAPFAIL", "9321483", 11, "B2", "false"),
               _visit("V-NOBERTH", "9337640", 13, "B9", "false")],
    "shore-power": [
        {"visit_id": "V-LATE", "connected": "2026-10-03 10:30:30",
         "disconnected": "2026-10-04 17:00"},
        {"visit_id": "V-EARLY", "connected": "2026-10-05 10:00",
         "disconnected": "2026-10-06 16:20:30"},
        {"visit_id": "V-GAP", "connected": "2026-10-07 10:00", "disconnected": "2026-10-07 12:00"},
        {"visit_id": "V-GAP", "connected": "2026-10-07 12:45:20",
         "disconnected": "2026-10-08 17:00"},
        {"visit_id": "V-EMERG", "connected": "2026-10-09 12:00",
         "disconnected": "2026-10-10 17:00"}],
    "capture": [
        {"visit_id": v, "system_id": "EO-1", "provider": "CleanAir",
         "started": f"2026-10-{d:02d} 10:00", "ended": f"2026-10-{d + 1:02d} 15:00",
         "nox_inlet_ppm": "900", "nox_outlet_ppm": "40"}
        for v, d in (("V-CAPFAIL", 11), ("V-NOBERTH", 13))],
    "events": [{"visit_id": "V-EMERG", "kind": "emergency", "start": "2026-10-09 10:00",
                "end": "2026-10-09 11:00", "reference": "EM-1", "note": "", "approval_ref": ""}],
}


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The month loaded, checked, reported (HTML) and exported once."""
    folder = tmp_path_factory.mktemp("minutes")
    con = store.connect(folder / "m.duckdb")
    try:
        for kind, rows in TABLES.items():
            load_files(con, kind, [write_csv(folder / f"{kind}.csv", rows)])
        outcome = check(con, load_pack(), period="2026-10")
        report = build_report(con, period="2026-10", out=folder / "r.html")
        export_carb_visit_report(con, party="vessel", period="2026-10",
                                 out=folder / "vessel.csv")
    finally:
        con.close()
    with open(folder / "vessel.csv", encoding="utf-8", newline="") as f:
        exported = {r["visit_id"]: r for r in csv.DictReader(f)}
    return {"outcome": outcome, "html": report.path.read_text(encoding="utf-8"),
            "export": exported}


def _text(value: float) -> str:
    """A number as the rule writes it (4 decimals at most, no trailing zeros)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def test_results_and_findings_give_the_hand_computed_minutes_and_parties(month):
    outcome = month["outcome"]
    results = {r["visit_id"]: r for r in outcome.results.iter_rows(named=True)}
    assert {v: (_text(r["uncontrolled_minutes"]), r["responsible"])
            for v, r in results.items()} == EXPECTED
    stretches = outcome.findings.filter(pl.col("rule_id").is_in(STRETCH_RULES))
    got = {}
    for f in stretches.iter_rows(named=True):
        evidence = json.loads(f["evidence"])
        said = re.search(r": (\S+) min uncontrolled", f["message"]).group(1)
        # the message, the finding's minutes and its evidence say one number
        assert said == _text(f["minutes"]) == _text(evidence["uncontrolled_minutes"])
        got[f["visit_id"]] = (said, evidence["responsible"])
    assert got == EXPECTED  # one stretch per visit here: its parties are the visit's


def test_check_summary_text_and_json_say_the_same(month):
    outcome = month["outcome"]
    worst = {w["visit_id"]: (_text(w["uncontrolled_minutes"]), w["responsible"])
             for w in summary_dict(outcome)["worst"]}
    assert worst == EXPECTED
    lines = summary_text(outcome).splitlines()
    for visit_id, (minutes, responsible) in EXPECTED.items():
        (line,) = [ln for ln in lines if ln.startswith(visit_id + " ")]
        cells = line.split()
        assert cells[3] == minutes and cells[4] == responsible, line


def test_report_says_the_same(month):
    page = month["html"]
    for visit_id, (minutes, responsible) in EXPECTED.items():
        row = re.search(rf'<span class="block">{visit_id}</span>.*?</tr>', page, re.S).group(0)
        assert re.search(r'<td class="num">([^<]*)</td>', row).group(1) == minutes
        reason = html.unescape(re.sub(r"<[^>]+>", " ", row))
        # the AB06-AB09 line; a no-break space keeps the minutes and "min" on one line
        assert re.search(r": (\S+)\u00a0min", reason).group(1) == minutes
        parties = ", ".join(LABELS[p] for p in responsible.split("+"))
        assert f"<td>{html.escape(parties)}</td>" in row
    # the emergency's excused part is said beside its stretch, as the message says it
    emerg = re.search(r'<span class="block">V-EMERG</span>.*?</tr>', page, re.S).group(0)
    assert "excused 60\u00a0min" in emerg


def test_export_carb_visit_report_says_the_same(month):
    got = {v: (_text(float(r["uncontrolled_minutes"])), r["responsible"])
           for v, r in month["export"].items()}
    assert got == EXPECTED
