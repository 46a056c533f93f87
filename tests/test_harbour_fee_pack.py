"""A third pack written from docs/packs.md alone (tests/packs/harbour-fee: a harbour's fee per
started hour off shore power, at a port loaded rather than built in, with time a supply outage
excuses): its fixtures pass, and `check`, the report and `export indicators` give its penalty
and its excused hours as the hand-computed month below says."""

from __future__ import annotations

import csv
import json
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app

PACK = Path(__file__).resolve().parent / "packs" / "harbour-fee"

# Oslo, October 2026 (CEST, UTC+2). The window is arrival + 1 h to departure - 30 min.
FILES = {
    "ports": "port,name,timezone,country\nNOOSL,Oslo,Europe/Oslo,NO\n",
    "berths": "port,terminal,berth,shore_power\nNOOSL,Sjursoya,S1,true\n"
              "NOOSL,Sjursoya,S2,true\nNOOSL,Sondre,C1,true\nNOOSL,Sondre,C2,false\n",
    "visits": (
        "visit_id,imo,vessel_name,vessel_type,port,terminal,berth,arrival,departure\n"
        # window 10-03 07:00 to 10-04 18:30 (35.5 h), on shore power from 06:30: compliant
        "OSL-1,9321483,NORD STAR,container,NOOSL,Sjursoya,S1,2026-10-03 06:00,2026-10-04 19:00\n"
        # window 07:00 to 22:30, connected 08:30: 1.5 h off, two started hours, NOK 10,000
        "OSL-2,9337638,HANSE LYRA,container,NOOSL,Sjursoya,S2,2026-10-05 06:00,2026-10-05 23:00\n"
        # window 10-10 10:00 to 10-11 13:30, connected 13:00, outage 09:00-12:00: 2 h excused
        # (10:00-12:00), 1 h off (12:00-13:00), one started hour, NOK 5,000
        "OSL-3,9074729,COLOR FANTASY,passenger,NOOSL,Sondre,C1,2026-10-10 09:00,2026-10-11 14:00\n"
        # a tanker: not a regulated type
        "OSL-4,9102978,FJORD,tanker,NOOSL,Sondre,C2,2026-10-12 09:00,2026-10-12 20:00\n"
        # 1.5 h: two hours or less is exempt
        "OSL-5,9143506,QUICK,container,NOOSL,Sjursoya,S1,2026-10-20 09:00,2026-10-20 10:30\n"),
    "shore-power": "session_id,visit_id,connected,disconnected\n"
                   "S1,OSL-1,2026-10-03 06:30,2026-10-04 19:00\n"
                   "S2,OSL-2,2026-10-05 08:30,2026-10-05 23:00\n"
                   "S3,OSL-3,2026-10-10 13:00,2026-10-11 14:00\n",
    "events": "event_id,visit_id,kind,start,end\n"
              "E1,OSL-3,ops_unavailable,2026-10-10 09:00,2026-10-10 12:00\n",
}


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("harbour-fee")
    db = folder / "bc.duckdb"
    for kind, text in FILES.items():
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = _cli("load", kind, path, "--db", db, "--quiet")
        assert result.exit_code == 0, result.output
    return db


def test_its_fixture_cases_pass():
    result = _cli("rules", "test", PACK, "--json")
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["passed"], json.loads(result.stdout)["failed"]) == (6, 0)


def test_check_gives_the_fee_and_the_excused_hours(db, tmp_path):
    out = tmp_path / "results.csv"
    result = _cli("check", "--db", db, "--pack", PACK, "--period", "2026-10", "--out", out)
    assert result.exit_code == 0, result.output
    assert "penalties: NOK 15,000.00 on 2 non-compliant visits" in result.output
    with out.open(encoding="utf-8") as f:
        rows = {r["visit_id"]: r for r in csv.DictReader(f)}
    got = {v: (r["verdict"], r["basis"], r["uncontrolled_hours"], r["excused_hours"],
               r["penalty"], r["fee_hours"]) for v, r in rows.items()}
    assert got == {
        "OSL-1": ("compliant", "controlled", "0.000000", "0.000000", "", ""),
        "OSL-2": ("non_compliant", "uncontrolled", "1.500000", "0.000000", "10000.000000", "2"),
        "OSL-3": ("non_compliant", "uncontrolled+ops_unavailable", "1.000000", "2.000000",
                  "5000.000000", "1"),
        "OSL-4": ("not_applicable", "not_regulated_type", "", "", "", ""),
        "OSL-5": ("exempt", "short_visit", "", "", "", ""),
    }
    assert rows["OSL-3"]["window_start"] == "2026-10-10T08:00:00Z"  # 10:00 CEST
    assert float(rows["OSL-3"]["shore_power_hours"]) == 25.0  # 13:00 to 14:00 next day


def test_the_report_and_indicators_show_the_fee_and_the_excused_hours(db, tmp_path):
    html = tmp_path / "report.html"
    result = _cli("report", "--db", db, "--pack", PACK, "--period", "2026-10", "--out", html)
    assert result.exit_code == 0, result.output
    text = " ".join(unescape(html.read_text(encoding="utf-8")).split())
    assert "Penalties as the rule pack computes them total NOK 15,000.00." in text
    assert "2.0 excused: 2.0 covered by OPS unavailable events" in text
    assert ("Times are port-local. The window opens an hour after arrival and closes half an "
            "hour before departure.") in text
    out = tmp_path / "indicators"
    result = _cli("export", "indicators", "--db", db, "--period", "2026-10", "--pack", PACK,
                  "--out", out)
    assert result.exit_code == 0, result.output
    with (out / "indicators.csv").open(encoding="utf-8") as f:
        rows = {r["vessel_type"]: r for r in csv.DictReader(f)}
    assert {t: (r["regulated_visits"], r["uncontrolled_hours"], r["excused_hours"])
            for t, r in rows.items()} == {
        "container": ("2", "1.5000", "0.0000"),
        "passenger": ("1", "1.0000", "2.0000"),
        "tanker": ("0", "0.0000", "0.0000"),
    }
