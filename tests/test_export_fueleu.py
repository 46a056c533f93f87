"""`export fueleu-calls`: every column of hand-made Rotterdam calls across the 2030 fall-back
night (CEST -> CET on 27 October), exceptions with references, penalties, incomplete records."""

from __future__ import annotations

import csv
import io

import pytest

from berthcheck import store
from berthcheck.audit import verify
from berthcheck.engine.pack import load_pack
from berthcheck.errors import UsageError
from berthcheck.export.fueleu_calls import export_fueleu_calls
from berthcheck.ingest.load import load_files
from tests.conftest import write_csv


def _call(**kw) -> dict[str, str]:
    row = {"visit_id": "", "imo": "9321483", "vessel_name": "", "vessel_type": "container",
           "port": "NLRTM", "terminal": "ECT", "berth": "E1", "arrival": "", "departure": "",
           "gross_tonnage": "80000", "aux_power_kw": ""}
    row.update(kw)
    return row


CALLS = [
    # 18:00Z -> 01:30Z (7.5 h); departs in the second 02:30 of the night (CET)
    _call(visit_id="E1", vessel_name="EURO ONE", arrival="2030-10-26T20:00:00+02:00",
          departure="2030-10-27T02:30:00+01:00", aux_power_kw="1000"),
    _call(visit_id="E2", imo="9074729", vessel_name="=EURO TWO", vessel_type="passenger",
          gross_tonnage="", arrival="2030-10-10 08:00", departure="2030-10-10 18:00"),
    _call(visit_id="E3", imo="9176187", vessel_name="BULKER", vessel_type="bulk",
          arrival="2030-10-11 08:00", departure="2030-10-12 08:00"),
    _call(visit_id="E4", imo="9289001", vessel_name="EURO FOUR", arrival="2030-10-12 08:00",
          departure="2030-10-12 20:00"),
    _call(visit_id="E5", imo="9337638", vessel_name="EURO FIVE", arrival="2030-10-13 08:00",
          departure="2030-10-13 12:00"),
]
SHORE_POWER = [
    {"visit_id": "E1", "connected": "2030-10-26T21:00:00+02:00",
     "disconnected": "2030-10-27T02:00:00+01:00", "energy_kwh": "5400"},
    {"visit_id": "E5", "connected": "2030-10-13 08:00", "disconnected": "2030-10-13 12:00",
     "energy_kwh": ""},
]
EVENTS = [{"visit_id": "E4", "kind": "ops_unavailable", "start": "", "end": "",
           "reference": "OPS-OUT-4", "approval_ref": "NL-HBR-2030-4", "note": ""}]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fueleu-export")
    db = folder / "eu.duckdb"
    con = store.connect(db)
    try:
        for kind, rows in (("visits", CALLS), ("shore-power", SHORE_POWER), ("events", EVENTS)):
            load_files(con, kind, [write_csv(folder / f"{kind}.csv", rows)])
        outcome = export_fueleu_calls(con, period="2030-10", out=folder / "calls.csv")
    finally:
        con.close()
    rows = {r["visit_id"]: r for r in csv.DictReader(
        io.StringIO((folder / "calls.csv").read_text("utf-8")))}
    return db, folder, outcome, rows


