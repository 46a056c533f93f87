"""Emissions at berth as one SQL stage (data contract 5; the arithmetic is berthcheck/emissions.py's
module docstring): the results and the visits' attributes joined to the factor tables inside
DuckDB, so no visit row travels through Python.

The factor tables are handed to DuckDB as small Arrow tables and every constant is a bound
parameter: the factor files are data and never reach SQL as text. The expressions keep the
order of operations of the formulas, and kilograms are rounded half to even at KG_DECIMALS
(`round_even(x * 10^4, 0) / 10^4` in value, bit for bit what polars' `round(4)` gave before).
The query leaves the rounded columns (`ROUNDED_COLUMNS`) in units of the last kept decimal,
unrounded; its reader rounds them as it copies them out (`round_scaled`).
"""

from __future__ import annotations

from berthcheck import store
from berthcheck.emission_factors import (
    ENGINE_SPEEDS,
    POLLUTANTS,
    Factors,
    aux_factor_frame,
    load_factors,
    residuals,
)
from berthcheck.emissions import (
    EMISSION_COLUMNS,
    HOURS_COLUMNS,
    KG_DECIMALS,
    NO_EXCESS_VERDICTS,
    OPTIONAL_VISIT_COLUMNS,
    SIZE_COLUMNS,
    VISIT_COLUMNS,
)

# the attribute columns the stage reads, with the type each is read as
_ATTRIBUTE_TYPES = {
    "vessel_type": "VARCHAR", "nox_tier": "BIGINT", "aux_power_kw": "DOUBLE",
    "boiler_power_kw": "DOUBLE", "teu": "DOUBLE", "dwt": "DOUBLE", "passengers": "DOUBLE",
    "aux_engine_speed": "VARCHAR", "shore_power_energy_kwh_metered": "DOUBLE",
}


def _scaled(expr: str) -> str:
    """`expr` in units of the last kept decimal (rounded by `round_scaled` once read)."""
    return f"({expr}) * $em_scale"


# the columns `emissions_query` returns in units of the last kept decimal, not yet rounded
ROUNDED_COLUMNS = ("shore_power_energy_kwh_estimated",
                   *(f"{kind}_{p}_kg" for p in POLLUTANTS
                     for kind in ("excess", "at_berth", "avoided")))


def round_scaled(array):
    """One of `ROUNDED_COLUMNS` as read from the query (a pyarrow array of `y`, the value in
    units of the last kept decimal) rounded to kilograms: `rint(y) / 10^KG_DECIMALS`, in
    buffers of its own (not the batch's). `rint` rounds half to even (the IEEE default
    mode) and keeps the sign of a zero (-0.4 -> -0.0), so this is DuckDB's `round_even(y, 0)
    / 10^4` bit for bit (tests/test_emission_rounding.py), what the query computed before as a
    CASE over `round` on every value: 25 columns of every visit, 0.4-0.7 CPU s at a million
    visits in DuckDB against about 0.05 s here. NULLs stay NULL (their slots' values are not
    read by anything)."""
    import numpy as np
    import pyarrow as pa

    double = pa.float64()
    if array.type != double:
        array = array.cast(double)
    validity, data = array.buffers()
    count = array.offset + len(array)
    values = (np.frombuffer(data, dtype=np.float64, count=count) if data is not None
              else np.zeros(count))
    with np.errstate(all="ignore"):  # a NULL's slot may hold anything
        out = np.rint(values)
        out /= float(10 ** KG_DECIMALS)
    kept = None if validity is None or array.null_count == 0 else pa.py_buffer(validity.to_pybytes())
    return pa.Array.from_buffers(double, len(array), [kept, pa.py_buffer(out)],
                                 null_count=array.null_count if kept is not None else 0,
                                 offset=array.offset)


# id of a Factors (load_factors returns one object per folder content) -> (it, its tables)
_ARROW: dict[int, tuple[Factors, dict]] = {}


def register_factors(con, f: Factors) -> None:
    """The factor tables the stage joins: aux factors per (speed, tier), size bins (in file
    order: the first bin that holds the visit wins) and each type's default."""
    cached = _ARROW.get(id(f))
    if cached is None or cached[0] is not f:
        if len(_ARROW) > 8:
            _ARROW.clear()
        cached = _ARROW[id(f)] = (f, _factor_tables(f))
    for name, table in cached[1].items():
        con.register(name, table)


