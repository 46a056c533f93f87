"""Emissions at berth: hours x load x factor -> kilograms per visit (data contract 5).

The factors are data under `rules/factors/` (tables as CSV, each row citing its source;
conventions in `factors.toml`). This module reads them; per visit, set-based in DuckDB
(berthcheck/emission_stage.py, no per-visit Python), berthcheck computes:

    excess_<p>_kg    auxiliary engines over the uncontrolled hours:  A x U x EF
    at_berth_<p>_kg  auxiliary engines over the stay hours not under control, the capture
                     residual, and boilers over the whole stay:
                     A x (S - SP - C) x EF + A x C x R + B x S x EFb
    avoided_<p>_kg   what control avoided against running the auxiliary engines:
                     A x SP x EF + A x C x (EF - R)

A / B are the auxiliary and boiler loads (given on the visit, else the size bin's default, else
the type's default), S / SP / C the stay hours and the hours of the stay under shore power and
under capture (not also on shore power), U the rule pack's uncontrolled hours, EF / EFb the
auxiliary / boiler factors, R the capture residual (the CAECS standard, never above EF).
Shore power does not run a boiler; capture is credited on boiler exhaust only when the
`capture_treats_boiler_exhaust` parameter says so. So at_berth + avoided is what the stay would
have emitted with no control at all.

The check runs this arithmetic as one SQL stage after a pack's assemble step
(berthcheck/emission_stage.py); the factors and conventions are read and checked by
berthcheck/emission_factors.py; this module holds the result columns, the visit attributes
the stage reads, and the totals reports print. It is
pack-independent: it needs from the results only `visit_id`, `verdict`, `uncontrolled_hours`
and, where a pack provides them, `stay_hours`, `shore_power_hours` and `capture_hours`; the
vessel's attributes come from the stored `visits`, metered energy from `shore_power`.
"""

from __future__ import annotations

# The factor tables and their vocabulary live in berthcheck/emission_factors.py; their names
# stay importable from here, where callers have always found them.
from berthcheck.emission_factors import (  # noqa: F401
    ENGINE_SPEEDS,
    NOX_TIERS,
    POLLUTANTS,
    SIZE_METRICS,
    FactorParameter,
    Factors,
    FactorTable,
    describe_factors,
    factor_names,
    factor_table_lines,
    factors_dir,
    factors_hash,
    load_factors,
)
from berthcheck.errors import UsageError

REQUIRED_POLLUTANTS = ("nox", "pm25", "rog", "co2")  # data contract 5
KINDS_OF_KG = ("excess", "at_berth", "avoided")
LOAD_SOURCES = ("given", "default_size_bin", "default_type")
KG_DECIMALS = 4

HOURS_COLUMNS = ("stay_hours", "shore_power_hours", "capture_hours")
INFO_COLUMNS = (
    "aux_power_kw_used",
    "boiler_power_kw_used",
    "load_source",
    "boiler_load_source",
    "load_category",
    "aux_engine_speed_used",
    "nox_tier_used",
    "nox_tier_assumed",
    *HOURS_COLUMNS,
    "shore_power_energy_kwh_estimated",
    "shore_power_energy_kwh_metered",
)
KG_COLUMNS = tuple(f"{k}_{p}_kg" for k in KINDS_OF_KG for p in POLLUTANTS)
EMISSION_COLUMNS = INFO_COLUMNS + KG_COLUMNS

# Optional visit columns used where the store has them (the visits contract may grow them).
SIZE_COLUMNS = {"teu": "teu", "dwt": "dwt", "passengers": "passengers"}
OPTIONAL_VISIT_COLUMNS = ("teu", "dwt", "passengers", "aux_engine_speed")
VISIT_COLUMNS = ("vessel_type", "nox_tier", "aux_power_kw", "boiler_power_kw")

# Verdicts under which a visit had nothing to control: no excess, whatever its hours say.
NO_EXCESS_VERDICTS = ("compliant", "exempt", "not_applicable")



# --- the per-visit computation ----------------------------------------------------------------


def compute_emissions(results, attributes, factors: Factors | None = None):
    """Add the emission columns to `results` (a pure function of its arguments).

    results: one row per visit with visit_id, verdict, uncontrolled_hours and, if the pack
      gives them, stay_hours, shore_power_hours, capture_hours (else the emissions that need
      them are null).
    attributes: one row per visit with visit_id, vessel_type, nox_tier, aux_power_kw,
      boiler_power_kw and optionally teu, dwt, passengers, aux_engine_speed, and
      shore_power_energy_kwh_metered.
    Returns results with EMISSION_COLUMNS (replacing any of the same name), row order kept.
    The arithmetic is the SQL stage the check runs (berthcheck/emission_stage.py).
    """
    from berthcheck.emission_stage import compute_emissions_frames

    return compute_emissions_frames(results, attributes, factors)