def test_every_column_of_a_penalised_call_across_the_dst_change(exported):
    _, _, outcome, rows = exported
    assert rows["E1"] == {
        "visit_id": "E1", "imo": "9321483", "vessel_name": "EURO ONE",
        "vessel_type": "container", "gross_tonnage": "80000.0000", "call_purpose": "cargo",
        "port_call": "",
        "port": "NLRTM", "terminal": "ECT", "berth": "E1", "time_zone": "Europe/Amsterdam",
        "arrival_utc": "2030-10-26T18:00:00Z", "departure_utc": "2030-10-27T01:30:00Z",
        "arrival_local": "2030-10-26T20:00:00+02:00",
        "departure_local": "2030-10-27T02:30:00+01:00",
        "stay_hours": "7.5000",  # 8.5 h on the wall clock: the night has 25 hours
        "ops_connection_hours": "6.0000",
        "ops_first_connected_utc": "2030-10-26T19:00:00Z",
        "ops_last_disconnected_utc": "2030-10-27T01:00:00Z", "ops_energy_kwh": "5400.0000",
        "exceptions_claimed": "", "exception_references": "", "exception_approvals": "",
        "exemption_events": "", "exemption_claimed_on": "", "exemption_references": "",
        "excused_hours": "0.0000",
        "capped_exception_use": "", "capped_exception_honoured": "",  # no capped claim
        "verdict": "non_compliant", "basis": "uncontrolled",
        "assessed_from_utc": "2030-10-26T18:00:00Z", "assessed_to_utc": "2030-10-27T01:30:00Z",
        "non_compliant_hours": "1.5000",
        # why it fell short: OPS from 19:00Z (60 min after arrival) to 01:00Z (30 min before
        # departure): 60 + 30 = 90 min = the 1.5 non-compliant hours
        "late_connection_minutes": "60.0000", "gap_minutes": "0.0000",
        "early_disconnection_minutes": "30.0000", "no_ops_minutes": "0.0000",
        "non_compliant_hours_billed": "2.0000",
        "power_demand_kw": "1000.0000", "power_demand_source": "given",
        "penalty_on": "E1",  # a call of one stay carries its own penalty
        "penalty": "3000.0000",  # EUR 1.5 x 1 000 kW x 2 h (rounded up)
        "currency": "EUR", "record_complete": "true", "missing_fields": "",
        "pack": load_pack("fueleu-art6").label, "run_id": outcome.run_id,
    }


def test_shortfall_columns_are_empty_unless_non_compliant(exported):
    r = exported[3]["E5"]  # on OPS for the whole stay
    assert r["verdict"] == "compliant" and r["assessed_from_utc"] == "2030-10-13T06:00:00Z"
    assert [r[c] for c in ("late_connection_minutes", "gap_minutes",
                           "early_disconnection_minutes", "no_ops_minutes")] == ["", "", "", ""]


def test_penalty_columns_cite_art_23_4_not_annex_iv():
    """Annex IV Part B is the formula of the RFNBO / GHG-intensity deficit penalties
    (docs/regulations-fueleu.md): the port-call penalty's columns cite Art. 23(4), like the pack."""
    from berthcheck.export.fueleu_calls import COLUMNS

    cited = {c.name: c.source for c in COLUMNS}
    for name in ("non_compliant_hours_billed", "power_demand_kw", "penalty"):
        assert "Annex IV" not in cited[name] and "Art. 23(4)" in cited[name], name


def test_the_port_call_column_says_a_call_is_within_its_port():
    """fueleu-art6 1.2.4 keys a port call on port and value (docs/contract.md 2): the export's
    column description, handed to a verifier in the files, said "stays sharing it are one
    call", which the same value at another port is not."""
    from berthcheck.export.fueleu_calls import COLUMNS

    (column,) = [c for c in COLUMNS if c.name == "port_call"]
    assert "at one port" in column.description
    assert "another port is another call" in column.description


def test_out_of_scope_calls_are_left_out(exported):
    _, _, outcome, rows = exported
    assert set(rows) == {"E1", "E2", "E4", "E5"}  # the bulk carrier is not in Art. 6's scope
    assert outcome.rows == 4


def test_exceptions_with_references_and_approvals(exported):
    r = exported[3]["E4"]
    assert (r["exceptions_claimed"], r["exception_references"], r["exception_approvals"]) == (
        "ops_unavailable", "OPS-OUT-4", "NL-HBR-2030-4")
    assert r["verdict"] == "compliant" and r["excused_hours"] == "12.0000"
    assert r["penalty"] == "" and r["currency"] == ""


def test_incomplete_records_are_listed(exported):
    rows = exported[3]
    assert rows["E2"]["verdict"] == "insufficient_data"
    assert rows["E2"]["vessel_name"] == "'=EURO TWO"
    assert (rows["E2"]["record_complete"], rows["E2"]["missing_fields"]) == (
        "false", "gross_tonnage")
    # connected to OPS but no metered energy: Art. 15(1)(d) asks for the electricity delivered
    assert (rows["E5"]["record_complete"], rows["E5"]["missing_fields"]) == (
        "false", "ops_energy_kwh")
    assert exported[2].incomplete == 2