def _factor_tables(f: Factors) -> dict:
    import polars as pl

    loads = f.tables["aux_boiler_loads"].rows
    bins = [r for r in loads if r["size_metric"] != "none"]
    defaults = [r for r in loads if r["size_metric"] == "none"]
    frames = {
        "_bc_em_aux": aux_factor_frame(f),
        "_bc_em_bins": pl.DataFrame(
            {"bin": list(range(len(bins))), "vessel_type": [r["vessel_type"] for r in bins],
             "size_metric": [r["size_metric"] for r in bins],
             "bin_from": [r["bin_from"] for r in bins], "bin_to": [r["bin_to"] for r in bins],
             "aux_kw": [r["aux_kw"] for r in bins], "boiler_kw": [r["boiler_kw"] for r in bins],
             "category": [r["category"] for r in bins]},
            schema={"bin": pl.Int64, "vessel_type": pl.Utf8, "size_metric": pl.Utf8,
                    "bin_from": pl.Float64, "bin_to": pl.Float64, "aux_kw": pl.Float64,
                    "boiler_kw": pl.Float64, "category": pl.Utf8}),
        "_bc_em_types": pl.DataFrame(
            {"vessel_type": [r["vessel_type"] for r in defaults],
             "aux_kw": [r["aux_kw"] for r in defaults],
             "boiler_kw": [r["boiler_kw"] for r in defaults],
             "category": [r["category"] for r in defaults]},
            schema={"vessel_type": pl.Utf8, "aux_kw": pl.Float64, "boiler_kw": pl.Float64,
                    "category": pl.Utf8}),
    }
    return {name: frame.to_arrow() for name, frame in frames.items()}


