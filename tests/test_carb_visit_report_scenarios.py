"""A shipping line files its CARB visit reports (17 CCR § 93130.7(e)(4)) from berthcheck: named
scenarios whose report fields are computed by hand below, each the case a defect showed.

Every visit: USLAX (PDT, UTC-7), terminal TRAPAC, vessel with shore power, fleet `Line Fleet`,
operator `Line Co`, contact details given.

| visit       | what happened                                                          |
|-------------|------------------------------------------------------------------------|
| PC-A, PC-B  | one port call `PC77`: B136 until 10-06 10:00, 16 h at anchor, B137 from 10-07 02:00 |
| NEAR-A/B    | another ship: B136 until 10-08 10:00, B137 from 10-08 14:00 (4 h later), port calls `C1` and `C2` |
| GUESS-A/B   | a third ship, no port_call: B136 until 10-09 10:00, B137 from 10-09 14:00   |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from berthcheck import store
from berthcheck.export.carb_visits import export_carb_visit_report
from berthcheck.ingest.load import load_files
from tests.conftest import write_csv

CONTACT = {"operator_address": "1 Harbor Way, Oakland", "operator_email": "ops@line.example",
           "operator_phone": "1 510 555 0100"}


def _shift(local: str, hours: int) -> str:
    return (dt.datetime.fromisoformat(local) + dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def _visit(visit_id: str, imo: str, berth: str, arrival: str, departure: str,
           port_call: str = "", **kw) -> dict[str, str]:
    """A stay with Ready to Work 1 h after arrival and Pilot on Board 1 h before departure."""
    row = {"visit_id": visit_id, "imo": imo, "vessel_name": f"SHIP {imo}",
           "vessel_type": "container", "fleet": "Line Fleet", "operator": "Line Co",
           "port": "USLAX", "terminal": "TRAPAC", "berth": berth, "arrival": arrival,
           "ready_to_work": _shift(arrival, 1), "pilot_on_board": _shift(departure, -1),
           "departure": departure, "shore_power_capable": "yes",
           "commissioned": "true", "nox_tier": "2", "port_call": port_call, **CONTACT}
    row.update(kw)
    return row


def _rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["visit_id"]: r for r in csv.DictReader(io.StringIO(path.read_text("utf-8")))}


def _report(tmp_path: Path, tables: dict[str, list[dict[str, str]]], **options):
    con = store.connect(tmp_path / "x.duckdb")
    try:
        for kind, rows in tables.items():
            load_files(con, kind, [write_csv(tmp_path / f"{kind}.csv", rows)])
        outcome = export_carb_visit_report(con, out=tmp_path / "vessel-visits.csv",
                                           period="2026-10", **{"party": "vessel", **options})
    finally:
        con.close()
    return outcome, _rows(tmp_path / "vessel-visits.csv")


SHIFTS = [
    _visit("PC-A", "9321483", "B136", "2026-10-05 06:00", "2026-10-06 10:00", "PC77"),
    _visit("PC-B", "9321483", "B137", "2026-10-07 02:00", "2026-10-08 10:00", "PC77"),
    _visit("NEAR-A", "9074729", "B136", "2026-10-07 06:00", "2026-10-08 10:00", "C1"),
    _visit("NEAR-B", "9074729", "B137", "2026-10-08 14:00", "2026-10-09 10:00", "C2"),
    _visit("GUESS-A", "9176187", "B138", "2026-10-08 06:00", "2026-10-09 10:00"),
    _visit("GUESS-B", "9176187", "B139", "2026-10-09 14:00", "2026-10-10 10:00"),
]


def test_a_berth_shift_is_the_port_call_the_visits_name(tmp_path):
    """Item 9 (a shift to another berth). The stays' `port_call` says which stays are one call
    (docs/contract.md 2): PC-A and PC-B are one call with 16 h at anchor between the berths, a
    shift (the 12-hour guess missed it); NEAR-A and NEAR-B are two calls 4 h apart, no shift
    (the guess made one). Without port_call (GUESS-A/B, 4 h apart) the 12-hour guess stands."""
    _, rows = _report(tmp_path, {"visits": SHIFTS})
    got = {v: (r["berth_shift_from"], r["berth_shift_to"]) for v, r in rows.items()}
    assert got == {
        "PC-A": ("", "TRAPAC/B137 (PC-B)"),
        "PC-B": ("TRAPAC/B136 (PC-A)", ""),
        "NEAR-A": ("", ""),
        "NEAR-B": ("", ""),
        "GUESS-A": ("", "TRAPAC/B139 (GUESS-B)"),
        "GUESS-B": ("TRAPAC/B138 (GUESS-A)", ""),
    }


# EMERG: B136 10-14 06:00 to 10-15 10:00; W = 09:00 (Ready to Work 07:00 + 2 h) to 08:00 next
# day (Pilot on Board 09:00 - 1 h; docs/contract.md 4). Shore power 12:00 to 08:00 next day. An
# emergency 10:00 to 11:00 (reference EM-1) excuses 60 of the 180 late minutes; a whole-visit
# TIE (no reference) excuses the rest: compliant, basis tie. A remediation claimed from 10-15 06:00 with no end
# runs to the departure, 10:00 (§ 93130.8(a): an exception's documentation gives its dates and
# local times, so the report gives each claim's own times beside its references).
CLAIMS = {
    "visits": [_visit("EMERG", "9289001", "B136", "2026-10-14 06:00", "2026-10-15 10:00")],
    "shore-power": [{"visit_id": "EMERG", "connected": "2026-10-14 12:00",
                     "disconnected": "2026-10-15 08:00"}],
    "events": [
        {"visit_id": "EMERG", "kind": "emergency", "start": "2026-10-14 10:00",
         "end": "2026-10-14 11:00", "reference": "EM-1", "approval_ref": ""},
        {"visit_id": "EMERG", "kind": "tie", "start": "", "end": "", "reference": "",
         "approval_ref": ""},
        {"visit_id": "EMERG", "kind": "remediation", "start": "2026-10-15 06:00", "end": "",
         "reference": "RM-7", "approval_ref": "CARB-R-7"},
    ],
    "allowances": [{"year": "2026", "holder_kind": "terminal", "holder": "TRAPAC",
                    "granted": "2", "port": "USLAX"}],
    # USLAX 2026 declared complete: the TIE is TRAPAC's first of the year (AB26 otherwise)
    "coverage": [{"kind": "port", "holder": "USLAX", "year": "2026"}],
}


def test_each_claim_is_reported_with_its_own_local_times_and_references(tmp_path):
    """exceptions_used and the references were each listed apart, duplicates dropped: with the
    TIE's reference empty, `emergency;remediation;tie` beside `EM-1;RM-7` did not say whose
    reference is whose, and no claim's times were in the report."""
    _, rows = _report(tmp_path, CLAIMS)
    row = rows["EMERG"]
    assert (row["verdict"], row["basis"], row["uncontrolled_minutes"]) == (
        "compliant", "tie", "0.0000")
    assert row["claims"] == (
        "emergency 2026-10-14T10:00:00-07:00/2026-10-14T11:00:00-07:00 reference EM-1; "
        "remediation 2026-10-15T06:00:00-07:00/2026-10-15T10:00:00-07:00 reference RM-7 "
        "approval CARB-R-7; "
        "tie whole visit")
    # the lists as before (docs/contract.md: extended, not changed)
    assert (row["exceptions_used"], row["exception_references"],
            row["approval_references"]) == ("emergency;remediation;tie", "EM-1;RM-7", "CARB-R-7")