def test_sidecar_and_audit_verify(exported):
    db, folder, outcome, _ = exported
    fields = {r["column"]: r for r in csv.DictReader((folder / "calls.fields.csv").open())}
    assert fields["penalty"]["status"] == "UNCONFIRMED" and fields["penalty"]["unit"] == "EUR"
    assert fields["ops_energy_kwh"]["source"] == "Reg. (EU) 2023/1805 Art. 15(1)(d)"
    con = store.connect(db)
    try:
        report = verify(con, outcome.run_id)
    finally:
        con.close()
    assert report.ok, report.lines()
    assert any("fueleu-calls" in m for m in report.matched)


def test_an_out_of_the_wrong_kind_names_the_option_and_value(exported, tmp_path):
    db = exported[0]
    con = store.connect(db)
    try:
        with pytest.raises(UsageError, match=r"^--out '.*calls\.json': the extension must be"):
            export_fueleu_calls(con, period="2030-10", out=tmp_path / "calls.json")
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_port_is_refused_as_empty(exported, tmp_path):
    """`--port "$PORT"` with PORT unset: said to be empty, not 'matches nothing loaded'."""
    con = store.connect(exported[0])
    try:
        with pytest.raises(UsageError, match=r"^--port is empty"):
            export_fueleu_calls(con, period="2030-10", out=tmp_path / "calls.csv", port=" ")
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []


def test_calls_of_a_store_fueleu_does_not_cover_are_warned_of(tmp_path, runner):
    """A Los Angeles store's FuelEU export: every visit is not_applicable, so the file is
    empty; it said "0 rows" as if the month had no calls."""
    from berthcheck.cli import app
    from tests.conftest import good_visit

    db = tmp_path / "la.duckdb"
    visits = write_csv(tmp_path / "v.csv", [good_visit()])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["export", "fueleu-calls", "--period", "2026-10", "--db", str(db),
                            "--out", str(tmp_path / "calls.csv")])
    assert r.exit_code == 0, r.output
    assert "fueleu-calls: 0 rows" in r.stdout
    assert ("warning: none of the 1 visit(s) in scope is a port call under FuelEU Art. 6"
            in r.stderr), r.stderr


# A berth shift at Rotterdam, port call RTM-77: C1 08:00-09:00 at E1 (1 h), C2 10:00-20:00 at E2
# (10 h), the unscheduled_call claim (event U1, reference PSC-77, the harbour master's
# confirmation HM-77) recorded on C1 only. The call (08:00-20:00, 12 h) is not short; the
# unscheduled call exempts the port call as a whole (call_exemption_kinds): C1 and C2 exempt,
# basis unscheduled_call, no penalty. C2 has no event of its own.
SHIFT = [
    _call(visit_id="C1", vessel_name="EURO SHIFT", arrival="2030-10-14 08:00",
          departure="2030-10-14 09:00", port_call="RTM-77"),
    _call(visit_id="C2", vessel_name="EURO SHIFT", berth="E2", arrival="2030-10-14 10:00",
          departure="2030-10-14 20:00", port_call="RTM-77"),
]
SHIFT_EVENTS = [{"visit_id": "C1", "event_id": "U1", "kind": "unscheduled_call", "start": "",
                 "end": "", "reference": "PSC-77", "approval_ref": "HM-77", "note": ""}]


def _october_rows(folder, visits: list[dict], events: list[dict]) -> dict[str, dict]:
    """Load the visits and events into a new store in `folder` and export October 2030's
    fueleu-calls (folder/calls.csv): its rows by visit id."""
    con = store.connect(folder / "eu.duckdb")
    try:
        for kind, rows in (("visits", visits), ("events", events)):
            load_files(con, kind, [write_csv(folder / f"{kind}.csv", rows)])
        export_fueleu_calls(con, period="2030-10", out=folder / "calls.csv")
    finally:
        con.close()
    return {r["visit_id"]: r for r in csv.DictReader(
        io.StringIO((folder / "calls.csv").read_text("utf-8")))}


@pytest.fixture(scope="module")
def shift_rows(tmp_path_factory):
    return _october_rows(tmp_path_factory.mktemp("fueleu-shift"), SHIFT, SHIFT_EVENTS)


EXEMPTION = ("exceptions_claimed", "exception_references", "exemption_events",
             "exemption_claimed_on", "exemption_references")


