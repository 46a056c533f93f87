"""A non-compliant FuelEU call given `aux_power_kw` 0 was billed EUR 0 without a word.

0 kW loads (the CARB pack reads the same column, where auxiliary engines off is a legal 0), and
the FuelEU pack bills what the data says: EUR 1.5 x 0 kW x the hours = EUR 0. A 0 most likely
stands for "unknown", whose default demand the pack would use, so every command that reads the
run names those visits in its warnings (berthcheck/engine/zero_power.py; the decision is in
docs/regulations-fueleu.md, "A power demand of 0 kW"). Results are unchanged.
"""

from __future__ import annotations

import json
from contextlib import closing

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine.fixture_store import put_tables, visit

# Rotterdam (CEST), 2030-06-03 06:00 to 06-04 06:00, no OPS: 24 non-compliant hours.
# ZERO: 0 kW -> 1.5 x 0 x 24 = EUR 0. GIVEN: 1 000 kW -> 1.5 x 1 000 x 24 = EUR 36 000.
# ZERO_OK: 0 kW, on OPS for the whole stay: compliant, nothing billed, not named.
STAY = {"port": "NLRTM", "terminal": "ECT", "berth": "E1", "gross_tonnage": 95000,
        "ready_to_work": None, "pilot_on_board": None,
        "arrival": "2030-06-03T06:00:00+02:00", "departure": "2030-06-04T06:00:00+02:00"}
WARNING = ("1 non-compliant visit(s) give aux_power_kw 0 (ZERO): the penalty bills the power "
           "demand at berth, so their port call's penalty is EUR 0, or lower where another "
           "stay of the call gives a demand; if 0 stands for unknown, leave the cell empty and "
           "the pack's default demand for the ship's type and size is used "
           "(docs/regulations-fueleu.md)")


def _store(path):
    with closing(store.connect(path)) as con:
        put_tables(con, {
            "visits": [visit("ZERO", imo="9321483", aux_power_kw=0, **STAY),
                       visit("GIVEN", imo="9074729", aux_power_kw=1000, **dict(STAY, berth="E2")),
                       visit("ZERO_OK", imo="9176187", aux_power_kw=0,
                             **dict(STAY, berth="E3"))],
            "shore-power": [{"session_id": "S1", "visit_id": "ZERO_OK",
                             "connected": "2030-06-03T06:00:00+02:00",
                             "disconnected": "2030-06-04T06:00:00+02:00"}],
        })
    return path


def test_a_zero_kw_non_compliant_call_is_named_in_the_warnings(runner, tmp_path):
    db = _store(tmp_path / "eu.duckdb")
    checked = runner.invoke(app, ["check", "--db", str(db), "--pack", "fueleu-art6",
                                  "--period", "2030-06", "--json"])
    assert checked.exit_code == 0, checked.output
    got = json.loads(checked.stdout)
    # results unchanged: ZERO billed EUR 0, the total GIVEN's 36 000
    assert (got["counts"]["compliant"], got["counts"]["non_compliant"]) == (1, 2)
    assert got["penalties"] == {"currency": "EUR", "total": 36000.0, "visits_priced": 2}
    reasons = {w["visit_id"]: w["reason"] for w in got["worst"]}
    assert reasons["ZERO"].endswith("penalty EUR 0.00 = 1.5 EUR/kWh x 0.0 kW (given) x 24.0 h")
    assert WARNING in got["warnings"]

    exported = runner.invoke(app, ["export", "fueleu-calls", "--db", str(db), "--period",
                                   "2030-06", "--out", str(tmp_path / "calls.csv"), "--json"])
    assert exported.exit_code == 0, exported.output
    assert WARNING in json.loads(exported.stdout)["warnings"]


def test_the_carb_pack_is_not_warned_of_a_zero_kw_visit(runner, tmp_path):
    """CARB's results carry no power demand penalty: its 0 kW visits are not named."""
    db = tmp_path / "la.duckdb"
    with closing(store.connect(db)) as con:
        put_tables(con, {"visits": [visit("V1", aux_power_kw=0)]})
    checked = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10", "--json"])
    assert checked.exit_code == 0, checked.output
    got = json.loads(checked.stdout)
    assert got["counts"]["non_compliant"] == 1
    assert not [w for w in got["warnings"] if "aux_power_kw 0" in w]


def test_many_visits_are_named_ten_and_counted():
    import polars as pl

    from berthcheck.engine.zero_power import zero_power_warnings

    ids = [f"Z{n:02d}" for n in range(12)]
    with closing(store.connect(":memory:")) as con:
        put_tables(con, {"visits": [visit(v, imo="9321483", aux_power_kw=0, **STAY)
                                    for v in ids]})
        results = pl.DataFrame({"visit_id": ids, "verdict": ["non_compliant"] * 11 + ["exempt"],
                                "power_demand_kw": [0.0] * 12})
        (line,) = zero_power_warnings(con, results)
        assert line.startswith("11 non-compliant visit(s) give aux_power_kw 0 (Z00, Z01, Z02, "
                               "Z03, Z04, Z05, Z06, Z07, Z08, Z09 and 1 more): ")
        # a pack whose results carry no power demand (CARB, the Chinese pack) is not warned
        assert zero_power_warnings(con, results.drop("power_demand_kw")) == []
