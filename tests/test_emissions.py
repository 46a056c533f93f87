"""Emissions at berth (data contract 5): hand-computed scenarios, factor tables, totals.

Every expected number below is worked out by hand from the factor tables
(docs/emission-factors.md 1-4 and 6, § 93130.5(d)(1)):

  A = auxiliary load (kW), B = boiler load (kW), kg = kW x h x g/kWh / 1000
  Tier II MSD aux NOx 10.5, Tier 0 13.8, Tier III 2.6; boiler NOx 2.0 g/kWh
  PM10 aux = 0.1545 + 0.1 x 217 x 2.247 x 7 x 0.0001 = 0.18863193; PM2.5 = 0.92 x that
  CO2 aux = 217 x 3.206 = 695.702; boiler = 300 x 3.206 = 961.8 g/kWh
  CAECS residual (§ 93130.5(d)(1)): NOx 2.8, PM2.5 0.03, ROG 0.1 g/kWh

The default visit of tests.helpers_store.visit() is a container call at USLAX: arrival
10-03 06:00, ready_to_work 08:00, departure 10-04 19:00 local, so the stay is 37 h. With
pilot_on_board 10-04 17:00 the window is [10-03 10:00, 10-04 16:00) = 30 h.
"""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import emissions, store
from berthcheck.cli import app
from berthcheck.engine import check
from berthcheck.errors import BerthcheckError
from tests.conftest import copy_store
from tests.helpers_store import put_tables, visit
from tests.scenario_batches import ScenarioBatch, prove

STAY = 37.0
WINDOW = 30.0
POB_30H = "2026-10-04 17:00"  # window end 16:00 -> W = 30 h
PM10_AUX = 0.1545 + 0.1 * 217 * 2.247 * 7 * 0.0001
PM25_AUX = 0.92 * PM10_AUX
CO2_AUX = 217 * 3.206
CO2_BOILER = 300 * 3.206


def kg(kw: float, hours: float, g_per_kwh: float) -> float:
    return kw * hours * g_per_kwh / 1000


def _check(tables: dict, period: str = "2026-10"):
    con = store.connect(":memory:")
    try:
        put_tables(con, tables)
        # the results are read, never a run id: no fingerprint or manifest to make
        outcome = check(con, period=period, store_run=False, record=False)
    finally:
        con.close()
    return outcome.results


# the scenarios below that read only their results, checked together once (each under a prefix
# of its own: tests/scenario_batches.py), not each in a store and a check of its own
BATCH = ScenarioBatch()


@pytest.fixture(scope="module")
def checked():
    return BATCH.check()


@pytest.fixture
def scenario(checked, request):
    """The results of the test's scenarios (`BATCH.scenarios`), as their own checks give them."""
    shares = BATCH.of(request.function, checked)
    return shares.results if not isinstance(shares, tuple) else tuple(s.results for s in shares)


def test_its_batched_scenarios_are_their_own_checks(checked):
    prove(BATCH, checked)


def _row(results, visit_id: str) -> dict:
    rows = results.filter(pl.col("visit_id") == visit_id).to_dicts()
    assert len(rows) == 1, visit_id
    return rows[0]


def container(visit_id: str, **overrides) -> dict:
    """A Tier II 8 000-9 000 TEU container call with a 30 h window and no control."""
    row = {"teu": 8500, "nox_tier": 2, "pilot_on_board": POB_30H}
    row.update(overrides)
    return visit(visit_id, **row)


# --- the three scenarios of the issue -------------------------------------------------------