def emissions_query(f: Factors, results: str, result_columns: list[str], attributes: str,
                    attribute_columns: list[str]) -> tuple[str, dict[str, object]]:
    """SELECT of `results` (a table or view name, one row per visit) with the emission columns
    replacing any of the same name, in no particular order; `attributes` holds one row per
    visit. The `ROUNDED_COLUMNS` are in units of the last kept decimal, unrounded: whoever
    reads the rows rounds them with `round_scaled`.
    Returns (sql, parameters); the factor tables must be registered (register_factors)."""
    params: dict[str, object] = {
        "em_scale": float(10 ** KG_DECIMALS),
        # grams -> kilograms as a product with 1/1000 (what the polars version computed: it
        # turned the division by a constant into this product, and the last bit can differ)
        "em_per_kg": 1 / 1000,
        "em_speeds": list(ENGINE_SPEEDS),
        "em_default_speed": f.value("default_aux_engine_speed"),
        "em_default_tier": int(f.value("default_nox_tier")),
        "em_no_excess": list(NO_EXCESS_VERDICTS),
    }
    present = set(attribute_columns)
    read = {c: (f"CAST(a.{c} AS {t})" if c in present else f"CAST(NULL AS {t})") + f" AS {c}"
            for c, t in _ATTRIBUTE_TYPES.items()}
    attr = ", ".join(read.values())
    # the pack's hours read as DOUBLE (a pack may give a DECIMAL literal such as 0.0); any
    # other emission column of the pack's is replaced
    dropped = [c for c in result_columns if c in EMISSION_COLUMNS and c not in HOURS_COLUMNS]
    replaced = [c for c in HOURS_COLUMNS if c in result_columns]
    star = "r.*"
    if dropped:
        star += " EXCLUDE (" + ", ".join(store.quote_ident(c) for c in dropped) + ")"
    if replaced:
        star += " REPLACE (" + ", ".join(f"CAST(r.{c} AS DOUBLE) AS {c}" for c in replaced) + ")"
    hours = "".join(f", CAST(NULL AS DOUBLE) AS {c}" for c in HOURS_COLUMNS
                    if c not in result_columns)
    size = " ".join(f"WHEN '{metric}' THEN s.{column}" for metric, column in SIZE_COLUMNS.items())
    size_columns = list(dict.fromkeys(SIZE_COLUMNS.values()))
    sizes = ", ".join(f"s.{c}" for c in size_columns)
    # a visit without a size (NULL) shares the bin of the others of its type without one
    same_size = " ".join(f"AND bn.{c} IS NOT DISTINCT FROM j.{c}" for c in size_columns)
    aux_residual, boiler_residual = residuals(f, "aux_engine"), residuals(f, "boiler")
    boiler_ef = {r["pollutant"]: r["g_per_kwh"] for r in f.boiler_factor_rows()}
    capture_boiler = bool(f.value("capture_treats_boiler_exhaust"))
    bc = "x.capture_hours" if capture_boiler else "CAST(0.0 AS DOUBLE)"
    kg = []
    for p in POLLUTANTS:
        ef = f"k.ef_{p}"
        res = ef
        if p in aux_residual:
            params[f"em_res_{p}"] = float(aux_residual[p])
            res = f"least({ef}, $em_res_{p})"
        params[f"em_bef_{p}"] = float(boiler_ef[p])
        params[f"em_bres_{p}"] = float(min(boiler_residual[p], boiler_ef[p])
                                       if p in boiler_residual else boiler_ef[p])
        bef, bres = f"$em_bef_{p}", f"$em_bres_{p}"
        # each load x hours product is made once for all pollutants (`products` below): the
        # formula's A x U x EF is (A x U) x EF as SQL reads it, so the values are the same
        at_berth = (f"x._em_a_nc * {ef} + x._em_a_cap * {res} "
                    f"+ x._em_b_rest * {bef} + x._em_b_bc * {bres}")
        avoided = (f"x._em_a_sp * {ef} + x._em_a_cap * ({ef} - {res}) "
                   f"+ x._em_b_bc * ({bef} - {bres})")
        kg += [
            (f"excess_{p}_kg", _scaled(f"x._em_a_unc * {ef} * $em_per_kg")),
            (f"at_berth_{p}_kg", _scaled(f"({at_berth}) * $em_per_kg")),
            (f"avoided_{p}_kg", _scaled(f"({avoided}) * $em_per_kg")),
        ]
    # the bins' metric names are checked against SIZE_METRICS when the factors are read
    others = [c for c in result_columns if c not in EMISSION_COLUMNS]
    info = ["aux_power_kw_used", "boiler_power_kw_used", "load_source", "boiler_load_source",
            "load_category", "aux_engine_speed_used", "nox_tier_used", "nox_tier_assumed",
            "stay_hours", "shore_power_hours", "capture_hours"]
    passed = [store.quote_ident(c) for c in [*others, *info]]
    kg = [("shore_power_energy_kwh_estimated", _scaled("x._em_a_sp")), *kg]
    # the products of a load and hours every pollutant's kilograms multiply by a factor, made
    # once: written out in each of the 24 expressions, DuckDB planned them 24 times over
    a, b = "x.aux_power_kw_used", "x.boiler_power_kw_used"
    products = ", ".join(f"{expr} AS {name}" for name, expr in (
        ("_em_a_unc", f"{a} * x.uncontrolled"), ("_em_a_nc", f"{a} * x.not_controlled"),
        ("_em_a_cap", f"{a} * x.capture_hours"), ("_em_a_sp", f"{a} * x.shore_power_hours"),
        ("_em_b_rest", f"{b} * (x.stay_hours - {bc})"), ("_em_b_bc", f"{b} * {bc}")))
    # the rounded columns' values before rounding, in units of the last kept decimal: the
    # reader rounds them (`round_scaled`)
    assert [name for name, _ in kg] == list(ROUNDED_COLUMNS)
    # in the output's order: the estimated energy, the metered, then the kilograms (one
    # projection: a second one only to reorder was 70 more columns for DuckDB to bind)
    scaled = ",\n        ".join([f"{kg[0][1]} AS {kg[0][0]}",
                                  "x._em_metered AS shore_power_energy_kwh_metered",
                                  *(f"{expr} AS {name}" for name, expr in kg[1:])])
    sql = f"""
WITH r AS (
    SELECT {star}{hours} FROM {results} r
),
a AS (
    SELECT a.visit_id, {attr} FROM {attributes} a
),
j AS (
    SELECT r.*, a.vessel_type AS _em_vessel_type, a.nox_tier AS _em_nox_tier,
        a.aux_power_kw AS _em_aux, a.boiler_power_kw AS _em_boiler,
        a.teu, a.dwt, a.passengers, a.aux_engine_speed AS _em_speed,
        a.shore_power_energy_kwh_metered AS _em_metered
    FROM r LEFT JOIN a ON a.visit_id = r.visit_id
),
binned AS (
    -- the first size bin holding the visit: bins depend on the vessel type and size only, so
    -- they are found once per distinct (type, size) and joined back on those columns (per
    -- visit, it was a join to every bin of the type and a grouping on the text visit_id)
    SELECT s.vessel_type, {sizes}, min(b.bin) AS bin
    -- read from the attributes themselves, not from `a`: a CTE read twice is materialised
    -- (a copy of every visit's attributes, 0.25 s of thread time at a million visits)
    FROM (SELECT DISTINCT {', '.join(read[c] for c in ['vessel_type', *size_columns])}
          FROM {attributes} a) s
    JOIN _bc_em_bins b ON b.vessel_type = s.vessel_type
    WHERE (CASE b.size_metric {size} END) >= b.bin_from
      AND (b.bin_to IS NULL OR (CASE b.size_metric {size} END) < b.bin_to)
    GROUP BY ALL
),
loads AS (
    SELECT j.*, bn.bin AS _em_bin,
        coalesce(j._em_aux, b.aux_kw, t.aux_kw) AS aux_power_kw_used,
        coalesce(j._em_boiler, b.boiler_kw, t.boiler_kw) AS boiler_power_kw_used,
        CASE WHEN j._em_aux IS NOT NULL THEN 'given'
             WHEN bn.bin IS NOT NULL THEN 'default_size_bin'
             WHEN t.aux_kw IS NOT NULL THEN 'default_type' END AS load_source,
        CASE WHEN j._em_boiler IS NOT NULL THEN 'given'
             WHEN bn.bin IS NOT NULL THEN 'default_size_bin'
             WHEN t.aux_kw IS NOT NULL THEN 'default_type' END AS boiler_load_source,
        CASE WHEN j._em_aux IS NOT NULL AND j._em_boiler IS NOT NULL THEN CAST(NULL AS VARCHAR)
             ELSE coalesce(b.category, t.category) END AS load_category,
        -- the two lists tested with list_contains, not `IN (SELECT unnest(...))`: a subquery
        -- each, which DuckDB plans as a join (a small check's results query 17.3 -> 16.0 ms
        -- CPU; the same at 200 000 visits within the noise); a NULL is in neither
        CASE WHEN list_contains($em_speeds, j._em_speed) THEN j._em_speed
             ELSE $em_default_speed END AS aux_engine_speed_used,
        CAST(coalesce(j._em_nox_tier, $em_default_tier) AS BIGINT) AS nox_tier_used,
        j._em_nox_tier IS NULL AS nox_tier_assumed,
        CASE WHEN j.stay_hours - j.shore_power_hours - j.capture_hours < 0 THEN CAST(0.0 AS DOUBLE)
             ELSE j.stay_hours - j.shore_power_hours - j.capture_hours END AS not_controlled,
        CASE WHEN j.uncontrolled_hours IS NOT NULL THEN CAST(j.uncontrolled_hours AS DOUBLE)
             WHEN list_contains($em_no_excess, j.verdict) THEN CAST(0.0 AS DOUBLE) END AS uncontrolled
    FROM j
    LEFT JOIN binned bn ON bn.vessel_type = j._em_vessel_type {same_size}
    LEFT JOIN _bc_em_bins b ON b.bin = bn.bin
    LEFT JOIN _bc_em_types t ON t.vessel_type = j._em_vessel_type
)
SELECT {', '.join('x.' + c for c in passed)},
    {scaled}
FROM (SELECT x.*, {products} FROM loads x) x
LEFT JOIN _bc_em_aux k ON k._em_speed = x.aux_engine_speed_used AND k._em_tier = x.nox_tier_used
"""  # noqa: S608 - our column names; every value is a bound parameter
    return sql, params