# A line's visits in October: OWN in its fleet, CHARTER a chartered ship it operates in no fleet
# (CHARTER: no control; W = 10-21 09:00 (Ready to Work 07:00 + 2 h) to 10-22 08:00 (Pilot on
# Board 09:00 - 1 h) = 23 h = 1380 min uncontrolled),
# OTHER another operator's.
LINE = {"visits": [
    _visit("OWN", "9321483", "B136", "2026-10-20 06:00", "2026-10-21 10:00"),
    _visit("CHARTER", "9074729", "B137", "2026-10-21 06:00", "2026-10-22 10:00", fleet=""),
    _visit("OTHER", "9176187", "B138", "2026-10-22 06:00", "2026-10-23 10:00",
           fleet="Other Fleet", operator="Other Co"),
], "shore-power": [
    {"visit_id": v, "connected": f"2026-10-{d} 07:00", "disconnected": f"2026-10-{d + 1} 09:00"}
    for v, d in (("OWN", 20), ("OTHER", 22))]}


def test_a_line_reports_every_visit_it_operates_chartered_ships_too(tmp_path, runner):
    """The vessel operator reports each of its visits (§ 93130.7(e)(4)); `--fleet` was the only
    way to narrow the vessel report, so a line's chartered ship in no fleet was in none of its
    reports but the whole port's. `--operator` (matched as `--fleet` is) keeps the visits of that
    operator, with the verdicts of the period's run (the port's view of the same visits)."""
    from berthcheck.cli import app

    _, rows = _report(tmp_path, LINE, operator="line co")
    assert sorted(rows) == ["CHARTER", "OWN"]
    charter = rows["CHARTER"]
    assert (charter["verdict"], charter["uncontrolled_minutes"], charter["fleet"],
            charter["missing_fields"]) == ("non_compliant", "1380.0000", "", "fleet")
    db = str(tmp_path / "x.duckdb")
    base = ["export", "carb-visit-report", "--db", db, "--period", "2026-10"]
    fleet = runner.invoke(app, [*base, "--party", "vessel", "--fleet", "Line Fleet",
                                "--operator", "Line Co", "--out", str(tmp_path / "f.csv")])
    assert fleet.exit_code == 0, fleet.output
    assert sorted(_rows(tmp_path / "f.csv")) == ["OWN"]
    for args, words in (
            (["--party", "terminal", "--operator", "Line Co"], "--party terminal takes --terminal"),
            (["--party", "vessel", "--operator", "Line Corp"], "--operator 'Line Corp' matches no")):
        out = tmp_path / "bad.csv"
        result = runner.invoke(app, [*base, *args, "--out", str(out)])
        assert result.exit_code == 2 and words in result.output, result.output
        assert "Traceback" not in result.output and not out.exists()