@BATCH.scenarios({"visits": [container("V1")]})
def test_worked_example_tier_ii_8000_teu_30_hours_uncontrolled(scenario):
    """902 kW x 30 h x 10.5 g/kWh = 284.13 kg NOx (docs/emission-factors.md 6)."""
    r = _row(scenario, "V1")
    assert r["verdict"] == "non_compliant" and r["uncontrolled_hours"] == WINDOW
    assert r["aux_power_kw_used"] == 902 and r["boiler_power_kw_used"] == 668
    assert r["load_source"] == "default_size_bin" and r["boiler_load_source"] == "default_size_bin"
    assert r["load_category"] == "Container 8 000-9 000 TEU"
    assert r["nox_tier_used"] == 2 and r["nox_tier_assumed"] is False
    assert r["aux_engine_speed_used"] == "MSD"
    assert r["excess_nox_kg"] == 284.13
    # PM2.5: 27 060 kWh x 0.1735 = 4.7 kg; CO2: 27 060 x 695.7 = 18.8 t
    assert r["excess_pm25_kg"] == pytest.approx(27.06 * PM25_AUX, abs=1e-4)
    assert round(r["excess_pm25_kg"], 1) == 4.7
    assert r["excess_co2_kg"] == pytest.approx(27.06 * CO2_AUX, abs=1e-4)
    assert round(r["excess_co2_kg"] / 1000, 1) == 18.8
    assert r["excess_rog_kg"] == pytest.approx(kg(902, WINDOW, 0.4), abs=1e-4)
    # at berth: aux over all 37 h (nothing controlled) + boiler 668 kW over 37 h
    assert r["stay_hours"] == STAY and r["shore_power_hours"] == 0 and r["capture_hours"] == 0
    assert r["at_berth_nox_kg"] == pytest.approx(kg(902, STAY, 10.5) + kg(668, STAY, 2.0),
                                                 abs=1e-4)  # 350.427 + 49.432 = 399.859
    assert r["at_berth_nox_kg"] == pytest.approx(399.859, abs=1e-4)
    assert r["at_berth_co2_kg"] == pytest.approx(kg(902, STAY, CO2_AUX) + kg(668, STAY, CO2_BOILER),
                                                 abs=1e-4)
    assert r["avoided_nox_kg"] == 0 and r["avoided_co2_kg"] == 0
    assert r["shore_power_energy_kwh_estimated"] == 0
    assert r["shore_power_energy_kwh_metered"] is None


@BATCH.scenarios({"visits": [container("V1", aux_power_kw=1200)]},
                 {"visits": [container("V1", aux_power_kw=1200, boiler_power_kw=500)]})
def test_given_aux_power_overrides_the_default(scenario):
    r = _row(scenario[0], "V1")
    assert r["aux_power_kw_used"] == 1200 and r["load_source"] == "given"
    assert r["excess_nox_kg"] == pytest.approx(kg(1200, WINDOW, 10.5), abs=1e-4)  # 378.0
    assert r["excess_nox_kg"] == 378.0
    # the boiler load was not given: it still comes from the size bin
    assert r["boiler_power_kw_used"] == 668 and r["boiler_load_source"] == "default_size_bin"
    r = _row(scenario[1], "V1")
    assert r["boiler_power_kw_used"] == 500 and r["boiler_load_source"] == "given"
    assert r["load_category"] is None  # nothing defaulted
    assert r["at_berth_nox_kg"] == pytest.approx(kg(1200, STAY, 10.5) + kg(500, STAY, 2.0),
                                                 abs=1e-4)


@BATCH.scenarios({
    "visits": [container("V1")],
    "shore-power": [{"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 06:00",
                     "disconnected": "2026-10-04 19:00", "energy_kwh": 40000}],
})
def test_whole_stay_on_shore_power_zeroes_aux_but_keeps_boilers(scenario):
    """Shore power carries the auxiliary load; the boilers keep running (Kystverket MarU)."""
    r = _row(scenario, "V1")
    assert r["verdict"] == "compliant"
    assert r["shore_power_hours"] == STAY and r["capture_hours"] == 0
    assert r["excess_nox_kg"] == 0
    # at berth = boilers only, for every pollutant
    assert r["at_berth_nox_kg"] == pytest.approx(kg(668, STAY, 2.0), abs=1e-4)  # 49.432
    assert r["at_berth_co2_kg"] == pytest.approx(kg(668, STAY, CO2_BOILER), abs=1e-4)
    assert r["at_berth_rog_kg"] == pytest.approx(kg(668, STAY, 0.1), abs=1e-4)
    assert r["at_berth_nox_kg"] > 0
    # avoided = the auxiliary engines for the whole stay
    assert r["avoided_nox_kg"] == pytest.approx(kg(902, STAY, 10.5), abs=1e-4)  # 350.427
    assert r["avoided_pm25_kg"] == pytest.approx(kg(902, STAY, PM25_AUX), abs=1e-4)
    assert r["shore_power_energy_kwh_estimated"] == 902 * STAY  # 33 374 kWh
    assert r["shore_power_energy_kwh_metered"] == 40000


