"""Visits' `port_call`: the stays of one FuelEU port call (a berth shift), how the
loader checks it, what it leaves unchanged for rows without it, how DCSA JIT fills it, and how
a summary counts a call's penalty that one of its stays carries. The pack's arithmetic is in
the rule fixtures (tests/rules/FE12.yml, FE08.yml) and the scope push-down comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import InputRejected
from berthcheck.ingest.adapters import load_adapter
from berthcheck.ingest.kinds import KINDS, storage_name
from berthcheck.ingest.load import load_files
from berthcheck.seals import row_text_sql
from tests.scenario_batches import ScenarioBatch, prove

from .conftest import good_visit, write_csv

FIXTURES = Path(__file__).parent / "fixtures" / "dcsa_jit"

# the scenarios below that the shipped FuelEU pack judges, checked together once (each under a
# prefix of its own: tests/scenario_batches.py), not each in a store and a check of its own
BATCH = ScenarioBatch()


@pytest.fixture(scope="module")
def checked():
    return BATCH.check()


@pytest.fixture()
def scenario(checked, request):
    """The results and findings of the test's scenarios (`BATCH.scenarios`), as their own
    checks give them."""
    return BATCH.of(request.function, checked)


def test_its_batched_scenarios_are_their_own_checks(checked):
    prove(BATCH, checked)


def _rotterdam(visit_id: str, arrival: str, departure: str, **extra) -> dict[str, str]:
    return good_visit(visit_id=visit_id, port="NLRTM", terminal="ECT", berth=extra.pop("berth", "E1"),
                      arrival=arrival, departure=departure, ready_to_work="",
                      pilot_on_board="", gross_tonnage="95000", aux_power_kw="1000", **extra)


SHIFT = [
    _rotterdam("R1", "2030-06-03 06:00", "2030-06-03 07:30", port_call="RTM-1"),
    _rotterdam("R2", "2030-06-03 08:00", "2030-06-03 20:10", berth="E2", port_call="RTM-1"),
]


def test_a_port_call_on_another_ship_than_a_loaded_stay_is_refused(runner, db_path, tmp_path):
    first = write_csv(tmp_path / "june.csv", [SHIFT[0]])
    assert runner.invoke(app, ["load", "visits", str(first), "--db", str(db_path)]).exit_code == 0
    other = good_visit(visit_id="X9", imo="9074729", vessel_name="PACIFIC STAR", port="NLRTM",
                       terminal="ECT", berth="E3", arrival="2030-06-03 08:00",
                       departure="2030-06-03 20:00", ready_to_work="", pilot_on_board="",
                       port_call="RTM-1")
    bad = write_csv(tmp_path / "july.csv", [other])
    result = runner.invoke(app, ["load", "visits", str(bad), "--db", str(db_path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert ("july.csv, row 2, column port_call: 'RTM-1': port call RTM-1 at NLRTM is also on "
            "visit R1 (already loaded) of ship IMO 9321483, not 9074729") in result.output
    con = store.connect(db_path)
    try:  # nothing of the rejected file was written
        assert store.run(con, "SELECT visit_id FROM visits ORDER BY 1") == [("R1",)]
    finally:
        con.close()


def test_a_ports_call_number_used_again_at_another_port_is_another_call(con, tmp_path):
    """Ports number their own calls and a line's references are per ship: a value is a call
    only within its port. Before, the second file was refused ("one value at two ports")."""
    from berthcheck.engine import check

    rotterdam = [  # ship A's berth shift, Rotterdam's call 1001 (R1 90 min + R2 12 h 10 min)
        _rotterdam("R1", "2030-06-03 06:00", "2030-06-03 07:30", port_call="1001"),
        _rotterdam("R2", "2030-06-03 08:00", "2030-06-03 20:10", berth="E2", port_call="1001")]
    hamburg = [  # Hamburg's own call 1001, another ship; and ship A's voyage 047E at two ports
        good_visit(visit_id="H1", imo="9074729", vessel_name="PACIFIC STAR", port="DEHAM",
                   terminal="CTA", berth="B1", arrival="2030-06-03 07:00",
                   departure="2030-06-03 08:00", ready_to_work="", pilot_on_board="",
                   gross_tonnage="95000", aux_power_kw="1000", port_call="1001"),
        _rotterdam("R3", "2030-06-10 06:00", "2030-06-10 07:00", port_call="047E"),
        good_visit(visit_id="H2", port="DEHAM", terminal="CTA", berth="B1",
                   arrival="2030-06-12 06:00", departure="2030-06-12 07:00", ready_to_work="",
                   pilot_on_board="", gross_tonnage="95000", aux_power_kw="1000",
                   port_call="047E")]
    load_files(con, "visits", [write_csv(tmp_path / "rtm.csv", rotterdam)])
    load_files(con, "visits", [write_csv(tmp_path / "ham.csv", hamburg)])
    rows = {r["visit_id"]: r for r in
            check(con, pack="fueleu-art6", period="2030-06", store_run=False)
            .results.iter_rows(named=True)}
    # Rotterdam's call is R1 + R2 (13.67 h -> 14 h, EUR 21 000); each of H1, R3 and H2 is a
    # call of its own, one hour at berth: exempt (short_visit), not part of another port's call
    assert (rows["R2"]["port_call_stays"], rows["R2"]["penalty"]) == (2, 21000.0)
    for alone in ("H1", "R3", "H2"):
        assert (rows[alone]["port_call_stays"], rows[alone]["verdict"],
                rows[alone]["basis"]) == (1, "exempt", "short_visit"), alone


def test_a_port_call_on_two_ships_at_one_port_is_refused_in_a_later_file(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [SHIFT[0]])])
    other = good_visit(visit_id="X9", imo="9074729", vessel_name="PACIFIC STAR", port="NLRTM",
                       terminal="ECT", berth="E3", arrival="2030-06-04 08:00",
                       departure="2030-06-04 20:00", ready_to_work="", pilot_on_board="",
                       port_call="RTM-1")
    elsewhere = {**other, "visit_id": "X8", "port": "DEHAM", "terminal": "CTA",
                 "arrival": "2030-06-06 08:00", "departure": "2030-06-06 20:00"}
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "b.csv", [elsewhere, other])])
    # the Hamburg row is another call; the Rotterdam row is ship 9074729 on ship 9321483's call
    assert [(e.row, e.column) for e in rejected.value.errors] == [(3, "port_call")]
    assert "port call RTM-1 at NLRTM is also on visit R1" in rejected.value.errors[0].reason


def test_a_file_without_port_calls_runs_no_port_call_query(con, tmp_path, monkeypatch):
    """A file with no port_call value can conflict with no call: its query (three scans of
    the staged rows) is not run, and a file with one still is, refusing as before."""
    ran = []
    run = store.run

    def recording(con, sql, *args, **kwargs):
        ran.append("AS first_arrival" in sql)  # the port-call query's own words
        return run(con, sql, *args, **kwargs)

    monkeypatch.setattr(store, "run", recording)
    plain = {k: v for k, v in SHIFT[0].items() if k != "port_call"}
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [plain])])
    assert not any(ran)
    other = {**SHIFT[1], "visit_id": "X9", "imo": "9074729", "vessel_name": "PACIFIC STAR",
             "port_call": "RTM-2"}
    load_files(con, "visits", [write_csv(tmp_path / "b.csv", [SHIFT[1]])])
    assert any(ran)
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "c.csv", [{**other, "port_call": "RTM-1"}])])
    assert [(e.row, e.column) for e in rejected.value.errors] == [(2, "port_call")]


def test_stays_of_one_port_call_may_not_overlap(con, tmp_path):
    # one ship cannot be at two berths at once: the loader's vessel check names it
    overlapping = [SHIFT[0], {**SHIFT[1], "arrival": "2030-06-03 07:00"}]
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", overlapping)])
    assert [(e.row, e.column) for e in rejected.value.errors] == [(3, "imo")]


def test_an_empty_port_call_leaves_the_row_hash_as_it_was(con, tmp_path):
    """Rows loaded before the column have the row hash of a text without it; the same row
    loaded now (port_call empty) must hash the same, or loading the same file again would
    see every visit as changed."""
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()],
                                         [*good_visit(), "port_call"])])
    columns = [storage_name(c.name) for c in KINDS["visits"].columns if c.name != "port_call"]
    before = store.run(con, f"SELECT sha256({row_text_sql([*columns, 'extra'])}) "  # noqa: S608
                            "FROM visits")[0][0]
    assert store.run(con, "SELECT _row_hash FROM visits")[0][0] == before
    # a value is part of the row's content
    load_files(con, "visits", [write_csv(tmp_path / "w.csv", [good_visit(port_call="C1")])],
               replace=True)
    assert store.run(con, "SELECT _row_hash FROM visits")[0][0] != before


def test_dcsa_jit_port_call_id_is_the_port_call_and_a_reimport_fills_it(con, tmp_path):
    write_csv(tmp_path / "ports.csv",
              [{"port": "DKCPH", "name": "Copenhagen", "timezone": "Europe/Copenhagen"}])
    load_files(con, "ports", [tmp_path / "ports.csv"])
    files = [FIXTURES / "openapi_example.json", FIXTURES / "edge_cases.json"]
    load_adapter(con, "dcsa-jit", files)
    rows = store.run(con, "SELECT visit_id, port_call, _source_path FROM visits ORDER BY 1")
    for visit_id, port_call, paths in rows:
        extra = json.loads(store.run(con, "SELECT extra FROM visits WHERE visit_id = ?",
                                     [visit_id])[0][0])["dcsa_jit"]
        assert port_call == extra["portCallID"], visit_id
        assert json.loads(paths)["port_call"].endswith(".portCallID")
    # a berth shift within a Terminal Call: two visits, one port call
    shifted = [r for r in rows if r[0].startswith("c3000000-")]
    assert len(shifted) == 2 and shifted[0][1] == shifted[1][1]
    # a store loaded before the mapping: the same files again fill the column, no --replace
    columns = [storage_name(c.name) for c in KINDS["visits"].columns]
    store.run(con, "UPDATE visits_versions SET port_call = NULL")
    store.run(con, f"UPDATE visits_versions SET _row_hash = "  # noqa: S608
                   f"sha256({row_text_sql([*columns, 'extra'])})")
    load_adapter(con, "dcsa-jit", files)
    assert store.run(con, "SELECT count(*) FROM visits WHERE port_call IS NULL") == [(0,)]


def test_a_summary_counts_a_calls_penalty_once(con, tmp_path):
    from berthcheck.cli_summary import summary_text
    from berthcheck.engine import check
    from berthcheck.report.summary import summary

    load_files(con, "visits", [write_csv(tmp_path / "v.csv", SHIFT)])
    outcome = check(con, pack="fueleu-art6", period="2030-06", store_run=False)
    text = summary_text(outcome)
    # before: "penalties: EUR 21,000.00 on 1 non-compliant visits; 1 without a penalty"
    assert ("penalties: EUR 21,000.00 on 1 non-compliant visits; 1 whose port call's penalty "
            "is on another visit") in text
    assert "without a penalty" not in text
    by_visit = {r["visit_id"]: r for r in outcome.results.iter_rows(named=True)}
    numbers = summary(outcome.results, [], by_visit, "EUR")
    assert numbers["penalty_missing"] == 0 and numbers["penalty_missing_text"] is None


def _shift_tables(**r2) -> dict[str, list[dict]]:
    """The Rotterdam shift (R1 06:00-07:30 at E1, R2 08:00-20:10 at E2, 2030-06-03 CEST), no
    OPS, as fixture rows (the ship, fleet and line those rows default to, named: a batched
    scenario names them, tests/scenario_batches.py)."""
    base = {"imo": "9321483", "fleet": "F1", "operator": "Line A",
            "vessel_type": "container", "gross_tonnage": 95000, "aux_power_kw": 1000,
            "port": "NLRTM", "terminal": "ECT", "ready_to_work": None, "pilot_on_board": None,
            "port_call": "RTM-1"}
    return {"visits": [
        {**base, "visit_id": "R1", "berth": "E1", "arrival": "2030-06-03T06:00:00+02:00",
         "departure": "2030-06-03T07:30:00+02:00"},
        {**base, "visit_id": "R2", "berth": "E2", "arrival": "2030-06-03T08:00:00+02:00",
         "departure": "2030-06-03T20:10:00+02:00", **r2}]}


def _checked(tables, name: str | None = None, value=None) -> dict[str, dict]:
    import dataclasses

    from berthcheck.engine import check, load_pack
    from berthcheck.engine.fixture_store import put_tables

    pack = load_pack("fueleu-art6")
    if name is not None:
        params = dict(pack.parameters)
        params[name] = dataclasses.replace(params[name], value=value)
        pack = dataclasses.replace(pack, parameters=params)
    con = store.connect(":memory:")
    try:
        put_tables(con, tables)
        outcome = check(con, pack, store_run=False, record=False)
    finally:
        con.close()
    return {r["visit_id"]: r for r in outcome.results.iter_rows(named=True)}


def test_a_connection_allowance_is_spent_once_per_port_call():
    # 1 h allowance: R1's 1.5 h -> 0.5 h (1 h taken), R2 keeps its 12 h 10 min; the call's
    # 0.5 + 12.166667 = 12.666667 h -> 13 h -> 1.5 x 1 000 x 13 = EUR 19 500 on R2
    rows = _checked(_shift_tables(), "connection_allowance_hours", 1.0)
    assert (rows["R1"]["uncontrolled_hours"], rows["R1"]["excused_hours"]) == (0.5, 1.0)
    assert (rows["R2"]["uncontrolled_hours"], rows["R2"]["excused_hours"]) == (12.166667, 0.0)
    assert (rows["R2"]["non_compliant_hours_billed"], rows["R2"]["penalty"]) == (13.0, 19500.0)


def test_the_stay_reading_of_the_penalty_bills_the_calls_assessed_stays():
    # penalty_hours = stay: 1.5 + 12.166667 h at berth (the 30 min shift is not) = 13.67 h ->
    # 14 h -> EUR 21 000, as the non_compliant reading here (no OPS at all)
    rows = _checked(_shift_tables(), "penalty_hours", "stay")
    assert (rows["R2"]["non_compliant_hours_billed"], rows["R2"]["penalty"]) == (14.0, 21000.0)
    assert rows["R1"]["penalty"] is None and rows["R1"]["penalty_on"] == "R2"


@BATCH.scenarios(_shift_tables(aux_power_kw=2000), period=None, pack="fueleu-art6")
def test_stays_giving_different_power_demands_are_weighted_by_their_hours(scenario):
    # R1 1 000 kW x 1.5 h + R2 2 000 kW x 12.166667 h = 25 833.33 kWh over 13.666667 h: a
    # mean of 1 890.2439 kW, x 14 h billed x 1.5 = EUR 39 695.12 (= the stays' kWh x 14 / 13.67
    # x 1.5); the carrying row shows that mean, so its columns still multiply out
    rows = {r["visit_id"]: r for r in scenario.results.iter_rows(named=True)}
    r2 = rows["R2"]
    assert r2["power_source"] == "port_call_mean"
    assert r2["power_demand_kw"] == pytest.approx(25833.333333 / 13.666667, rel=1e-6)
    assert r2["penalty"] == 39695.12
    assert rows["R1"]["power_demand_kw"] == 1000.0 and rows["R1"]["power_source"] == "given"


def _findings(tables) -> dict[tuple[str, str], list[str]]:
    """The messages of `tables` checked under the FuelEU pack in a store of their own, by
    visit and rule."""
    from berthcheck.engine import check, load_pack
    from berthcheck.engine.fixture_store import put_tables

    con = store.connect(":memory:")
    try:
        put_tables(con, tables)
        outcome = check(con, load_pack("fueleu-art6"), store_run=False, record=False)
    finally:
        con.close()
    return _messages(outcome)


def _messages(outcome) -> dict[tuple[str, str], list[str]]:
    """A check's (or a batched scenario's) finding messages, by visit and rule."""
    found: dict[tuple[str, str], list[str]] = {}
    for r in outcome.findings.iter_rows(named=True):
        found.setdefault((r["visit_id"], r["rule_id"]), []).append(r["message"])
    return {key: sorted(messages) for key, messages in found.items()}


@BATCH.scenarios(_shift_tables(aux_power_kw=2000), _shift_tables(), period=None,
                 pack="fueleu-art6")
def test_fe12_shows_a_weighted_power_demand_that_multiplies_out_to_the_penalty(scenario):
    # R1 1 000 kW x 1.5 h + R2 2 000 kW x 12.166667 h over 13.666667 h = 1 890.2439 kW;
    # 1.5 x 1 890.2439 x 14 = 39 695.12. Before, FE12 wrote the mean as a raw float
    # ("1890.2439024390244 kW") and did not say it was a mean, nor of what: a verifier saw a
    # demand no stay gives.
    weighted, one_demand = scenario
    (message,) = _messages(weighted)[("R2", "FE12")]
    assert ("penalty EUR 39695.12 = 1.5 EUR/kWh x 1890.2439 kW x 14.0 h, on this stay; "
            "1890.2439 kW is the stays' power demands weighted by their hours "
            "(R1 1000.0 kW x 1.50 h, R2 2000.0 kW x 12.17 h)") in message
    # stays giving one demand: that demand, no weighting to explain
    (same,) = _messages(one_demand)[("R2", "FE12")]
    assert same.endswith("penalty EUR 21000.00 = 1.5 EUR/kWh x 1000.0 kW x 14.0 h, on this stay")


# 24 h at Rotterdam without OPS (the ship, fleet and line a visit defaults to, named), and an
# emergency 06:00-12:00 and ops_unavailable 10:00-14:00
_V4 = {"imo": "9321483", "fleet": "F1", "operator": "Line A",
       "vessel_type": "container", "gross_tonnage": 95000, "aux_power_kw": 1000,
       "port": "NLRTM", "terminal": "ECT", "berth": "E1", "ready_to_work": None,
       "pilot_on_board": None, "visit_id": "V4", "arrival": "2030-06-07T06:00:00+02:00",
       "departure": "2030-06-08T06:00:00+02:00"}
_V4_EVENTS = [{"event_id": "EV4a", "visit_id": "V4", "kind": "emergency",
               "start": "2030-06-07T06:00:00+02:00", "end": "2030-06-07T12:00:00+02:00"},
              {"event_id": "EV4b", "visit_id": "V4", "kind": "ops_unavailable",
               "start": "2030-06-07T10:00:00+02:00", "end": "2030-06-07T14:00:00+02:00"}]


@BATCH.scenarios(
    {"visits": [_V4], "events": _V4_EVENTS},
    {"visits": [_V4], "events": _V4_EVENTS[:1]},
    # kinds that do not overlap: ops_unavailable from 12:00
    {"visits": [_V4], "events": [_V4_EVENTS[0],
                                 dict(_V4_EVENTS[1], start="2030-06-07T12:00:00+02:00")]},
    period=None, pack="fueleu-art6")
def test_fe07_says_the_total_where_exception_kinds_overlap(scenario):
    # 8 h excused in all (06:00-14:00), 16 h non-compliant -> EUR 24 000. FE07 gives each
    # kind's minutes (360 and 240), which overlap by 120: before, nothing said so, and the two
    # findings added up to 600 min against the row's 8 h excused.
    found, one, two = (_messages(share) for share in scenario)
    assert found[("V4", "FE07")] == [
        "emergency excused 360 min at berth not on OPS: 2030-06-07 06:00 to 2030-06-07 12:00 "
        "Europe/Amsterdam (events EV4a); the kinds overlap: 480 min excused in all",
        "ops_unavailable excused 240 min at berth not on OPS: 2030-06-07 10:00 to 2030-06-07 "
        "14:00 Europe/Amsterdam (events EV4b); the kinds overlap: 480 min excused in all"]
    assert one[("V4", "FE07")] == [
        "emergency excused 360 min at berth not on OPS: 2030-06-07 06:00 to 2030-06-07 12:00 "
        "Europe/Amsterdam (events EV4a)"]
    # kinds that do not overlap add up to the total: nothing to add
    assert two[("V4", "FE07")] == [
        "emergency excused 360 min at berth not on OPS: 2030-06-07 06:00 to 2030-06-07 12:00 "
        "Europe/Amsterdam (events EV4a)",
        "ops_unavailable excused 120 min at berth not on OPS: 2030-06-07 12:00 to 2030-06-07 "
        "14:00 Europe/Amsterdam (events EV4b)"]


def _r1_without_gross_tonnage(**r2) -> dict[str, list[dict]]:
    tables = _shift_tables(**r2)
    tables["visits"][0]["gross_tonnage"] = None
    return tables


@BATCH.scenarios(_r1_without_gross_tonnage(), _r1_without_gross_tonnage(gross_tonnage=5000),
                 period=None, pack="fueleu-art6")
def test_a_stay_without_gross_tonnage_is_judged_at_its_call_mates_and_says_so(scenario):
    # tests/rules/FE12.yml gross_tonnage_given_on_one_stay_of_the_call_is_the_ships has the
    # arithmetic (EUR 21 000, was 19 500 with R1 insufficient_data); the messages say why
    judged_at_r2s, r2_small = scenario
    (fe12,) = _messages(judged_at_r2s)[("R2", "FE12")]
    assert fe12.endswith("; R1 gives no gross tonnage: judged at the ship's 95000 GT that its "
                         "other stays give")
    (fe01,) = _messages(r2_small)[("R1", "FE01")]
    assert fe01.endswith("gross tonnage 5000 is not above 5000 (given on the other stays of "
                         "port call RTM-1; this stay gives none)")


def test_fe12_says_a_penalty_leaves_out_a_stay_that_could_not_be_judged():
    # tests/rules/FE13.yml an_unknown_quay_in_a_port_call_leaves_the_call_penalty_on_the_judged_stay:
    # Vlissingen 2035, V1 4 h at a quay with OPS (EUR 6 000), V2 at a quay the berths table
    # does not list (insufficient_data). V2's 9.5 h would be added if its quay has OPS (13.5 h
    # -> 14 h, EUR 21 000), nothing if not: the EUR 6 000 is the least the call owes, which
    # FE12 did not say.
    v = {"vessel_type": "container", "gross_tonnage": 95000, "aux_power_kw": 1000,
         "port": "NLVLI", "terminal": "T1", "ready_to_work": None, "pilot_on_board": None,
         "port_call": "VLI-1"}
    tables = {
        "ports": [{"port": "NLVLI", "name": "Vlissingen", "timezone": "Europe/Amsterdam",
                   "country": "NL"}],
        "berths": [{"port": "NLVLI", "terminal": "T1", "berth": "B1", "ops_available": True}],
        "visits": [{**v, "visit_id": "V1", "berth": "B1", "arrival": "2035-06-03T06:00:00+02:00",
                    "departure": "2035-06-03T10:00:00+02:00"},
                   {**v, "visit_id": "V2", "berth": "B9", "arrival": "2035-06-03T10:30:00+02:00",
                    "departure": "2035-06-03T20:00:00+02:00"}]}
    (fe12,) = _findings(tables)[("V1", "FE12")]
    assert fe12.endswith(
        "penalty EUR 6000.00 = 1.5 EUR/kWh x 1000.0 kW x 4.0 h, on this stay; V2 could not be "
        "judged (insufficient_data, missing_berth_ops): its time is not in this call's, so the "
        "penalty may rise once its data is known")


def test_the_report_says_where_a_stays_penalty_is(db_path, tmp_path):
    from berthcheck.engine import load_pack

    from .conftest import html_report

    con = store.connect(db_path)
    try:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", SHIFT)])
    finally:
        con.close()
    html, model = html_report(db_path, load_pack("fueleu-art6"), "2030-06")
    # before: R1's penalty cell was a bare dash, as for a penalty not computed
    assert "on visit R2 (the port call&#39;s)" in html
    assert "whose penalty was not computed" not in html
