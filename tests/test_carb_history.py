"""The CARB provisions that depend on history, beyond the rule fixtures: loading allowances,
visit counts and coverage; the tanker boiler rule turned on; `check` saying what to load;
violation days through exports and stored runs."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest

from berthcheck import store
from berthcheck.cli_summary import summary_text
from berthcheck.engine import check, load_pack
from berthcheck.engine.runs import load_run
from berthcheck.engine.schemas import RESULT_COLUMNS
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files
from tests.helpers_store import put_tables, visit

from .conftest import good_visit, snapshot, write_csv


def _allowance(**kw) -> dict[str, str]:
    row = {"year": "2026", "holder_kind": "terminal", "holder": "TRAPAC", "granted": "2"}
    row.update(kw)
    return row


def _load_visits(con, tmp_path, rows):
    load_files(con, "visits", [write_csv(tmp_path / "visits.csv", rows)])


# --- allowances without port ------------------------------------------------------------------


def test_terminal_allowance_without_port_takes_the_only_port_with_that_terminal(con, tmp_path):
    _load_visits(con, tmp_path, [good_visit()])  # TRAPAC is known at USLAX only
    path = write_csv(tmp_path / "allowances.csv",
                     [_allowance(), _allowance(holder_kind="fleet", holder="F1", granted="5")])
    report = load_files(con, "allowances", [path])
    stored = store.fetch_polars(con, "SELECT holder_kind, holder, port FROM allowances "
                                     "ORDER BY holder_kind")
    assert stored.rows() == [("fleet", "F1", None), ("terminal", "TRAPAC", "USLAX")]
    (warning,) = report.files[0].warnings
    assert (warning.row, warning.column) == (2, "port")
    assert "filled with USLAX" in warning.reason
    # reloading the same file changes nothing (the filled port is part of the row)
    again = load_files(con, "allowances", [path])
    assert again.inserted == 0


def test_terminal_allowance_without_port_is_refused_where_the_code_is_at_two_ports(
    con, tmp_path
):
    _load_visits(con, tmp_path, [
        good_visit(),
        good_visit(visit_id="V2", imo="9074729", port="USLGB", vessel_name="PACIFIC STAR"),
    ])
    before = snapshot(con)
    path = write_csv(tmp_path / "tie.csv", [_allowance(port="USLAX"),
                                            _allowance(port="")])
    with pytest.raises(InputRejected) as caught:
        load_files(con, "allowances", [path])
    (error,) = caught.value.errors
    assert (error.file, error.row, error.column, error.value) == ("tie.csv", 3, "port", "")
    assert "USLAX, USLGB" in error.reason and "give the port" in error.reason
    assert snapshot(con) == before  # nothing written


def test_terminal_allowance_without_port_for_an_unknown_terminal_is_refused(con, tmp_path):
    _load_visits(con, tmp_path, [good_visit()])
    with pytest.raises(InputRejected) as caught:
        load_files(con, "allowances", [write_csv(tmp_path / "a.csv", [_allowance(holder="ZZ")])])
    (error,) = caught.value.errors
    assert (error.row, error.column) == (2, "port")
    assert "terminal ZZ" in error.reason


@pytest.mark.parametrize(("kind", "row", "column", "value"), [
    ("visit-counts", {"year": "2025", "holder_kind": "terminal", "holder": "T1", "port": "",
                      "visits": "25"}, "port", ""),
    ("visit-counts", {"year": "2025", "holder_kind": "fleet", "holder": "F1", "port": "",
                      "visits": "-3"}, "visits", "-3"),
    ("visit-counts", {"year": "2025", "holder_kind": "terminal", "holder": "T1", "port": "USLAX",
                      "vessel_type": "spaceship", "visits": "3"}, "vessel_type", "spaceship"),
    ("coverage", {"kind": "terminal", "holder": "USLAX", "year": "2025"}, "kind", "terminal"),
    ("coverage", {"kind": "port", "holder": "USLAX", "year": "twenty"}, "year", "twenty"),
    ("coverage", {"kind": "port", "holder": "Los Angeles", "year": "2025"}, "holder",
     "Los Angeles"),
])
def test_visit_counts_and_coverage_rows_are_validated(con, tmp_path, kind, row, column, value):
    before = snapshot(con)
    with pytest.raises(InputRejected) as caught:
        load_files(con, kind, [write_csv(tmp_path / "x.csv", [row])])
    assert [(e.file, e.row, e.column, e.value) for e in caught.value.errors] == [
        ("x.csv", 2, column, value)
    ]
    assert snapshot(con) == before


# --- the pack: boiler rule on, what to load, violation days -------------------------------------


def _run(tables, pack=None, period="2026-10"):
    con = store.connect(":memory:")
    put_tables(con, tables)
    return con, check(con, pack or load_pack(), period=period, store_run=False,
                       record=False)  # results and findings only


def test_tanker_boiler_rule_turned_on_marks_tankers_from_their_ports_date():
    pack = load_pack()
    assert not pack.parameters["tanker_boiler_rule_enabled"].confirmed
    assert "tanker_boiler_rule_enabled" in pack.unconfirmed()
    on = dataclasses.replace(pack, parameters={
        **pack.parameters,
        "tanker_boiler_rule_enabled": dataclasses.replace(
            pack.parameters["tanker_boiler_rule_enabled"], value=True),
    })
    shore = {"connected": "2026-10-03 06:00", "disconnected": "2026-10-04 19:00"}
    _, outcome = _run({
        "visits": [visit("LA", vessel_type="tanker"),
                   visit("OAK", vessel_type="tanker", port="USOAK"),
                   visit("BOX", imo="9074729")],
        "shore-power": [{"visit_id": v, "session_id": f"S{v}", **shore} for v in ("LA", "BOX")],
    }, pack=on)
    mine = outcome.findings.filter(pl.col("rule_id") == "AB22")
    # USLAX tankers from 2025-01-01 (UNCONFIRMED); USOAK from 2027 -> not yet; containers never
    assert mine["visit_id"].to_list() == ["LA"]
    assert "2025-01-01" in mine["message"][0]
    verdicts = dict(outcome.results.select("visit_id", "verdict").iter_rows())
    assert verdicts["LA"] == "compliant"  # informational: the verdict does not change


def test_check_says_what_to_load_when_counts_are_missing():
    _, outcome = _run({
        "visits": [visit("V1"), visit("V2", imo="9074729", arrival="2026-10-05 06:00",
                                      ready_to_work="2026-10-05 08:00",
                                      pilot_on_board="2026-10-06 18:00",
                                      departure="2026-10-06 19:00")],
        "events": [{"visit_id": "V1", "event_id": "E1", "kind": "vie"}],
        "terminals": [],
    })
    lines = [line for line in summary_text(outcome).splitlines() if line.startswith("warning:")]
    assert lines == [
        "warning: 2 visit(s) at terminal T1 (USLAX, container) treated as regulated: load "
        "visit-counts for 2021, 2022, 2023, 2024, 2025 (holder_kind terminal, holder T1, port "
        "USLAX, vessel_type container), or that port's complete visits of those years with "
        "coverage rows (kind port, holder USLAX), or a terminals row",
        "warning: 1 VIE claim(s) of fleet F1 not honoured: load an allowances row, or "
        "visit-counts for 2025, or the complete visits of that year with a coverage row (kind "
        "fleet, holder F1)",
    ]


def test_check_says_what_to_load_when_a_ties_year_is_not_complete():
    # r24-TIE: a line holds only its own calls at a terminal; its TIE 1 of 1 loaded claim,
    # within an allowance of 3, is not honoured while USLAX 2026 is not declared complete
    # (other lines' TIE claims at T1 that year may not be loaded): AB26 per claim, and one
    # warning line per terminal and year saying what to load
    tie_visits = [visit("V1"), visit("V2", imo="9074729", arrival="2026-10-05 06:00",
                                     ready_to_work="2026-10-05 08:00",
                                     pilot_on_board="2026-10-06 18:00",
                                     departure="2026-10-06 19:00")]
    tables = {
        "visits": tie_visits,
        "events": [{"visit_id": "V1", "event_id": "E1", "kind": "tie"},
                   {"visit_id": "V2", "event_id": "E2", "kind": "tie"}],
        "allowances": [{"year": 2026, "holder_kind": "terminal", "holder": "T1",
                        "port": "USLAX", "granted": 3}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    }
    _, outcome = _run(tables)
    verdicts = dict(outcome.results.select("visit_id", "verdict").iter_rows())
    assert verdicts == {"V1": "non_compliant", "V2": "non_compliant"}
    messages = outcome.findings.filter(pl.col("rule_id") == "AB26").sort("visit_id")["message"]
    assert messages.to_list()[0] == (
        "TIE not honoured: it is TIE 1 of the loaded claims of terminal T1 at USLAX in 2026 "
        "(allowance 3, allowances), but USLAX 2026 is not declared complete, so other claims "
        "at the terminal that year may not be loaded. Load the complete 2026 visits of USLAX "
        "(with the terminal's claims) and a coverage row (kind port, holder USLAX, year 2026)")
    lines = [line for line in summary_text(outcome).splitlines() if line.startswith("warning:")]
    assert lines == [
        "warning: 2 TIE claim(s) of terminal T1 at USLAX in 2026 not honoured: other claims at "
        "the terminal that year may not be loaded. Load the complete 2026 visits of USLAX (with "
        "the terminal's claims) and a coverage row (kind port, holder USLAX, year 2026)",
    ]
    # declared complete, the two claims are T1's first two of 2026: honoured, no warning
    _, outcome = _run({**tables, "coverage": [{"kind": "port", "holder": "USLAX",
                                               "year": 2026}]})
    assert set(outcome.results["basis"].to_list()) == {"tie"}
    assert [line for line in summary_text(outcome).splitlines()
            if line.startswith("warning:")] == []


def test_a_tie_beyond_the_allowance_of_an_incomplete_year_says_its_number_is_at_least():
    # r24-TIE: with USLAX 2026 not declared complete, V2's TIE is the 2nd of the loaded claims
    # and the 2nd at least of T1's year: beyond 1 whatever else is missing (AB10), and the
    # message says the number is a lower bound; with the year declared complete it does not
    later = {"arrival": "2026-10-05 06:00", "ready_to_work": "2026-10-05 08:00",
             "pilot_on_board": "2026-10-06 18:00", "departure": "2026-10-06 19:00"}
    tables = {
        "visits": [visit("V1"), visit("V2", imo="9074729", **later)],
        "events": [{"visit_id": v, "event_id": f"E{v}", "kind": "tie"} for v in ("V1", "V2")],
        "allowances": [{"year": 2026, "holder_kind": "terminal", "holder": "T1",
                        "port": "USLAX", "granted": 1}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    }
    _, outcome = _run(tables)
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB10")["message"].to_list()
    assert message == (
        "TIE 2 of terminal T1 at USLAX in 2026 (at least: USLAX 2026 is not declared complete, "
        "so other claims at the terminal that year may not be loaded) exceeds the allowance of "
        "1 (allowances); not honoured")
    _, outcome = _run({**tables, "coverage": [{"kind": "port", "holder": "USLAX",
                                               "year": 2026}]})
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB10")["message"].to_list()
    assert message == ("TIE 2 of terminal T1 at USLAX in 2026 exceeds the allowance of 1 "
                       "(allowances); not honoured")


def test_a_tie_without_an_allowance_names_both_rows_a_line_would_need():
    # r24-TIE: a TIE with no allowance (AB11) at a port-year not declared complete would, once
    # the allowance is loaded, still not be honoured (AB26): AB11 says both at once, so the
    # line does not load one thing to be asked for the next
    tables = {
        "visits": [visit("V1")],
        "events": [{"visit_id": "V1", "event_id": "E1", "kind": "tie"}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    }
    _, outcome = _run(tables)
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB11")["message"].to_list()
    assert message.endswith(
        "or the complete 2025 visits with a coverage row (kind port, holder USLAX); and, for "
        "its place among the terminal's claims of 2026, the complete 2026 visits of USLAX with "
        "a coverage row (kind port, holder USLAX, year 2026)"), message
    _, outcome = _run({**tables, "coverage": [{"kind": "port", "holder": "USLAX",
                                               "year": 2026}]})
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB11")["message"].to_list()
    assert message.endswith("or the complete 2025 visits with a coverage row (kind port, "
                            "holder USLAX)"), message


def test_what_to_load_names_only_the_years_that_could_decide_the_status():
    # r18-RA: counts 2021: 5, 2022: 5, 2023: ?, 2024: 10, 2025: 25, 2026: ?. For 2027 the pairs
    # with 2023 (5/?, ?/10) each have a year below 20 and cannot end low activity; only
    # 2025/2026 (25/?) is open -> treated as regulated, and only 2026 is asked for (was: 2023
    # and 2026).
    counts = [{"year": y, "holder_kind": "terminal", "holder": "T1", "port": "USLAX",
               "vessel_type": "container", "visits": n}
              for y, n in ((2021, 5), (2022, 5), (2024, 10), (2025, 25))]
    times = {"arrival": "2027-10-03 06:00", "ready_to_work": "2027-10-03 08:00",
             "pilot_on_board": "2027-10-04 18:00", "departure": "2027-10-04 19:00"}
    _, outcome = _run({"visits": [visit("V1", **times)], "visit-counts": counts,
                       "terminals": []}, period="2027-10")
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB03")["message"].to_list()
    assert "no visit count for 2026. Load" in message
    lines = [line for line in summary_text(outcome).splitlines() if line.startswith("warning:")]
    assert lines[0].startswith("warning: 1 visit(s) at terminal T1 (USLAX, container) treated "
                               "as regulated: load visit-counts for 2026 (")


def test_a_2023_claims_count_disagreement_names_2021():
    # r18-RA: 2023 VIEs are counted from 2021 (§ 93130.11(a)(2)); visit_counts says fleet F1
    # had 40 visits in 2021, the 3 loaded 2021 visits are declared complete -> AB21 compares
    # 2021 (the count used: 5 % x 40 = 2, honoured) and says so.
    old = {"arrival": "2021-03-01 06:00", "ready_to_work": "2021-03-01 08:00",
           "pilot_on_board": "2021-03-02 10:00", "departure": "2021-03-02 11:00"}
    now = {"arrival": "2023-10-03 06:00", "ready_to_work": "2023-10-03 08:00",
           "pilot_on_board": "2023-10-04 18:00", "departure": "2023-10-04 19:00"}
    _, outcome = _run({
        "visits": [visit(f"P{n}", **old) for n in range(3)] + [visit("V1", **now)],
        "events": [{"visit_id": "V1", "event_id": "E1", "kind": "vie"}],
        "visit-counts": [{"year": 2021, "holder_kind": "fleet", "holder": "F1", "visits": 40}],
        "coverage": [{"kind": "fleet", "holder": "F1", "year": 2021}],
    }, period="2023-10")
    verdicts = dict(outcome.results.select("visit_id", "basis").iter_rows())
    assert verdicts["V1"] == "vie"
    (message,) = outcome.findings.filter(pl.col("rule_id") == "AB21")["message"].to_list()
    assert message.startswith("fleet F1, visits in 2021: visit_counts says 40, ")
    assert "number 3;" in message


def test_violation_days_are_exported_stored_and_summed(tmp_path):
    from berthcheck.engine.export import write_frame

    con = store.connect(tmp_path / "db.duckdb")
    # V1: no control -> W 10-03 10:00 to 10-04 17:00 -> 2 days; V2 plugged in -> 0 days
    put_tables(con, {
        "visits": [visit("V1"), visit("V2", imo="9074729")],
        "shore-power": [{"visit_id": "V2", "session_id": "S2", "connected": "2026-10-03 06:00",
                         "disconnected": "2026-10-04 19:00"}],
    })
    outcome = check(con, period="2026-10")
    days = dict(outcome.results.select("visit_id", "violation_days").iter_rows())
    assert days == {"V1": 2, "V2": 0}
    assert "violation days: 2" in summary_text(outcome).splitlines()
    stored, _ = load_run(con, outcome.run_id)
    assert stored.columns[: len(RESULT_COLUMNS)] == list(RESULT_COLUMNS)
    assert dict(stored.select("visit_id", "violation_days").iter_rows()) == days
    out = tmp_path / "results.json"
    write_frame(outcome.results, out)
    exported = {r["visit_id"]: r["violation_days"] for r in json.loads(out.read_text())}
    assert exported == days


def test_messages_give_whole_minutes_without_a_decimal_and_evidence_keeps_the_number():
    """CARB 1.2.1: a finding's sentence says "1860 min", not "1860.0 min" (the engine's
    bc_minutes_text since 1.2.6; the other packs: tests/test_minutes_text.py); the evidence
    still carries the minutes as a number."""
    from berthcheck.engine.pack_fixtures import load_cases, run_case

    pack = load_pack("carb-at-berth-2020")
    case = next(c for c in load_cases(pack)
                if c.rule == "AB14" and c.spec["name"] == "expired_approval_does_not_count")
    outcome = run_case(case.spec, pack, case.visit_defaults)
    found = {r["rule_id"]: r for r in outcome.findings.iter_rows(named=True)}
    assert found["AB14"]["message"].startswith("capture session C1: 1860 min do not count")
    assert found["AB09"]["message"].startswith("no control: 1860 min uncontrolled (")
    assert json.loads(found["AB14"]["evidence"])["unapproved_minutes"] == 1860


def _claim_use_tables(kind: str) -> dict:
    """V2 (departs 10-04) claims a VIE/TIE though shore power covers its window; V3 (departs
    10-06) claims one with its only gap excused by an emergency; V1 (departs 10-10) claims one
    and has no control. The holder (fleet F1 / terminal T1 at USLAX) is granted 1 for 2026."""
    later = {"arrival": "2026-10-09 06:00", "ready_to_work": "2026-10-09 08:00",
             "pilot_on_board": "2026-10-10 18:00", "departure": "2026-10-10 19:00"}
    v3 = {"arrival": "2026-10-05 06:00", "ready_to_work": "2026-10-05 08:00",
          "pilot_on_board": "2026-10-06 18:00", "departure": "2026-10-06 19:00"}
    holder = ({"holder_kind": "fleet", "holder": "F1"} if kind == "vie"
              else {"holder_kind": "terminal", "holder": "T1", "port": "USLAX"})
    return {
        "visits": [visit("V1", **later), visit("V2", imo="9074729"),
                   visit("V3", imo="9176187", **v3)],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
        "shore-power": [
            {"visit_id": "V2", "session_id": "S2", "connected": "2026-10-03 10:00",
             "disconnected": "2026-10-04 17:00"},
            # V3: W 10-05 10:00 to 10-06 17:00, a gap 20:00-22:00 on 10-05
            {"visit_id": "V3", "session_id": "S3a", "connected": "2026-10-05 10:00",
             "disconnected": "2026-10-05 20:00"},
            {"visit_id": "V3", "session_id": "S3b", "connected": "2026-10-05 22:00",
             "disconnected": "2026-10-06 17:00"}],
        "events": [{"visit_id": v, "event_id": f"E{v}", "kind": kind} for v in ("V1", "V2", "V3")]
        + [{"visit_id": "V3", "event_id": "X3", "kind": "emergency",
            "start": "2026-10-05 20:00", "end": "2026-10-05 22:00"}],
        "allowances": [{"year": 2026, "granted": 1, **holder}],
        # USLAX 2026 declared complete: the loaded TIE claims are T1's of the year (AB26)
        "coverage": [{"kind": "port", "holder": "USLAX", "year": 2026}],
    }


@pytest.mark.parametrize("kind", ["vie", "tie"])
def test_a_claim_without_uncontrolled_time_uses_no_allowance_when_the_parameter_says_so(kind):
    """§ 93130.11 does not say whether a VIE/TIE assigned to a visit that needed none is spent
    (docs/regulations-carb.md 8.2): parameter claim_without_uncontrolled_time_uses_allowance,
    UNCONFIRMED. true (the default, AB10 fixture vie_on_a_visit_controlled_anyway_uses_the_
    allowance_pinned): V2's claim is the holder's 1st, V3's the 2nd, V1's the 3rd -> only V2
    honoured; V3's and V1's claims are beyond the allowance. V1 is non-compliant (AB10, a
    violation); V3 is compliant on its own control (the gap excused), so its over-claim is the
    holder's reporting error, AB24, a warning (was AB10, a violation on a compliant visit).
    false: V2 (window covered) and V3 (its 2 h gap excused whole) needed none, so
    V1's claim is the 1st -> honoured; V2 and V3 are judged on their control."""
    pack = load_pack()
    param = pack.parameters["claim_without_uncontrolled_time_uses_allowance"]
    assert param.value is True and not param.confirmed
    assert "claim_without_uncontrolled_time_uses_allowance" in pack.unconfirmed()

    def judged(p):
        _, outcome = _run(_claim_use_tables(kind), pack=p)
        got = {r["visit_id"]: (r["verdict"], r["basis"])
               for r in outcome.results.iter_rows(named=True)}
        beyond = {rule: sorted(outcome.findings.filter(pl.col("rule_id") == rule)["visit_id"])
                  for rule in ("AB10", "AB24")}
        return got, beyond

    assert judged(pack) == ({"V1": ("non_compliant", "uncontrolled"), "V2": ("compliant", kind),
                             "V3": ("compliant", "controlled+emergency")},
                            {"AB10": ["V1"], "AB24": ["V3"]})
    off = dataclasses.replace(pack, parameters={
        **pack.parameters,
        "claim_without_uncontrolled_time_uses_allowance": dataclasses.replace(param,
                                                                              value=False),
    })
    assert judged(off) == ({"V1": ("compliant", kind), "V2": ("compliant", "controlled"),
                            "V3": ("compliant", "controlled+emergency")},
                           {"AB10": [], "AB24": []})