# --- capture, missing tier, size bins ---------------------------------------------------------


def _capture_over_window(tier: int) -> dict:
    return {
        "visits": [container("V1", nox_tier=tier)],
        "capture": [{"visit_id": "V1", "session_id": "C1", "system_id": "EO-1",
                     "started": "2026-10-03 10:00", "ended": "2026-10-04 16:00"}],
    }


@BATCH.scenarios(_capture_over_window(2))
def test_capture_counts_the_caecs_residual_and_avoids_the_rest(scenario):
    r = _row(scenario, "V1")
    assert r["verdict"] == "compliant" and r["capture_hours"] == WINDOW
    assert r["shore_power_hours"] == 0
    uncontrolled_stay = STAY - WINDOW  # 7 h outside the window, before and after
    # NOx: 902 x 7 x 10.5 + 902 x 30 x 2.8 + 668 x 37 x 2.0 = 66.297 + 75.768 + 49.432
    assert r["at_berth_nox_kg"] == pytest.approx(191.497, abs=1e-4)
    assert r["avoided_nox_kg"] == pytest.approx(kg(902, WINDOW, 10.5 - 2.8), abs=1e-4)  # 208.362
    # PM2.5 residual 0.03, ROG residual 0.1
    assert r["at_berth_pm25_kg"] == pytest.approx(
        kg(902, uncontrolled_stay, PM25_AUX) + kg(902, WINDOW, 0.03)
        + kg(668, STAY, 0.92 * (0.1545 + 0.1 * 300 * 2.247 * 7 * 0.0001)), abs=1e-4)
    assert r["avoided_pm25_kg"] == pytest.approx(kg(902, WINDOW, PM25_AUX - 0.03), abs=1e-4)
    assert r["avoided_rog_kg"] == pytest.approx(kg(902, WINDOW, 0.4 - 0.1), abs=1e-4)
    # capture is not credited on CO2 (no standard): the engines still burn the fuel
    assert r["avoided_co2_kg"] == 0
    assert r["at_berth_co2_kg"] == pytest.approx(kg(902, STAY, CO2_AUX) + kg(668, STAY, CO2_BOILER),
                                                 abs=1e-4)
    # control moves emissions from at_berth to avoided, never more
    assert r["at_berth_nox_kg"] + r["avoided_nox_kg"] == pytest.approx(399.859, abs=1e-3)


@BATCH.scenarios(_capture_over_window(3))
def test_capture_residual_never_exceeds_a_tier_iii_engine(scenario):
    """Tier III MSD emits 2.6 g/kWh NOx, below the 2.8 standard: capture avoids no NOx."""
    r = _row(scenario, "V1")
    assert r["avoided_nox_kg"] == 0
    assert r["at_berth_nox_kg"] == pytest.approx(kg(902, STAY, 2.6) + kg(668, STAY, 2.0), abs=1e-4)
    assert r["avoided_pm25_kg"] > 0


@BATCH.scenarios({"visits": [container("V1", nox_tier=None)]})
def test_missing_tier_assumes_tier_0_and_says_so(scenario):
    r = _row(scenario, "V1")
    assert r["nox_tier_used"] == 0 and r["nox_tier_assumed"] is True
    assert r["excess_nox_kg"] == pytest.approx(kg(902, WINDOW, 13.8), abs=1e-4)  # 373.428
    assert r["excess_nox_kg"] == 373.428
    # CO, PM, CO2 do not depend on the tier
    assert r["excess_co2_kg"] == pytest.approx(27.06 * CO2_AUX, abs=1e-4)


SIZE_BIN_EDGES = [
    (7999, 2456, 623, "default_size_bin"),   # 7 000-8 000 TEU
    (8000, 902, 668, "default_size_bin"),    # bins are half-open: 8 000 is in 8 000-9 000
    (8999.9, 902, 668, "default_size_bin"),
    (1999, 429, 273, "default_size_bin"),
    (17000, 1000, 647, "default_size_bin"),  # >= 17 000, open-ended
    (25000, 1000, 647, "default_size_bin"),
    (None, 2456, 623, "default_type"),       # no TEU: the type's default
]


