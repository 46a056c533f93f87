"""The FuelEU Maritime Art. 6 pack end to end: the committed Rotterdam sample month, the CLI
with penalties in EUR, the ports table's FuelEU columns, and the engine staying pack-neutral.

The per-rule arithmetic (hand-computed penalties) lives in tests/rules/FE*.yml, run by
tests/test_rule_fixtures.py."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.demo import load_sample
from berthcheck.engine import check, load_pack
from berthcheck.engine.export import default_findings_path
from berthcheck.sample import generate
from tests.helpers_store import put_tables, visit

REPO = Path(__file__).resolve().parent.parent
EU_SAMPLE = REPO / "sample_data" / "eu-rotterdam-2030-06"
REGENERATE = (
    "regenerate it: berthcheck sample --out sample_data/eu-rotterdam-2030-06 --port NLRTM "
    "--month 2030-06 --force"
)
runner = CliRunner()


@pytest.fixture(scope="module")
def eu_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("eu") / "eu.duckdb"
    con = store.connect(path)
    try:
        reports = load_sample(con, EU_SAMPLE)
    finally:
        con.close()
    assert [r.kind for r in reports] == ["berths", "visits", "shore-power", "events"]
    return path


def test_committed_eu_sample_is_what_the_generator_makes(tmp_path):
    fresh = tmp_path / "eu"
    made = generate(fresh, port="NLRTM", month="2030-06")
    committed = sorted(p.name for p in EU_SAMPLE.glob("*.csv"))
    assert committed == sorted(p.name for p in made.values()), REGENERATE
    for path in made.values():
        assert (EU_SAMPLE / path.name).read_bytes() == path.read_bytes(), (
            f"{EU_SAMPLE / path.name} differs from a fresh generation; {REGENERATE}"
        )
    assert "--port NLRTM --month 2030-06" in (EU_SAMPLE / "README.md").read_text("utf-8")


def test_sample_command_makes_the_rotterdam_month(tmp_path):
    out = tmp_path / "rtm"
    result = runner.invoke(
        app, ["sample", "--out", str(out), "--port", "NLRTM", "--month", "2030-06"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    for name in ("berths.csv", "visits.csv", "shore_power.csv", "events.csv"):
        assert (out / name).read_bytes() == (EU_SAMPLE / name).read_bytes(), name
    dirty = runner.invoke(app, ["sample", "--out", str(tmp_path / "d"), "--port", "NLRTM",
                                "--dirty"])
    assert dirty.exit_code == 2 and "Los Angeles layout only" in dirty.output


def test_sample_for_a_fueleu_port_defaults_to_a_month_the_pack_covers(tmp_path):
    # without --month a Rotterdam sample was October 2026: every call not applicable (FuelEU
    # Art. 6 applies from 2030), a sample that shows nothing of the pack
    out = tmp_path / "rtm"
    result = runner.invoke(app, ["sample", "--out", str(out), "--port", "NLRTM"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for name in ("berths.csv", "visits.csv", "shore_power.csv", "events.csv"):
        assert (out / name).read_bytes() == (EU_SAMPLE / name).read_bytes(), name
    la = runner.invoke(app, ["sample", "--out", str(tmp_path / "la"), "--visits", "5"])
    assert la.exit_code == 0 and "2026-10-" in (tmp_path / "la" / "visits.csv").read_text()


def test_check_fueleu_fills_penalties_in_eur(eu_db, tmp_path):
    out = tmp_path / "results.csv"
    result = runner.invoke(
        app, ["check", "--db", str(eu_db), "--pack", "fueleu-art6", "--period", "2030-06",
              "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"fueleu-art6@{load_pack('fueleu-art6').version}" in result.output
    assert "penalties: EUR " in result.output
    results = pl.read_csv(out, infer_schema_length=None)
    findings = pl.read_csv(default_findings_path(out))
    assert results.height == 200  # the 2 calls leaving on 1 July belong to July
    counts = dict(results.group_by("verdict").len().iter_rows())
    assert set(counts) == {"compliant", "non_compliant", "exempt", "not_applicable",
                           "insufficient_data"}
    bad = results.filter(pl.col("verdict") == "non_compliant")
    assert bad.height >= 10
    # every non-compliant call is priced, except where the power demand is unknown (FE09)
    priced = bad.filter(pl.col("penalty").is_not_null())
    unpriced = bad.filter(pl.col("penalty").is_null())
    assert priced.height >= 10
    assert set(unpriced["visit_id"]) == set(
        findings.filter(pl.col("rule_id") == "FE09")["visit_id"])
    for row in priced.iter_rows(named=True):
        billed = math.ceil(round(row["non_compliant_hours"], 3))
        assert row["non_compliant_hours_billed"] == billed
        assert row["penalty"] == pytest.approx(1.5 * row["power_demand_kw"] * billed, abs=0.01)
        assert row["responsible"] == "vessel"
    assert results.filter(pl.col("verdict") != "non_compliant")["penalty"].null_count() == (
        results.height - bad.height
    )
    # the ferry's OPS outage: 7 unavailability claims, the 6th and 7th beyond the limit of 5
    assert findings.filter(pl.col("rule_id") == "FE08").height == 2
    rules_seen = set(findings["rule_id"])
    assert {"FE01", "FE02", "FE03", "FE04", "FE05", "FE06", "FE07", "FE08", "FE09"} <= rules_seen
    bases = set(results["basis"])
    assert {"short_visit", "below_gross_tonnage", "not_regulated_type", "zero_emission_tech",
            "unscheduled_call", "ops_unavailable", "ops_incompatible",
            "missing_gross_tonnage"} <= bases


def test_carb_pack_on_the_eu_month_covers_nothing(eu_db):
    con = store.connect(eu_db)
    try:
        outcome = check(con, "carb-at-berth-2020", period="2030-06", store_run=False)
    finally:
        con.close()
    assert set(outcome.results["basis"]) == {"port_not_covered"}
    assert outcome.results["penalty"].null_count() == outcome.results.height


def test_fueleu_pack_on_a_carb_month_covers_nothing():
    con = store.connect(":memory:")
    try:
        put_tables(con, {"visits": [visit("V1"), visit("V2", vessel_type="passenger")]})
        outcome = check(con, "fueleu-art6", store_run=False)
    finally:
        con.close()
    assert outcome.results["verdict"].to_list() == ["not_applicable", "not_applicable"]
    assert outcome.results["basis"].to_list() == ["port_not_covered", "port_not_covered"]


def test_pack_metadata_and_citations():
    pack = load_pack("fueleu-art6")
    assert pack.currency == "EUR"
    assert load_pack("carb-at-berth-2020").currency is None
    for name, param in pack.parameters.items():
        assert param.citation.strip(), name
        if not param.confirmed:
            assert (param.note or "").strip(), f"{name}: an unconfirmed parameter needs a note"
    unconfirmed = pack.unconfirmed()
    for name in ("penalty_eur_per_kwh", "non_compliant_hours_rounding", "capped_exception_limit"):
        assert name in unconfirmed
    assert [r.id for r in pack.rules] == [f"FE{i:02d}" for i in range(1, 14)]


def test_rules_list_and_show_for_fueleu():
    listed = runner.invoke(app, ["rules", "list", "--pack", "fueleu-art6"],
                           catch_exceptions=False)
    assert listed.exit_code == 0
    assert "FE08" in listed.output and "[UNCONFIRMED]" in listed.output
    shown = runner.invoke(app, ["rules", "show", "FE03", "--pack", "fueleu-art6"],
                          catch_exceptions=False)
    assert shown.exit_code == 0 and "Art. 6(5)(a)" in shown.output


def test_builtin_ports_flag_the_major_eu_ports():
    rows = {r["port"]: r for r in store.builtin_ports()}
    for port in ("NLRTM", "BEANR", "DEHAM", "ESALG", "ESVLC", "FRMRS", "ITGOA", "GRPIR",
                 "PLGDN"):
        assert rows[port]["afir_art9"] is True, port
        assert rows[port]["carb_at_berth"] is False, port
    assert rows["USLAX"]["afir_art9"] is False


def test_ports_load_with_a_member_state_date_and_override(tmp_path):
    csv_path = tmp_path / "ports.csv"
    csv_path.write_text(
        "port,name,timezone,country,afir_art9,ops_required_from\n"
        "NLVLI,Vlissingen,Europe/Amsterdam,NL,false,2032-01-01\n"
        "DEHAM,Hamburg (user row),Europe/Berlin,DE,false,\n",
        encoding="utf-8",
    )
    db = tmp_path / "p.duckdb"
    result = runner.invoke(app, ["load", "ports", str(csv_path), "--db", str(db)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    con = store.connect(db)
    try:
        assert store.schema_version(con) >= 5
        ports = store.fetch_polars(
            con, "SELECT port, afir_art9, ops_required_from, source FROM ports "
                 "WHERE port IN ('NLVLI', 'DEHAM', 'NLRTM') ORDER BY port")
    finally:
        con.close()
    rows = {r["port"]: r for r in ports.iter_rows(named=True)}
    assert str(rows["NLVLI"]["ops_required_from"]) == "2032-01-01"
    assert rows["DEHAM"]["source"] == "user" and rows["DEHAM"]["afir_art9"] is False
    assert rows["NLRTM"]["source"] == "built-in" and rows["NLRTM"]["ops_required_from"] is None


# --- issue 14: the EEA date is one parameter read by every paragraph of Art. 6 ------------------


def _with_parameter(pack, name: str, value):
    import dataclasses

    params = dict(pack.parameters)
    params[name] = dataclasses.replace(params[name], value=value)
    return dataclasses.replace(pack, parameters=params)


def _eea_tables() -> dict[str, list[dict]]:
    # Oslo: a user port flagged afir_art9 (Art. 6(1)); Bergen: a port with an OPS berth
    # (Art. 6(2)). Both Norwegian by their UN/LOCODE. 24 h calls without OPS, 1 000 kW.
    base = {"vessel_type": "container", "gross_tonnage": 95000, "aux_power_kw": 1000,
            "terminal": "T1", "berth": "B1", "ready_to_work": None, "pilot_on_board": None}
    return {
        "ports": [{"port": "NOOSL", "name": "Oslo", "timezone": "Europe/Oslo", "afir_art9": True},
                  {"port": "NOBGO", "name": "Bergen", "timezone": "Europe/Oslo"}],
        "berths": [{"port": "NOBGO", "terminal": "T1", "berth": "B1", "ops_available": True}],
        "visits": [
            visit("OSL-2031", port="NOOSL", arrival="2031-06-03T06:00:00+02:00",
                  departure="2031-06-04T06:00:00+02:00", **base),
            visit("BGO-2035", port="NOBGO", imo="9074729", arrival="2035-06-03T06:00:00+02:00",
                  departure="2035-06-04T06:00:00+02:00", **base),
            visit("BGO-2037", port="NOBGO", imo="9074729", arrival="2037-06-03T06:00:00+02:00",
                  departure="2037-06-04T06:00:00+02:00", **base),
        ],
    }


@pytest.mark.parametrize(("eea_from", "expected"), [
    # the shipped placeholder (no later than Art. 6 itself): all three covered, 36 000 each
    (None, {"OSL-2031": ("non_compliant", "uncontrolled", 36000.0),
            "BGO-2035": ("non_compliant", "uncontrolled", 36000.0),
            "BGO-2037": ("non_compliant", "uncontrolled", 36000.0)}),
    # an incorporation on 2036-01-01 delays the AFIR and the OPS-berth paragraph alike
    ("2036-01-01", {"OSL-2031": ("not_applicable", "before_start_date", None),
                    "BGO-2035": ("not_applicable", "before_start_date", None),
                    "BGO-2037": ("non_compliant", "uncontrolled", 36000.0)}),
])
def test_eea_states_are_covered_from_the_eea_parameter(eea_from, expected):
    import datetime as dt

    pack = load_pack("fueleu-art6")
    if eea_from is not None:
        pack = _with_parameter(pack, "eea_applies_from", dt.date.fromisoformat(eea_from))
    con = store.connect(":memory:")
    try:
        put_tables(con, _eea_tables())
        outcome = check(con, pack, store_run=False, record=False)  # results only
    finally:
        con.close()
    got = {r["visit_id"]: (r["verdict"], r["basis"], r["penalty"])
           for r in outcome.results.iter_rows(named=True)}
    assert got == expected


def test_eea_parameter_is_marked_unconfirmed_with_its_source():
    pack = load_pack("fueleu-art6")
    eea = pack.parameters["eea_applies_from"]
    assert not eea.confirmed and "NOT FOUND" in eea.citation
    assert "eea_applies_from" in pack.unconfirmed()
    assert pack.parameters["eea_countries"].value == ["IS", "LI", "NO"]


def test_pack_cites_what_ships_with_it():
    """Citations point at the regulation or docs/, never at material outside the repository,
    and the port-call penalty is not cited to Annex IV Part B (the deficit penalties' formula)."""
    pack = load_pack("fueleu-art6")
    text = (pack.path / "pack.toml").read_text(encoding="utf-8")
    assert "shared/" not in text and "regulations.md 3" not in text
    assert (REPO / "docs" / "regulations-fueleu.md").is_file()
    for name in ("penalty_eur_per_kwh", "non_compliant_hours_rounding"):
        assert "Annex IV" not in pack.parameters[name].citation
    for name in ("capped_exception_kinds", "capped_exception_limit"):
        assert "6(6)" not in pack.parameters[name].citation
    for rule in pack.rules:
        assert "Annex IV" not in rule.section and "6(6)" not in rule.section, rule.id


# --- r16-FQ: which hours the Art. 23(4) penalty bills is a parameter, not a silent constant ----


def _partial_ops_call() -> dict[str, list[dict]]:
    # Rotterdam, CEST (UTC+2): 24 h at berth 2030-06-03 06:00 -> 06-04 06:00, 1 000 kW, OPS
    # 08:30 -> 05:00: 150 min late + 60 min early = 3.5 h not on OPS.
    base = {"vessel_type": "container", "gross_tonnage": 95000, "aux_power_kw": 1000,
            "port": "NLRTM", "terminal": "ECT", "berth": "E1", "ready_to_work": None,
            "pilot_on_board": None}
    return {
        "visits": [visit("P", arrival="2030-06-03T06:00:00+02:00",
                         departure="2030-06-04T06:00:00+02:00", **base)],
        "shore-power": [{"session_id": "S1", "visit_id": "P",
                         "connected": "2030-06-03T08:30:00+02:00",
                         "disconnected": "2030-06-04T05:00:00+02:00"}],
    }


@pytest.mark.parametrize(("reading", "billed", "penalty"), [
    # the shipped reading: 3.5 h non-compliant, billed 4 h: 1.5 x 1 000 x 4 = 6 000
    ("non_compliant", 4.0, 6000.0),
    # the whole assessed stay of the non-compliant call: 24 h: 1.5 x 1 000 x 24 = 36 000
    ("stay", 24.0, 36000.0),
])
def test_penalty_hours_reading_is_a_parameter(reading, billed, penalty):
    pack = load_pack("fueleu-art6")
    assert pack.parameters["penalty_hours"].value == "non_compliant"
    assert "penalty_hours" in pack.unconfirmed()
    con = store.connect(":memory:")
    try:
        put_tables(con, _partial_ops_call())
        outcome = check(con, _with_parameter(pack, "penalty_hours", reading),
                        store_run=False, record=False)
    finally:
        con.close()
    (row,) = outcome.results.iter_rows(named=True)
    assert (row["verdict"], row["non_compliant_hours"]) == ("non_compliant", 3.5)
    assert (row["non_compliant_hours_billed"], row["penalty"]) == (billed, penalty)


def test_an_unknown_penalty_hours_value_is_named():
    from berthcheck.engine.sandbox import PackError

    pack = _with_parameter(load_pack("fueleu-art6"), "penalty_hours", "whole")
    con = store.connect(":memory:")
    try:
        put_tables(con, _partial_ops_call())
        with pytest.raises(PackError, match="penalty_hours must be non_compliant or stay, not whole"):
            check(con, pack, store_run=False, record=False)
    finally:
        con.close()


def test_an_unknown_rounding_value_is_named():
    """`non_compliant_hours_rounding = "Up"` billed exact hours (3.5 h, not 4) without a word:
    only `up` and `none` are readings of the text; any other value stops the check."""
    from berthcheck.engine.sandbox import PackError

    pack = _with_parameter(load_pack("fueleu-art6"), "non_compliant_hours_rounding", "Up")
    con = store.connect(":memory:")
    try:
        put_tables(con, _partial_ops_call())
        with pytest.raises(PackError, match="non_compliant_hours_rounding must be up or none, "
                                            "not Up"):
            check(con, pack, store_run=False, record=False)
        outcome = check(con, _with_parameter(pack, "non_compliant_hours_rounding", "none"),
                        store_run=False, record=False)
    finally:
        con.close()
    (row,) = outcome.results.iter_rows(named=True)
    assert row["non_compliant_hours_billed"] == 3.5  # exact hours, as documented for none


# --- r18-FA: Art. 6(3), a Member State decision applies from the start of a reporting period ---


def test_a_mid_year_member_state_date_is_named_where_it_is_moved():
    """A ports row dating Vlissingen's decision 2032-06-15 covers it from 2033-01-01 (the case
    in tests/rules/FE01.yml); FE01 on a July 2032 call says which date the ports table gave."""
    con = store.connect(":memory:")
    try:
        put_tables(con, {
            "ports": [{"port": "NLVLI", "name": "Vlissingen", "timezone": "Europe/Amsterdam",
                       "country": "NL", "ops_required_from": "2032-06-15"}],
            "visits": [visit("A", port="NLVLI", gross_tonnage=95000, aux_power_kw=1000,
                             ready_to_work=None, pilot_on_board=None,
                             arrival="2032-07-03T06:00:00+02:00",
                             departure="2032-07-04T06:00:00+02:00")],
        })
        outcome = check(con, "fueleu-art6", store_run=False, record=False)
    finally:
        con.close()
    (message,) = outcome.findings.filter(pl.col("rule_id") == "FE01")["message"]
    assert "from 2033-01-01 00:00 Europe/Amsterdam" in message
    assert "the ports table dates the Member State decision 2032-06-15" in message


# --- an unknown quay where Art. 6(2) would decide (FE13) -----------------------------------------


def test_an_empty_ops_available_cell_is_stored_unknown(tmp_path):
    """A berths file's empty `ops_available` cell was stored as false (the loader's default),
    so from 2035 a call at that quay was `port_not_covered`: unknown read as "no OPS". It is
    stored NULL; a cell given stays what it says."""
    from berthcheck.ingest.load import load_files

    berths = tmp_path / "berths.csv"
    berths.write_text("port,terminal,berth,ops_available\n"
                      "NLVLI,T1,B1,\nNLVLI,T1,B2,true\nNLVLI,T1,B3,false\n", encoding="utf-8")
    con = store.connect(tmp_path / "s.duckdb")
    try:
        load_files(con, "berths", [berths])
        stored = store.fetch_polars(con, "SELECT berth, ops_available FROM berths ORDER BY berth")
    finally:
        con.close()
    assert stored.rows() == [("B1", None), ("B2", True), ("B3", False)]


def test_fe13_says_which_berths_row_is_missing_or_empty():
    """FE13's message names the quay and whether its berths row is missing or its cell empty
    (tests/rules/FE13.yml: both calls insufficient_data, missing_berth_ops)."""
    from berthcheck.engine.pack_fixtures import load_cases, run_case

    pack = load_pack("fueleu-art6")
    messages = {}
    for case in load_cases(pack):
        if case.rule == "FE13" and case.name.endswith("_is_insufficient_data"):
            outcome = run_case(case.spec, pack, case.visit_defaults)
            (found,) = [r for r in outcome.findings.iter_rows(named=True)
                        if r["rule_id"] == "FE13"]
            messages[case.name] = found["message"]
    tail = ": from 2035-01-01 FuelEU Art. 6(2) covers this call only if the quay is equipped with OPS"
    assert messages == {
        "no_berths_row_in_2035_is_insufficient_data":
            "the berths table has no row for NLVLI T1 B1" + tail,
        "empty_ops_available_cell_in_2035_is_insufficient_data":
            "the berths table leaves ops_available empty for NLVLI T1 B1" + tail,
    }


def test_fe01_does_not_say_a_quay_of_unknown_ops_has_none():
    """A July 2030 call at Vlissingen (a ports row: no AFIR flag, no Member State decision) at a
    quay without a berths row is port_not_covered: before 2035 the quay decides nothing. FE01
    said "berth T1/Q9 has no OPS (berths table: ops_available)" and its evidence
    berth_ops_available false, a fact the data does not hold (unknown is not "no OPS",
    docs/regulations-fueleu.md). At a quay whose row says false, it stays said."""
    con = store.connect(":memory:")
    try:
        put_tables(con, {
            "ports": [{"port": "NLVLI", "name": "Vlissingen", "timezone": "Europe/Amsterdam",
                       "country": "NL"}],
            "berths": [{"port": "NLVLI", "terminal": "T1", "berth": "Q1", "ops_available": False}],
            "visits": [visit(v, port="NLVLI", terminal="T1", berth=b, imo=imo,
                             gross_tonnage=95000, aux_power_kw=1000, ready_to_work=None,
                             pilot_on_board=None, arrival="2030-07-03T06:00:00+02:00",
                             departure="2030-07-04T06:00:00+02:00")
                       for v, b, imo in (("KNOWN", "Q1", "9321483"),
                                         ("UNKNOWN", "Q9", "9074729"))],
        })
        outcome = check(con, "fueleu-art6", store_run=False, record=False)
    finally:
        con.close()
    fe01 = {r["visit_id"]: r for r in outcome.findings.filter(pl.col("rule_id") == "FE01")
            .iter_rows(named=True)}
    import json

    assert "berth T1/Q1 has no OPS (berths table: ops_available)" in fe01["KNOWN"]["message"]
    assert json.loads(fe01["KNOWN"]["evidence"])["berth_ops_available"] is False
    unknown = fe01["UNKNOWN"]["message"]
    assert "has no OPS" not in unknown, unknown
    assert ("whether berth T1/Q9 has OPS is not known (berths table: ops_available), which "
            "decides only from 2035-01-01 (Art. 6(2))") in unknown
    assert json.loads(fe01["UNKNOWN"]["evidence"])["berth_ops_available"] is None


def test_fe05_at_a_quay_the_berths_table_says_has_no_ops_says_how_to_claim():
    """Rotterdam (AFIR Art. 9) in June 2030, quay E20 recorded without OPS, 24 h, 1 000 kW, no
    event: Art. 6(1) applies at the port whatever the quay, so the call is non-compliant,
    1.5 x 1 000 x 24 = EUR 36 000 (unchanged). The finding said only "no OPS use", leaving a
    shipping line to find out why a quay without OPS is billed; it says that the berths table
    records the quay without OPS and that an ops_unavailable claim (which the pack caps per
    year) excuses the time it covers. A quay with OPS (E1) is not told so."""
    con = store.connect(":memory:")
    try:
        put_tables(con, {
            "berths": [{"port": "NLRTM", "terminal": "ECT", "berth": "E20",
                        "ops_available": False},
                       {"port": "NLRTM", "terminal": "ECT", "berth": "E1",
                        "ops_available": True}],
            "visits": [visit(v, port="NLRTM", terminal="ECT", berth=b, imo=imo,
                             gross_tonnage=95000, aux_power_kw=1000, ready_to_work=None,
                             pilot_on_board=None, arrival="2030-06-03T06:00:00+02:00",
                             departure="2030-06-04T06:00:00+02:00")
                       for v, b, imo in (("NOOPS", "E20", "9321483"), ("OPS", "E1", "9074729"))],
        })
        outcome = check(con, "fueleu-art6", store_run=False, record=False)
    finally:
        con.close()
    penalty = {r["visit_id"]: r["penalty"] for r in outcome.results.iter_rows(named=True)}
    assert penalty == {"NOOPS": 36000.0, "OPS": 36000.0}
    fe05 = {r["visit_id"]: r["message"] for r in outcome.findings
            .filter(pl.col("rule_id") == "FE05").iter_rows(named=True)}
    assert ("; the berths table records berth ECT/E20 without OPS: an ops_unavailable event "
            "excuses the time it covers (an Art. 6(5) exception, capped per year)"
            ) in fe05["NOOPS"]
    assert "without OPS" not in fe05["OPS"]