def visit_attributes_sql(con, scope_table: str | None = None, near: str = "TRUE",
                         sessions: str = "shore_power") -> tuple[str, list[str]]:
    """A query over the store of the visit columns emissions need (optional columns where
    present) and the metered shore power energy per visit (null when no session of the visit
    is metered), and its column names. scope_table: a table of `visit_id`s (the check's
    scope, an engine constant) the rows are limited to, before the sessions are summed.
    near: a filter on the visits `v` every visit of the scope passes (the engine's constant
    bounds of the period, engine/judged_visits.py `period_filters`), which DuckDB tests against each
    row group's range. sessions: the shore power sessions summed (an engine constant): the
    store's view, or the check's copy of it cut to the visits it judges."""
    from berthcheck import store

    # the store's view of visits (DuckDB's catalog function: information_schema.columns
    # lists every column of every object to filter them, 10-13 ms of a check's CPU against 2)
    present = {r[0] for r in store.run(
        con, "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
             "AND schema_name = 'main' AND table_name = 'visits'")}
    cols = [c for c in (*VISIT_COLUMNS, *OPTIONAL_VISIT_COLUMNS) if c in present]
    select = ", ".join(f"v.{c}" for c in cols)  # names from our own lists, never user input
    # the scope table's name is an engine constant, never user input
    ids = f"(SELECT visit_id FROM {scope_table})" if scope_table else None  # noqa: S608
    sql = (
        f"SELECT v.visit_id, {select}, m.metered AS shore_power_energy_kwh_metered "  # noqa: S608
        "FROM visits v "
        f"LEFT JOIN (SELECT visit_id, sum(energy_kwh) AS metered FROM {sessions} "
        f"           WHERE energy_kwh IS NOT NULL{f' AND visit_id IN {ids}' if ids else ''} "
        "GROUP BY visit_id) m "
        f"ON m.visit_id = v.visit_id{f' WHERE {near} AND v.visit_id IN {ids}' if ids else ''}"
    )
    return sql, ["visit_id", *cols, "shore_power_energy_kwh_metered"]


# --- totals for reports ------------------------------------------------------------------------

TOTAL_HOURS = ("stay_hours", "uncontrolled_hours", "shore_power_hours", "capture_hours")
TOTAL_ENERGY = ("shore_power_energy_kwh_estimated", "shore_power_energy_kwh_metered")


def _month_expr(results):
    """Port-local month (YYYY-MM) of departure: the period a visit belongs to (contract 1)."""
    import polars as pl

    missing = [c for c in ("departure", "port_timezone") if c not in results.columns]
    if missing:
        raise UsageError(f"totals by month need the columns {', '.join(missing)}")
    dep = pl.col("departure")
    if results.schema["departure"] == pl.Utf8:  # results read back from a stored run
        dep = dep.str.to_datetime(time_zone="UTC")
    elif results.schema["departure"].time_zone is None:
        dep = dep.dt.replace_time_zone("UTC")
    zones = sorted(z for z in results["port_timezone"].unique().to_list() if z)
    if not zones:
        return pl.lit(None, dtype=pl.Utf8)
    return pl.coalesce([
        pl.when(pl.col("port_timezone") == z)
        .then(dep.dt.convert_time_zone(z).dt.strftime("%Y-%m"))
        for z in zones
    ])


def emission_totals(results, by="terminal"):
    """Sums per group of the emission kilograms, hours and energy of a results frame.

    by: a column name, "month" (port-local month of departure), or a sequence of them; e.g.
    "terminal" (grouped with "port" when the frame has it), "fleet", "operator",
    ("month", "terminal"). Columns: the keys, visits, visits_excess_unknown (visits whose
    excess is null, e.g. insufficient_data, left out of the excess sums), hours, energy and
    every <kind>_<pollutant>_kg; rows sorted by the keys.
    """
    import polars as pl

    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise UsageError("emission_totals needs at least one grouping column")
    if "terminal" in keys and "port" in results.columns and "port" not in keys:
        keys.insert(keys.index("terminal"), "port")
    frame = results
    if "month" in keys and "month" not in frame.columns:
        frame = frame.with_columns(_month_expr(frame).alias("month"))
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise UsageError(f"cannot total by {', '.join(missing)}: not a results column")
    sums = [c for c in (*TOTAL_HOURS, *TOTAL_ENERGY, *KG_COLUMNS) if c in frame.columns]
    excess = [c for c in KG_COLUMNS if c.startswith("excess_") and c in frame.columns]
    unknown = (pl.col(excess[0]).is_null().sum() if excess else pl.lit(0)).alias(
        "visits_excess_unknown")
    return (
        frame.group_by(keys)
        .agg(
            pl.len().alias("visits"),
            unknown,
            *[pl.col(c).cast(pl.Float64).sum().round(KG_DECIMALS).alias(c) for c in sums],
        )
        .sort(keys, nulls_last=True)
    )