def ordered_columns(result_columns: list[str]) -> list[str]:
    """The output columns of `emissions_query`, in order (for a caller that reorders)."""
    return [*[c for c in result_columns if c not in EMISSION_COLUMNS], *EMISSION_COLUMNS]


def compute_emissions_frames(results, attributes, factors: Factors | None = None):
    """`emissions.compute_emissions`: the stage run on two polars frames (in-memory DuckDB)."""
    import duckdb
    import polars as pl

    f = factors or load_factors()
    con = duckdb.connect(":memory:")
    try:
        store.run(con, "SET TimeZone = 'UTC'")
        store.register(con, "_bc_em_results", results.with_row_index("_em_row"))
        store.register(con, "_bc_em_attrs", attributes)
        register_factors(con, f)
        wanted = {"visit_id", *VISIT_COLUMNS, *OPTIONAL_VISIT_COLUMNS,
                  "shore_power_energy_kwh_metered"}
        sql, params = emissions_query(f, "_bc_em_results", ["_em_row", *results.columns],
                                      "_bc_em_attrs",
                                      [c for c in attributes.columns if c in wanted])
        out = con.sql(f"SELECT * FROM ({sql}) ORDER BY _em_row",  # noqa: S608 - ours
                      params=_used(sql, params)).pl()
    finally:
        con.close()
    out = out.with_columns(pl.Series(name, round_scaled(out.get_column(name).to_arrow()))
                           for name in ROUNDED_COLUMNS)
    return out.select(ordered_columns(list(results.columns)))


def _used(sql: str, params: dict[str, object]) -> dict[str, object]:
    from berthcheck.engine.pack import PARAM_RE

    return {n: params[n] for n in set(PARAM_RE.findall(sql))}