SIZE_BINS = BATCH.add({"visits": [container(f"E{i}", imo=f"93000{i:02d}", teu=teu)
                                  for i, (teu, *_) in enumerate(SIZE_BIN_EDGES)]})


@pytest.fixture(scope="module")
def size_bin_results(checked):
    """One scenario of a visit per edge (each its own vessel, otherwise the same call): a
    visit's loads come from its own size alone, so the seven share one scenario instead of a
    store and a check each."""
    return checked[SIZE_BINS].results


@pytest.mark.parametrize(("edge", "teu", "aux", "boiler", "source"),
                         [(i, *edge) for i, edge in enumerate(SIZE_BIN_EDGES)])
def test_container_size_bin_edges(size_bin_results, edge, teu, aux, boiler, source):
    r = _row(size_bin_results, f"E{edge}")
    assert (r["aux_power_kw_used"], r["boiler_power_kw_used"], r["load_source"]) == (
        aux, boiler, source)
    assert r["excess_nox_kg"] == pytest.approx(kg(aux, WINDOW, 10.5), abs=1e-4)


@BATCH.scenarios({"visits": [
    visit("T1", vessel_type="tanker", nox_tier=2),
    visit("R1", vessel_type="roro", nox_tier=2),
    visit("P1", vessel_type="passenger", nox_tier=2),
    visit("F1", vessel_type="reefer", nox_tier=2),
    visit("O1", vessel_type="other", nox_tier=2),
]})
def test_types_without_size_use_their_default(scenario):
    results = scenario
    got = {r["visit_id"]: (r["aux_power_kw_used"], r["boiler_power_kw_used"], r["load_source"])
           for r in results.to_dicts()}
    assert got == {
        "T1": (820, 2586, "default_type"),   # handysize, the highest aux load of the tanker bins
        "R1": (859, 314, "default_type"),    # vehicle carrier
        "P1": (6004, 612, "default_type"),   # cruise (non diesel-electric)
        "F1": (890, 304, "default_type"),
        "O1": (228, 96, "default_type"),     # miscellaneous
    }


def _attrs(**columns):
    n = len(next(iter(columns.values())))
    base = {"visit_id": [f"V{i}" for i in range(n)], "nox_tier": [2] * n,
            "aux_power_kw": [None] * n, "boiler_power_kw": [None] * n}
    base.update(columns)
    return pl.DataFrame(base, schema_overrides={"aux_power_kw": pl.Float64,
                                                "boiler_power_kw": pl.Float64})


def _results(n: int, **columns):
    base = {"visit_id": [f"V{i}" for i in range(n)], "verdict": ["non_compliant"] * n,
            "uncontrolled_hours": [10.0] * n, "stay_hours": [20.0] * n,
            "shore_power_hours": [0.0] * n, "capture_hours": [0.0] * n}
    base.update(columns)
    return pl.DataFrame(base)


def test_tanker_dwt_and_cruise_passenger_bins_where_the_visit_gives_them():
    """The visits contract may carry dwt / passengers: emissions use them where present."""
    attrs = _attrs(vessel_type=["tanker"] * 4 + ["passenger"] * 2,
                   dwt=[34999.0, 35000.0, 54999.0, 55000.0, None, None],
                   passengers=[None, None, None, None, 3200.0, 1499.0])
    out = emissions.compute_emissions(_results(6), attrs)
    got = list(zip(out["aux_power_kw_used"], out["boiler_power_kw_used"], out["load_source"],
                   strict=True))
    assert got == [
        (816, 568, "default_size_bin"),     # chemical < 35 000 DWT
        (820, 2586, "default_size_bin"),    # handysize 35 000-55 000
        (820, 2586, "default_size_bin"),
        (623, 3421, "default_size_bin"),    # panamax and larger from 55 000
        (10500, 0, "default_size_bin"),     # diesel-electric cruise 3 000-3 500 passengers
        (3000, 0, "default_size_bin"),      # < 1 500 passengers
    ]