def test_the_report_gives_each_visits_reason_as_check_gives_it(sample_month_checked, tmp_path):
    """`check` names each non-compliant visit's reason (its first violation, by rule); the
    visit report gave the basis (`uncontrolled`) and the minutes but not why, so the line could
    not match a row to what the port's check says. Every non-compliant visit of the sample
    month: the same minutes, parties and reason as `check --json`'s worst visits."""
    from berthcheck.engine.summary import summary_dict
    from tests.conftest import copy_store

    path, outcome = sample_month_checked
    worst = {w["visit_id"]: w for w in summary_dict(outcome, worst=1000)["worst"]}
    con = store.connect(copy_store(path, tmp_path / "s.duckdb"))
    try:
        export_carb_visit_report(con, out=tmp_path / "v.csv", period="2026-10", party="vessel")
    finally:
        con.close()
    rows = _rows(tmp_path / "v.csv")
    bad = {v: r for v, r in rows.items() if r["verdict"] == "non_compliant"}
    assert set(bad) == set(worst) and len(bad) > 10
    for v, r in bad.items():
        w = worst[v]
        assert (r["reason"], r["responsible"], float(r["uncontrolled_minutes"])) == (
            w["reason"], w["responsible"], w["uncontrolled_minutes"]), v
    # a compliant visit has a reason where it has a violation all the same (a late report, AB17)
    violating = set(outcome.findings.filter(
        outcome.findings["severity"] == "violation")["visit_id"].to_list())
    assert {v for v, r in rows.items() if r["reason"]} == violating & set(rows)


def test_an_operator_the_visits_also_spell_otherwise_is_warned_of(tmp_path):
    """`--operator 'Line Co'` keeps the visits spelt so; a visit of `LINE CO` is left out, and
    said, as `--fleet` says it (engine/scope.py other_spellings): never a quietly short
    report."""
    tables = {**LINE, "visits": [*LINE["visits"][:2], {**LINE["visits"][2], "operator": "LINE CO"}]}
    outcome, rows = _report(tmp_path, tables, operator="Line Co")
    assert sorted(rows) == ["CHARTER", "OWN"]
    assert ("--operator 'Line Co': the loaded visits also spell it 'LINE CO' (1 visit); those "
            "visits are not in this scope") in "\n".join(outcome.warnings)


def test_a_visit_with_no_report_to_make_is_no_row_and_has_no_due_date(tmp_path):
    """AB17 judges a visit report only where one is due (the pack, docs/regulations-carb.md 2):
    an articulated tug barge is not an ocean-going vessel (§ 93130.2(b)(7)) and reports nothing,
    and reporting began 2023-01-01 (parameter reporting_start_date). The export gave ATB a row
    due 2026-11-19 and `reported_late` true (reported 40 days after its 2026-10-20 departure),
    and OLD (departed 2022-12-20, reported 2023-03-01) `reported_late` true, where `check` found
    neither late. Now ATB is no row (a note says so) and OLD has no due date."""
    visits = [_visit("OWN", "9321483", "B136", "2026-10-20 06:00", "2026-10-21 10:00",
                     reported_at="2026-11-01 10:00"),
              _visit("ATB", "9074729", "B137", "2026-10-19 06:00", "2026-10-20 10:00",
                     vessel_type="articulated_tug_barge", reported_at="2026-11-29 10:00"),
              _visit("OLD", "9176187", "B138", "2022-12-19 06:00", "2022-12-20 10:00",
                     reported_at="2023-03-01 10:00")]
    outcome, rows = _report(tmp_path, {"visits": visits})
    assert sorted(rows) == ["OWN"]
    assert ("1 visit(s) of vessels that are not ocean-going (articulated_tug_barge 1) left out"
            in "\n".join(outcome.notes))
    assert (rows["OWN"]["due_date"], rows["OWN"]["reported_late"]) == ("2026-11-20", "false")
    con = store.connect(tmp_path / "x.duckdb")
    try:
        old = export_carb_visit_report(con, out=tmp_path / "old.csv", period="2022",
                                       party="vessel")
    finally:
        con.close()
    row = _rows(tmp_path / "old.csv")["OLD"]
    assert (row["due_date"], row["reported_late"], old.rows) == ("", "", 1)
