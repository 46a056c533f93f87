"""Issue 16: the emission stage runs on numpy after the check's sort (berthcheck/emission_stage.py
`emission_columns`), no longer as SQL in the results query. Its values must be the SQL stage's
bit for bit: the same IEEE operations in the same order, NULL wherever an input of an
expression is NULL, DuckDB's `least` (which ignores a NULL) for the capture residual, and
half-to-even rounding. Here DuckDB evaluates the contract's formulas (the SQL the stage ran
until session 29) over seeded random visits with NULLs, zeros, negative remainders and unknown
tiers and speeds, and every kilogram column is compared bit for bit."""

from __future__ import annotations

import dataclasses
import random

import duckdb
import numpy as np
import polars as pl
import pytest

from berthcheck.emission_factors import POLLUTANTS, aux_factor_frame, residuals
from berthcheck.emission_stage import ROUNDED_COLUMNS, emission_columns
from berthcheck.emissions import load_factors


def _visits(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)

    def maybe(value, p=0.1):
        return None if rng.random() < p else value

    results = pl.DataFrame({
        "visit_id": [f"V{i:05d}" for i in range(n)],
        "verdict": [rng.choice(["compliant", "non_compliant", "exempt", "not_applicable",
                                "insufficient_data", None]) for _ in range(n)],
        "uncontrolled_hours": [maybe(rng.uniform(0, 40), 0.3) for _ in range(n)],
        "stay_hours": [maybe(rng.choice([0.0, rng.uniform(0, 90)])) for _ in range(n)],
        "shore_power_hours": [maybe(rng.uniform(0, 60)) for _ in range(n)],
        "capture_hours": [maybe(rng.choice([0.0, rng.uniform(0, 30)])) for _ in range(n)],
    }, schema={"visit_id": pl.String, "verdict": pl.String, "uncontrolled_hours": pl.Float64,
               "stay_hours": pl.Float64, "shore_power_hours": pl.Float64,
               "capture_hours": pl.Float64})
    attributes = pl.DataFrame({
        "visit_id": results["visit_id"],
        "vessel_type": [maybe(rng.choice(["container", "tanker", "cruise", "bulk", "reefer",
                                          "unknown kind"])) for _ in range(n)],
        "nox_tier": [maybe(rng.choice([0, 1, 2, 3, 4]), 0.3) for _ in range(n)],
        "aux_power_kw": [maybe(rng.uniform(100, 9000), 0.6) for _ in range(n)],
        "boiler_power_kw": [maybe(rng.uniform(0, 900), 0.6) for _ in range(n)],
        "teu": [maybe(rng.uniform(0, 20000), 0.4) for _ in range(n)],
        "aux_engine_speed": [maybe(rng.choice(["MSD", "HSD", "SSD"]), 0.3) for _ in range(n)],
    }, schema={"visit_id": pl.String, "vessel_type": pl.String, "nox_tier": pl.Int64,
               "aux_power_kw": pl.Float64, "boiler_power_kw": pl.Float64, "teu": pl.Float64,
               "aux_engine_speed": pl.String})
    return results, attributes


def _in_duckdb(results: pl.DataFrame, made: dict, capture_boiler: bool) -> pl.DataFrame:
    """The kilograms as the SQL stage wrote them, from the loads, speed and tier it chose."""
    f = load_factors()
    con = duckdb.connect()
    x = results.with_columns(made[c] for c in ("aux_power_kw_used", "boiler_power_kw_used",
                                                "aux_engine_speed_used", "nox_tier_used"))
    con.register("x", x)
    con.register("k", aux_factor_frame(f))
    aux_res, boiler_res = residuals(f, "aux_engine"), residuals(f, "boiler")
    boiler_ef = {r["pollutant"]: r["g_per_kwh"] for r in f.boiler_factor_rows()}
    bc = "x.capture_hours" if capture_boiler else "CAST(0.0 AS DOUBLE)"
    a, b = "x.aux_power_kw_used", "x.boiler_power_kw_used"
    nc = ("CASE WHEN x.stay_hours - x.shore_power_hours - x.capture_hours < 0 THEN 0.0::DOUBLE "
          "ELSE x.stay_hours - x.shore_power_hours - x.capture_hours END")
    u = ("CASE WHEN x.uncontrolled_hours IS NOT NULL THEN x.uncontrolled_hours "
         "WHEN x.verdict IN ('compliant', 'exempt', 'not_applicable') THEN 0.0::DOUBLE END")
    columns = [f"round_even(({a} * x.shore_power_hours) * 10000.0, 0) / 10000.0 "
               "AS shore_power_energy_kwh_estimated"]
    for p in POLLUTANTS:
        ef = f"k.ef_{p}"
        res = f"least({ef}, {float(aux_res[p])!r})" if p in aux_res else ef
        bef = float(boiler_ef[p])
        bres = float(min(boiler_res[p], bef) if p in boiler_res else bef)
        at_berth = (f"{a} * ({nc}) * {ef} + {a} * x.capture_hours * {res} "
                    f"+ {b} * (x.stay_hours - {bc}) * {bef!r} + {b} * {bc} * {bres!r}")
        avoided = (f"{a} * x.shore_power_hours * {ef} + {a} * x.capture_hours * ({ef} - {res}) "
                   f"+ {b} * {bc} * ({bef!r} - {bres!r})")
        for name, expr in ((f"excess_{p}_kg", f"{a} * ({u}) * {ef} * (1 / 1000)"),
                           (f"at_berth_{p}_kg", f"({at_berth}) * (1 / 1000)"),
                           (f"avoided_{p}_kg", f"({avoided}) * (1 / 1000)")):
            columns.append(f"round_even(({expr}) * 10000.0, 0) / 10000.0 AS {name}")
    sql = (f"SELECT {', '.join(columns)} FROM x LEFT JOIN k ON k._em_speed = "  # noqa: S608
           "x.aux_engine_speed_used AND k._em_tier = x.nox_tier_used ORDER BY x.visit_id")
    return con.sql(sql).pl()


def _bits(series: pl.Series) -> list:
    return [None if v is None else int(np.float64(v).view(np.int64)) for v in series.to_list()]


@pytest.mark.parametrize("capture_boiler", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_numpy_stage_is_the_sql_stage_bit_for_bit(seed, capture_boiler):
    f = load_factors()
    flag = f.parameters["capture_treats_boiler_exhaust"]
    f = dataclasses.replace(f, parameters={
        **f.parameters, flag.name: dataclasses.replace(flag, value=capture_boiler)})
    results, attributes = _visits(3000, seed)
    made = emission_columns(results, attributes, f)
    want = _in_duckdb(results, made, capture_boiler)
    for name in ROUNDED_COLUMNS:
        assert _bits(made[name]) == _bits(want[name]), name
    # every kind of NULL came up: the comparison saw them
    assert made["at_berth_nox_kg"].null_count() and made["excess_nox_kg"].null_count()
    assert made["at_berth_nox_kg"].drop_nulls().len() > 500