def test_a_dwt_column_in_the_store_is_read_when_the_contract_has_it():
    con = store.connect(":memory:")
    try:
        # what a later migration adding the optional visits column `dwt` would do
        store.run(con, "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS dwt DOUBLE")
        store.run(con, "CREATE OR REPLACE VIEW visits AS "
                       "SELECT * FROM visits_versions WHERE _replaced_by IS NULL")
        put_tables(con, {"visits": [visit("T1", vessel_type="tanker", nox_tier=2),
                                    visit("T2", vessel_type="tanker", nox_tier=2)]})
        store.run(con, "UPDATE visits_versions SET dwt = 60000 WHERE visit_id = 'T1'")
        results = check(con, period="2026-10", store_run=False).results
    finally:
        con.close()
    assert _row(results, "T1")["aux_power_kw_used"] == 623  # panamax and larger
    assert _row(results, "T1")["load_source"] == "default_size_bin"
    assert _row(results, "T2")["load_source"] == "default_type"


def test_engine_speed_column_is_used_where_present():
    attrs = _attrs(vessel_type=["container", "container"], teu=[8500.0, 8500.0],
                   aux_engine_speed=["HSD", None])
    out = emissions.compute_emissions(_results(2), attrs)
    assert out["aux_engine_speed_used"].to_list() == ["HSD", "MSD"]
    assert out["excess_nox_kg"].to_list() == [kg(902, 10, 7.7), kg(902, 10, 10.5)]


def test_an_unknown_engine_speed_uses_the_default_and_no_excess_verdicts_have_none():
    """The speed tested against the factor tables' speeds (an unknown one or none: the default,
    MSD), and the verdicts with nothing to control (no excess whatever the pack's hours) and
    the others (their uncontrolled hours; none given: unknown)."""
    verdicts = ["compliant", "exempt", "not_applicable", "non_compliant", "insufficient_data"]
    attrs = _attrs(vessel_type=["container"] * 5, teu=[8500.0] * 5,
                   aux_engine_speed=["SSD", "", None, "HSD", "MSD"])
    out = emissions.compute_emissions(
        _results(5, verdict=verdicts, uncontrolled_hours=[None, None, None, 10.0, None]), attrs)
    assert out["aux_engine_speed_used"].to_list() == ["MSD", "MSD", "MSD", "HSD", "MSD"]
    assert out["excess_nox_kg"].to_list() == [0.0, 0.0, 0.0, kg(902, 10, 7.7), None]


# --- verdicts that need no control, excused time, overlapping control --------------------------


@BATCH.scenarios({"visits": [visit("B1", vessel_type="bulk", nox_tier=2)]})
def test_not_applicable_visits_still_count_at_berth_but_have_no_excess(scenario):
    r = _row(scenario, "B1")
    assert r["verdict"] == "not_applicable" and r["uncontrolled_hours"] is None
    assert r["excess_nox_kg"] == 0
    # bulk carrier 150 kW aux, 125 kW boiler over 37 h
    assert r["at_berth_nox_kg"] == pytest.approx(kg(150, STAY, 10.5) + kg(125, STAY, 2.0), abs=1e-4)


@BATCH.scenarios({"visits": [container("N1", ready_to_work=None)]})
def test_insufficient_data_has_unknown_excess_but_known_at_berth(scenario):
    r = _row(scenario, "N1")
    assert r["verdict"] == "insufficient_data"
    assert r["excess_nox_kg"] is None and r["excess_co2_kg"] is None
    assert r["at_berth_nox_kg"] == pytest.approx(399.859, abs=1e-4)


@BATCH.scenarios({
    "visits": [container("V1")],
    "events": [{"visit_id": "V1", "event_id": "E1", "kind": "emergency",
                "start": "2026-10-03 10:00", "end": "2026-10-04 16:00"}],
})
def test_excused_time_is_emitted_at_berth_but_not_excess(scenario):
    """An emergency excusing the whole window: compliant, no excess, everything at berth."""
    r = _row(scenario, "V1")
    assert r["excused_hours"] == WINDOW and r["uncontrolled_hours"] == 0
    assert r["excess_nox_kg"] == 0
    assert r["at_berth_nox_kg"] == pytest.approx(399.859, abs=1e-4)