def _shore_power_then_capture(berth: str) -> dict:
    """V1 at USLAX/T1/`berth` (B1 has a berths row with shore power, B9 none): W = 10-03 10:00
    to 10-04 17:00; shore power 10-03 12:00-18:00, then capture EO-1 to 10-04 15:00."""
    return {
        "visits": [visit("V1", berth=berth)],
        "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True,
                    "capture_available": True}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
        "shore-power": [{"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 12:00",
                         "disconnected": "2026-10-03 18:00"}],
        "capture": [{"visit_id": "V1", "session_id": "C1", "system_id": "EO-1",
                     "provider": "CleanAir", "started": "2026-10-03 18:00",
                     "ended": "2026-10-04 15:00", "nox_inlet_ppm": 900, "nox_outlet_ppm": 40}],
        "caecs": [{"system_id": "EO-1", "name": "Barge", "approved_from": "2024-01-01"}],
    }


def test_at_an_unknown_berth_the_caecs_operator_still_answers_for_its_stretch():
    """docs/regulations-carb.md 11.1 (packs 1.2.9, 1.2.11). Berth B9 has no berths row, so
    Table 7 is read for both kinds of berth: for this vessel with shore power it names the
    terminal either way (vessel+terminal with shore power, terminal+port without), the rest is
    unknown; the capture operator's part does not depend on the berth. W = 10-03 10:00 to
    10-04 17:00. Shore power 10-03 12:00-18:00, then capture EO-1 to 10-04 15:00: the late
    connection 10:00-12:00 (120 min, shore power's) -> terminal+unknown; the early
    disconnection 15:00-17:00 (120 min, capture stopped) -> terminal+caecs_operator+unknown, as
    the visit's responsible (until 1.2.8 "unknown" for both and the visit; until 1.2.10
    without the terminal). AB18 says who is known, who the berth would add, and what to load."""
    _, outcome = _run(_shore_power_then_capture(berth="B9"))
    assert outcome.results["responsible"].to_list() == ["terminal+caecs_operator+unknown"]
    stretches = outcome.findings.filter(pl.col("rule_id").is_in(["AB06", "AB07"])).sort("rule_id")
    got = [(r["rule_id"], json.loads(r["evidence"])["uncontrolled_minutes"],
            json.loads(r["evidence"])["responsible"]) for r in stretches.iter_rows(named=True)]
    assert got == [("AB06", 120.0, "terminal+unknown"),
                   ("AB07", 120.0, "terminal+caecs_operator+unknown")]
    (ab18,) = outcome.findings.filter(pl.col("rule_id") == "AB18")["message"].to_list()
    assert ab18 == ("berth USLAX/T1/B9 is not in the berths table, so Table 7 cannot tell "
                    "whether it has shore power: the terminal answers either way, with the "
                    "vessel if it has shore power, with the port if it has none; the CAECS "
                    "operator answers for the stretches its capture system left uncontrolled. "
                    "Load a berths row (port USLAX, terminal T1, berth B9, shore_power true or "
                    "false), from the terminal or the port")