def test_a_stay_exempt_by_its_call_mates_claim_names_that_claim(shift_rows):
    """C2 is exempt by the unscheduled_call recorded on C1: its row said exempt,
    unscheduled_call, with empty exceptions_claimed, so a verifier could not see which claim
    exempted it. exceptions_claimed stays the stay's own events (none); the exemption columns
    name the claim, the stay it is recorded on and its reference."""
    c1, c2 = shift_rows["C1"], shift_rows["C2"]
    assert (c2["verdict"], c2["basis"], c2["penalty"]) == ("exempt", "unscheduled_call", "")
    assert [c2[c] for c in EXEMPTION] == ["", "", "U1", "C1", "PSC-77"]
    assert [c1[c] for c in EXEMPTION] == ["unscheduled_call", "PSC-77", "U1", "C1", "PSC-77"]


def test_exemption_columns_are_empty_unless_a_claim_exempts(exported):
    rows = exported[3]
    # E4: compliant through ops_unavailable (excused, not exempt); E1: non-compliant
    for visit in ("E1", "E4"):
        assert [rows[visit][c] for c in EXEMPTION[2:]] == ["", "", ""], visit


def test_a_claim_recorded_on_last_months_stay_is_named(tmp_path):
    """Port call RTM-78 across 30 September: D1 2030-09-30 22:30-23:50 with the
    unscheduled_call claim U9 (reference PSC-78), D2 2030-10-01 00:20-09:00 without events.
    The October export holds D2 only; its row names U9, recorded on D1, and PSC-78, though D1
    is outside the period's visits."""
    calls = [_call(visit_id="D1", vessel_name="EURO SHIFT", arrival="2030-09-30 22:30",
                   departure="2030-09-30 23:50", port_call="RTM-78"),
             _call(visit_id="D2", vessel_name="EURO SHIFT", berth="E2",
                   arrival="2030-10-01 00:20", departure="2030-10-01 09:00",
                   port_call="RTM-78")]
    events = [dict(SHIFT_EVENTS[0], visit_id="D1", event_id="U9", reference="PSC-78")]
    (row,) = _october_rows(tmp_path, calls, events).values()
    assert (row["visit_id"], row["verdict"], row["basis"]) == ("D2", "exempt", "unscheduled_call")
    assert [row[c] for c in EXEMPTION] == ["", "", "U9", "D1", "PSC-78"]


def test_the_yearly_cap_on_ops_unavailable_claims_is_in_the_records(tmp_path):
    """A verifier checking the yearly cap on ops_unavailable / ops_incompatible claims needs
    each claim's use and whether the cap honoured it; the results carried them
    (capped_exception_use, capped_exception_honoured), the export did not.

    One container ship (1 000 kW), six Rotterdam calls 2030-10-01 .. 06, 08:00-20:00 (12 h)
    without OPS, each with an ops_unavailable event over the whole stay; a seventh call
    (10-07, Q7) claims nothing. The limit is 5 a year (pack fueleu-art6,
    capped_exception_limit): calls 1-5 are uses 1-5, honoured, their 12 h excused, compliant;
    call 6 is use 6, not honoured (FE08), its 12 h billed: EUR 1.5 x 1 000 x 12 = 18 000; Q7 is
    no use at all, non-compliant with 12 h, EUR 18 000, and empty cap columns."""
    calls = [_call(visit_id=f"Q{d}", vessel_name="EURO CAP", arrival=f"2030-10-0{d} 08:00",
                   departure=f"2030-10-0{d} 20:00", aux_power_kw="1000") for d in range(1, 8)]
    events = [{"visit_id": f"Q{d}", "event_id": f"U{d}", "kind": "ops_unavailable", "start": "",
               "end": "", "reference": f"OPS-OUT-{d}", "approval_ref": "", "note": ""}
              for d in range(1, 7)]
    rows = _october_rows(tmp_path, calls, events)
    got = {v: (r["capped_exception_use"], r["capped_exception_honoured"], r["verdict"],
               r["penalty"]) for v, r in rows.items()}
    assert got == {
        **{f"Q{d}": (str(d), "true", "compliant", "") for d in range(1, 6)},
        "Q6": ("6", "false", "non_compliant", "18000.0000"),
        "Q7": ("", "", "non_compliant", "18000.0000"),
    }
    fields = {r["column"]: r for r in csv.DictReader(
        io.StringIO((tmp_path / "calls.fields.csv").read_text("utf-8")))}
    assert "capped_exception_limit" in fields["capped_exception_honoured"]["note"]