@BATCH.scenarios({
    "visits": [container("V1")],
    "shore-power": [{"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 10:00",
                     "disconnected": "2026-10-03 20:00"}],
    "capture": [{"visit_id": "V1", "session_id": "C1", "system_id": "EO-1",
                 "started": "2026-10-03 18:00", "ended": "2026-10-04 16:00"}],
})
def test_shore_power_and_capture_overlap_counts_once_as_shore_power(scenario):
    """SP 10-03 10:00-20:00 (10 h); capture 18:00 -> 10-04 16:00 (22 h, 2 of them on SP)."""
    r = _row(scenario, "V1")
    assert r["shore_power_hours"] == 10 and r["capture_hours"] == 20
    assert r["avoided_nox_kg"] == pytest.approx(
        kg(902, 10, 10.5) + kg(902, 20, 10.5 - 2.8), abs=1e-4)
    assert r["at_berth_nox_kg"] == pytest.approx(
        kg(902, STAY - 30, 10.5) + kg(902, 20, 2.8) + kg(668, STAY, 2.0), abs=1e-4)


@BATCH.scenarios({
    "visits": [container("V1")],
    "shore-power": [{"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 05:00",
                     "disconnected": "2026-10-04 20:00"}],
})
def test_sessions_are_clipped_to_the_stay(scenario):
    r = _row(scenario, "V1")
    assert r["shore_power_hours"] == STAY


# --- totals -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def month_results():
    """One check of these visits for the year, read (never changed) by the totals tests below,
    which each made the same check before."""
    return _check({
        "visits": [
            container("A1", terminal="T1", fleet="F1"),
            container("A2", terminal="T1", fleet="F2", teu=5000, nox_tier=None),
            container("A3", terminal="T2", fleet="F1", ready_to_work=None),  # excess unknown
            visit("B1", vessel_type="bulk", terminal="T2", fleet=None, nox_tier=1),
            # departs 10-31 23:30 PDT = 11-01 06:30 UTC: October in port-local time
            container("L1", terminal="T2", fleet="F2", arrival="2026-10-30 06:00",
                      ready_to_work="2026-10-30 08:00", pilot_on_board="2026-10-31 22:00",
                      departure="2026-10-31 23:30"),
            container("N1", terminal="T1", fleet="F1", arrival="2026-11-03 06:00",
                      ready_to_work="2026-11-03 08:00", pilot_on_board="2026-11-04 18:00",
                      departure="2026-11-04 19:00"),
        ],
        "shore-power": [{"visit_id": "A1", "session_id": "S1", "connected": "2026-10-03 10:00",
                         "disconnected": "2026-10-04 10:00", "energy_kwh": 25000}],
    }, period="2026")


@pytest.mark.parametrize("by", ["terminal", "fleet", "month", ("month", "terminal")])
def test_totals_agree_with_per_visit_sums(by, month_results):
    results = month_results
    totals = emissions.emission_totals(results, by=by)
    assert totals["visits"].sum() == results.height
    for column in emissions.KG_COLUMNS + ("stay_hours", "shore_power_energy_kwh_estimated"):
        assert totals[column].sum() == pytest.approx(results[column].fill_null(0).sum(), abs=1e-3)
    assert totals["visits_excess_unknown"].sum() == 1


def test_totals_by_month_use_port_local_departure(month_results):
    results = month_results
    totals = emissions.emission_totals(results, by="month")
    assert totals["month"].to_list() == ["2026-10", "2026-11"]
    assert totals["visits"].to_list() == [5, 1]
    october = results.filter(pl.col("visit_id") != "N1")
    assert totals["excess_nox_kg"][0] == pytest.approx(october["excess_nox_kg"].sum(), abs=1e-4)


def test_totals_by_terminal_match_hand_sums(month_results):
    results = month_results
    t1 = emissions.emission_totals(results, by="terminal").filter(pl.col("terminal") == "T1")
    assert t1["port"].to_list() == ["USLAX"]
    expected = results.filter(pl.col("terminal") == "T1")["at_berth_nox_kg"].sum()
    assert t1["at_berth_nox_kg"][0] == pytest.approx(expected, abs=1e-4)
    with pytest.raises(BerthcheckError):
        emissions.emission_totals(results, by="no_such_column")


# --- the factor tables ------------------------------------------------------------------------


def test_every_factor_row_and_parameter_names_its_source():
    f = emissions.load_factors()
    for table in f.tables.values():
        assert table.rows, table.name
        for row in table.rows:
            assert row["source"] and row["source"].strip(), (table.name, row)
    for rows in (f.aux_factor_rows(), f.boiler_factor_rows(), f.residual_rows()):
        for row in rows:
            assert row["source"].strip(), row
    for p in f.parameters.values():
        assert p.citation.strip(), p.name
        if not p.confirmed:
            assert "UNCONFIRMED" in p.note, p.name
    # the research notes' UNCONFIRMED conventions stay parameters
    assert {"dpm_share_of_pm10", "rog_per_hc", "default_nox_tier"} <= set(f.unconfirmed())