def test_at_an_unknown_berth_a_vessel_without_shore_power_answers_either_way():
    """pack 1.2.11, docs/regulations-carb.md 11.1: a shipping line's own check, with no berths
    table. The vessel has no shore power equipment and no control: Table 7 names the vessel at
    a berth with shore power and vessel+terminal+port at one without, so the vessel answers
    either way (vessel+unknown; was "unknown"), and AB18 says the berth would add the terminal
    and the port if it has no shore power, and what to load."""
    tables = _shore_power_then_capture(berth="B9")
    tables = {"visits": [visit("V1", berth="B9", shore_power_capable=False)],
              "terminals": tables["terminals"], "berths": tables["berths"]}
    _, outcome = _run(tables)
    assert outcome.results["responsible"].to_list() == ["vessel+unknown"]
    (ab09,) = outcome.findings.filter(pl.col("rule_id") == "AB09")["evidence"].to_list()
    assert json.loads(ab09)["responsible"] == "vessel+unknown"
    (ab18,) = outcome.findings.filter(pl.col("rule_id") == "AB18")["message"].to_list()
    assert ab18 == ("berth USLAX/T1/B9 is not in the berths table, so Table 7 cannot tell "
                    "whether it has shore power: the vessel answers either way, with the "
                    "terminal and the port if it has none. Load a berths row (port USLAX, "
                    "terminal T1, berth B9, shore_power true or false), from the terminal or "
                    "the port")


def test_each_uncontrolled_stretch_names_who_answers_for_it():
    """docs/regulations-carb.md 11.1. W = 10-03 10:00 to 10-04 17:00. Shore power 10-03
    12:00-18:00, then capture EO-1 to 10-04 15:00. The late connection 10:00-12:00 (120 min)
    is shore power's delay: vessel+terminal (Table 7, berth and vessel with shore power). The
    early disconnection 15:00-17:00 (120 min) came when capture stopped (§ 93130.12(b)(2)(C)):
    + caecs_operator. The visit's responsible is the union."""
    _, outcome = _run(_shore_power_then_capture(berth="B1"))
    assert outcome.results["responsible"].to_list() == ["vessel+terminal+caecs_operator"]
    stretches = outcome.findings.filter(pl.col("rule_id").is_in(["AB06", "AB07"])).sort("rule_id")
    got = [(r["rule_id"], json.loads(r["evidence"])["minutes"],
            json.loads(r["evidence"])["responsible"]) for r in stretches.iter_rows(named=True)]
    assert got == [("AB06", 120.0, "vessel+terminal"),
                   ("AB07", 120.0, "vessel+terminal+caecs_operator")]