def test_computed_factors_match_the_reference():
    f = emissions.load_factors()
    aux = {r["pollutant"]: r["g_per_kwh"] for r in f.aux_factor_rows() if r["engine_speed"] == "MSD"}
    assert round(aux["pm10"], 4) == 0.1886
    assert round(aux["pm25"], 4) == 0.1735
    assert round(aux["so2"], 3) == 0.424
    assert round(aux["co2"], 1) == 695.7
    boiler = {r["pollutant"]: r["g_per_kwh"] for r in f.boiler_factor_rows()}
    assert round(boiler["pm10"], 4) == 0.2017
    assert round(boiler["pm25"], 3) == 0.186
    assert round(boiler["so2"], 3) == 0.587
    assert round(boiler["co2"], 1) == 961.8
    assert boiler["nox"] == 2.0 and boiler["co"] == 0.2 and boiler["hc"] == 0.1
    residual = {r["pollutant"]: r["g_per_kwh"] for r in f.residual_rows()}
    assert (residual["nox"], residual["pm25"], residual["rog"]) == (2.8, 0.03, 0.1)


def test_every_vessel_type_has_a_default_load():
    from berthcheck.ingest.kinds import VESSEL_TYPES

    loads = emissions.load_factors().tables["aux_boiler_loads"].rows
    assert {r["vessel_type"] for r in loads if r["size_metric"] == "none"} == set(VESSEL_TYPES)


def test_a_bad_factor_folder_is_refused(tmp_path):
    folder = tmp_path / "factors"
    shutil.copytree(emissions.factors_dir(), folder)
    text = (folder / "factors.toml").read_text(encoding="utf-8")
    (folder / "factors.toml").write_text(
        text.replace("[parameters.capture_treats_boiler_exhaust]\nvalue = false",
                     "[parameters.capture_treats_boiler_exhaust]\nvalue = true"),
        encoding="utf-8")
    with pytest.raises(BerthcheckError, match="boiler"):
        emissions.load_factors(folder)
    shutil.rmtree(folder)
    shutil.copytree(emissions.factors_dir(), folder)
    path = folder / "boiler_emission_factors.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"USEPA/Marine_Emissions_Tools ShipEF/data/Boiler_HC_CO_EF.rda: auxiliary boiler CO '
        '(docs/emission-factors.md 2)"', '""'), encoding="utf-8")
    with pytest.raises(BerthcheckError, match="source"):
        emissions.load_factors(folder)


def test_rules_show_prints_the_factor_tables_with_sources():
    runner = CliRunner()
    shown = runner.invoke(app, ["rules", "show", "factors"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    for text in ("aux_boiler_loads", "aux_emission_factors", "boiler_emission_factors",
                 "caecs_residual", "Starcrest", "93130.5(d)(1)", "ShipEF", "[UNCONFIRMED]",
                 "Container 8 000-9 000 TEU", "sources:"):
        assert text in shown.output, text
    one = runner.invoke(app, ["rules", "show", "caecs_residual"], catch_exceptions=False)
    assert one.exit_code == 0 and "2.8" in one.output and "aux_boiler_loads" not in one.output
    listed = runner.invoke(app, ["rules", "list"], catch_exceptions=False)
    assert "table aux_boiler_loads" in listed.output and "rules show factors" in listed.output
    assert runner.invoke(app, ["rules", "show", "AB06"]).exit_code == 0


# --- the sample month -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(sample_month_checked, tmp_path_factory):
    """The sample month as the demo makes it (loaded, checked and the run stored: a copy of
    conftest's `sample_month_checked`, with its check's outcome; results written), without
    the demo's PDF, which these tests never read (the demo's own tests render it), nor its
    load reports."""
    from berthcheck.demo import DemoReport, sample_source
    from berthcheck.engine.export import write_frame

    folder = tmp_path_factory.mktemp("demo")
    checked, outcome = sample_month_checked
    run = DemoReport(copy_store(checked, folder / "berthcheck.duckdb"), sample_source(folder), [])
    run.outcome = outcome
    run.results_path = folder / "results.csv"
    write_frame(run.outcome.results, run.results_path)
    return run


def test_sample_month_has_non_negative_emission_columns(sample_run):
    results = sample_run.outcome.results
    from berthcheck.engine.schemas import RESULT_COLUMNS

    n = len(RESULT_COLUMNS)
    assert tuple(results.columns[n:n + len(emissions.EMISSION_COLUMNS)]) == \
        emissions.EMISSION_COLUMNS
    for column in emissions.KG_COLUMNS:
        assert (results[column].drop_nulls() >= 0).all(), column
    for p in emissions.REQUIRED_POLLUTANTS:
        assert results[f"at_berth_{p}_kg"].null_count() == 0
        assert results[f"at_berth_{p}_kg"].sum() > 0
        assert results[f"avoided_{p}_kg"].sum() > 0
    # every visit with uncontrolled time has excess emissions
    bad = results.filter(pl.col("uncontrolled_hours") > 0)
    assert bad.height and (bad["excess_nox_kg"] > 0).all()
    assert set(results["load_source"]) <= set(emissions.LOAD_SOURCES)


def test_sample_month_at_berth_plus_avoided_is_the_uncontrolled_stay(sample_run):
    """Control only moves emissions from at_berth to avoided (boilers not captured)."""
    f = emissions.load_factors()
    aux = {(r["engine_speed"], r["nox_tier"] if r["pollutant"] == "nox" else None, r["pollutant"]):
           r["g_per_kwh"] for r in f.aux_factor_rows()}
    boiler = {r["pollutant"]: r["g_per_kwh"] for r in f.boiler_factor_rows()}
    for r in sample_run.outcome.results.to_dicts():
        for p in ("nox", "pm25", "co2"):
            ef = aux[(r["aux_engine_speed_used"], r["nox_tier_used"] if p == "nox" else None, p)]
            baseline = kg(r["aux_power_kw_used"], r["stay_hours"], ef) + kg(
                r["boiler_power_kw_used"], r["stay_hours"], boiler[p])
            got = r[f"at_berth_{p}_kg"] + r[f"avoided_{p}_kg"]
            assert got == pytest.approx(baseline, abs=1e-3), (r["visit_id"], p)


def test_sample_month_exports_and_stored_runs_carry_emissions(sample_run):
    header = sample_run.results_path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    for column in emissions.EMISSION_COLUMNS:
        assert column in header, column
    con = store.connect(sample_run.db_path)
    try:
        from berthcheck.engine.runs import load_run

        results, _ = load_run(con, sample_run.outcome.run_id)
    finally:
        con.close()
    live = sample_run.outcome.results
    assert results.columns == live.columns
    for column in emissions.EMISSION_COLUMNS:
        assert results[column].equals(live[column]), column


def test_emissions_are_vectorised(monkeypatch):
    """No per-visit Python: the row-wise polars paths are barred, and 20 000 visits still get
    the same kilograms as the same visits computed one by one. (How fast is the benchmark's.)"""
    n = 20_000
    types = ["container", "tanker", "passenger", "roro", "bulk"] * (n // 5)
    teu = [float(i % 20000) for i in range(n)]
    one_by_one = [emissions.compute_emissions(_results(1), _attrs(vessel_type=[types[i]],
                                                                  teu=[teu[i]]))
                  for i in (0, 1, 2, 3, 4, 12345)]

    def barred(*_args, **_kwargs):
        raise AssertionError("per-row Python in compute_emissions")

    for owner, name in ((pl.Expr, "map_elements"), (pl.Series, "map_elements"),
                        (pl.DataFrame, "map_rows"), (pl.DataFrame, "iter_rows"),
                        (pl.DataFrame, "rows"), (pl.Expr, "map_batches")):
        monkeypatch.setattr(owner, name, barred)
    out = emissions.compute_emissions(_results(n), _attrs(vessel_type=types, teu=teu))
    monkeypatch.undo()
    assert out.height == n and out["excess_nox_kg"].null_count() == 0
    for i, single in zip((0, 1, 2, 3, 4, 12345), one_by_one, strict=True):
        row = out.row(i, named=True)
        assert single.row(0, named=True) | {"visit_id": row["visit_id"]} == row
