"""Emissions at berth (data contract 5; the arithmetic is berthcheck/emissions.py's module
docstring), computed on whole columns with numpy: the check makes them on its results once
they are sorted by `visit_id`, beside the visits' attributes sorted the same way
(`aligned_attributes`), so no visit row travels through Python one at a time.

The stage ran as SQL in the check's results query until the twenty-ninth session: the
attributes joined to the results on the text `visit_id`, the size bins and the factor tables
joined in, 25 kilogram expressions per visit, then every column copied out of DuckDB and
sorted. Here the same expressions are evaluated operation for operation in the same order, on
IEEE doubles, so the values are bit for bit the SQL stage's (NULL wherever an input of the
expression is NULL, DuckDB's `least` ignoring a NULL, a NaN size compared as the largest
number, as DuckDB compares it), and kilograms are rounded half to even at KG_DECIMALS:
`rint(y) / 10^4` for `y` the value in units of the last kept decimal, bit for bit DuckDB's
`round_even(y, 0) / 10^4` (`rint_scaled`, tests/test_emission_rounding.py).
"""

from __future__ import annotations

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
    SIZE_COLUMNS,
)

# the attribute columns the stage reads, with the type each is read as
_ATTRIBUTE_TYPES = {
    "vessel_type": "VARCHAR", "nox_tier": "BIGINT", "aux_power_kw": "DOUBLE",
    "boiler_power_kw": "DOUBLE", "teu": "DOUBLE", "dwt": "DOUBLE", "passengers": "DOUBLE",
    "aux_engine_speed": "VARCHAR", "shore_power_energy_kwh_metered": "DOUBLE",
}

# the columns rounded to KG_DECIMALS (`rint_scaled`)
ROUNDED_COLUMNS = ("shore_power_energy_kwh_estimated",
                   *(f"{kind}_{p}_kg" for p in POLLUTANTS
                     for kind in ("excess", "at_berth", "avoided")))


def rint_scaled(values):
    """`values` (a numpy float64 array of `y`, a value in units of the last kept decimal)
    rounded to kilograms, in place: `rint(y) / 10^KG_DECIMALS`. `rint` rounds half to even
    (the IEEE default mode) and keeps the sign of a zero (-0.4 -> -0.0), so this is DuckDB's
    `round_even(y, 0) / 10^4` bit for bit."""
    import numpy as np

    with np.errstate(all="ignore"):  # a NULL's slot may hold anything
        np.rint(values, out=values)
        values /= float(10 ** KG_DECIMALS)
    return values


def round_scaled(array):
    """`rint_scaled` of a pyarrow array (any number type, read as DOUBLE), in buffers of its
    own; NULLs stay NULL."""
    import numpy as np
    import pyarrow as pa

    double = pa.float64()
    if array.type != double:
        array = array.cast(double)
    validity, data = array.buffers()
    count = array.offset + len(array)
    values = (np.frombuffer(data, dtype=np.float64, count=count).copy() if data is not None
              else np.zeros(count))
    out = rint_scaled(values)
    kept = None if validity is None or array.null_count == 0 else pa.py_buffer(validity.to_pybytes())
    return pa.Array.from_buffers(double, len(array), [kept, pa.py_buffer(out)],
                                 null_count=array.null_count if kept is not None else 0,
                                 offset=array.offset)


# id of a Factors (load_factors returns one object per folder content) -> (it, its
# auxiliary-engine factors per (speed, tier), a polars frame)
_AUX: dict[int, tuple[Factors, object]] = {}


def _aux_factors(f: Factors):
    cached = _AUX.get(id(f))
    if cached is None or cached[0] is not f:
        if len(_AUX) > 8:
            _AUX.clear()
        cached = _AUX[id(f)] = (f, aux_factor_frame(f))
    return cached[1]


def compute_emissions_frames(results, attributes, factors: Factors | None = None):
    """`emissions.compute_emissions`: the stage on two polars frames, the results' row order
    kept (the attributes lined up by `visit_id`)."""
    import polars as pl

    f = factors or load_factors()
    n = results.height

    def double(column: str):
        return (results.get_column(column).cast(pl.Float64) if column in results.columns
                else pl.repeat(None, n, dtype=pl.Float64, eager=True).alias(column))

    read = pl.DataFrame([results.get_column("visit_id"), results.get_column("verdict"),
                         *(double(c) for c in ("uncontrolled_hours", *HOURS_COLUMNS))])
    made = emission_columns(read, aligned_attributes(read.get_column("visit_id"), attributes), f)
    kept = [c for c in results.columns if c not in EMISSION_COLUMNS]
    return pl.DataFrame([*(results.get_column(c) for c in kept),
                         *(made[c].alias(c) for c in EMISSION_COLUMNS)])


# --- the stage on the sorted results (numpy, the check's path) ------------------------------


def aligned_attributes(ids, attributes):
    """`attributes` (a polars frame with `visit_id`, one row per visit, or an Arrow table) row
    for row beside `ids` (a polars Series of visit ids), a visit without attributes all NULL:
    what the stage's LEFT JOIN on `visit_id` gave. The check's attributes hold exactly the
    visits in scope, as its results do: sorted by `visit_id` like the results, they line up
    and no join is made (the join on the text id was a third of the stage in DuckDB)."""
    import polars as pl

    frame = attributes if isinstance(attributes, pl.DataFrame) else pl.from_arrow(attributes)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.select([c for c in frame.columns if c == "visit_id" or c in _ATTRIBUTE_TYPES])
    if frame.height == ids.len():
        ordered = frame.sort("visit_id")
        if ordered.get_column("visit_id").equals(ids.rename("visit_id")):
            return ordered
    return (ids.rename("visit_id").to_frame()
            .join(frame, on="visit_id", how="left", maintain_order="left"))


def _typed_attributes(frame, n: int) -> dict:
    """Each attribute column the stage reads, cast to the type the SQL stage read it as
    (`_ATTRIBUTE_TYPES`; an absent one all NULL)."""
    import polars as pl

    kinds = {"VARCHAR": pl.String, "BIGINT": pl.Int64, "DOUBLE": pl.Float64}
    out = {}
    for column, kind in _ATTRIBUTE_TYPES.items():
        dtype = kinds[kind]
        out[column] = (frame.get_column(column).cast(dtype) if column in frame.columns
                       else pl.repeat(None, n, dtype=dtype, eager=True))
    return out


def _doubles(series):
    """A Float64 series as (values, valid): numpy arrays, a NULL's value 0.0."""
    import numpy as np

    valid = (series.is_not_null().to_numpy() if series.null_count()
             else np.ones(series.len(), dtype=bool))
    return series.fill_null(0.0).to_numpy(), valid


def _double_series(name: str, values, valid):
    """A Float64 polars series of `values`, NULL where not `valid`."""
    import polars as pl
    import pyarrow as pa

    mask = None if valid is True or bool(valid.all()) else ~valid
    return pl.Series(name, pa.array(values, type=pa.float64(), mask=mask))


def emission_columns(results, attributes, f: Factors,
                     uncontrolled: str = "uncontrolled_hours") -> dict:
    """The stage's columns (`EMISSION_COLUMNS`, in that order, as polars series) for the rows
    of `results` (a polars frame: `verdict`, `uncontrolled_hours` and the three hours
    columns, read as DOUBLE), whose attributes are `attributes`, row for row
    (`aligned_attributes`); `uncontrolled`: the column holding the uncontrolled hours as DOUBLE.
    The arithmetic is the SQL stage's it replaced (module docstring), operation for operation
    in the same order (IEEE doubles, so bit for bit the same values), and the kilograms are
    rounded by `rint_scaled`."""
    import numpy as np
    import polars as pl

    n = results.height
    attrs = _typed_attributes(attributes, n)
    vessel_type = attrs["vessel_type"]

    # the size bin: the first bin (file order) of the visit's type holding its size
    loads = f.tables["aux_boiler_loads"].rows
    bins = [r for r in loads if r["size_metric"] != "none"]
    defaults = {r["vessel_type"]: r for r in loads if r["size_metric"] == "none"}
    bin_at = np.full(n, -1, dtype=np.int64)
    of_type: dict = {}
    sizes: dict = {}
    for i, row in enumerate(bins):
        if row["vessel_type"] not in of_type:
            of_type[row["vessel_type"]] = (vessel_type == row["vessel_type"]).fill_null(False).to_numpy()
        column = SIZE_COLUMNS[row["size_metric"]]
        if column not in sizes:
            sizes[column] = _doubles(attrs[column])
        size, known = sizes[column]
        if row["bin_from"] is None:
            continue
        # as DuckDB compares: a NaN is above every number, a NULL matches nothing
        with np.errstate(invalid="ignore"):
            match = of_type[row["vessel_type"]] & known & (np.isnan(size) | (size >= row["bin_from"]))
            if row["bin_to"] is not None:
                match &= ~np.isnan(size) & (size < row["bin_to"])
        bin_at[match & (bin_at < 0)] = i
    binned = bin_at >= 0
    at = np.where(binned, bin_at, 0)

    def from_bins(key: str):
        values = np.array([np.nan if r[key] is None else r[key] for r in bins] or [0.0])
        given = np.array([r[key] is not None for r in bins] or [False])
        return values[at], binned & given[at]

    def from_types(key: str):
        mapping = {t: r[key] for t, r in defaults.items() if r[key] is not None}
        found = vessel_type.replace_strict(list(mapping), list(mapping.values()), default=None,
                                           return_dtype=pl.Float64)
        return _doubles(found)

    def coalesced(given, key: str):
        (g, vg), (b, vb), (t, vt) = given, from_bins(key), from_types(key)
        return np.where(vg, g, np.where(vb, b, t)), vg | vb | vt

    aux_given, boiler_given = _doubles(attrs["aux_power_kw"]), _doubles(attrs["boiler_power_kw"])
    a, va = coalesced(aux_given, "aux_kw")
    b, vb = coalesced(boiler_given, "boiler_kw")
    _, type_aux = from_types("aux_kw")
    source = np.where(aux_given[1], 0, np.where(binned, 1, np.where(type_aux, 2, 3)))
    boiler_source = np.where(boiler_given[1], 0, np.where(binned, 1, np.where(type_aux, 2, 3)))

    def sources(codes):
        return pl.Series(codes).replace_strict([0, 1, 2], ["given", "default_size_bin",
                                                           "default_type"],
                                               default=None, return_dtype=pl.String)

    # the category: NULL where both loads are given, else the bin's, else the type's
    names = [r["category"] for r in bins]
    type_names = vessel_type.replace_strict(
        [t for t, r in defaults.items() if r["category"] is not None],
        [r["category"] for r in defaults.values() if r["category"] is not None],
        default=None, return_dtype=pl.String)
    bin_names = pl.Series(np.where(binned, bin_at, -1)).replace_strict(
        [i for i, c in enumerate(names) if c is not None], [c for c in names if c is not None],
        default=None, return_dtype=pl.String)
    both_given = pl.Series(aux_given[1] & boiler_given[1])
    category = (pl.DataFrame({"g": both_given, "b": bin_names, "t": type_names})
                .select(pl.when(pl.col("g")).then(pl.lit(None, dtype=pl.String))
                        .otherwise(pl.coalesce("b", "t"))).to_series())

    speed = attrs["aux_engine_speed"]
    speed_used = (pl.DataFrame({"s": speed})
                  .select(pl.when(pl.col("s").is_in(list(ENGINE_SPEEDS))).then(pl.col("s"))
                          .otherwise(pl.lit(f.value("default_aux_engine_speed"), dtype=pl.String)))
                  .to_series())
    tier = attrs["nox_tier"]
    tier_used = tier.fill_null(int(f.value("default_nox_tier")))
    factors_of = (pl.DataFrame({"_em_speed": speed_used, "_em_tier": tier_used})
                  .join(_aux_factors(f), on=["_em_speed", "_em_tier"],
                        how="left", maintain_order="left"))

    stay, vstay = _doubles(results.get_column("stay_hours"))
    sp, vsp = _doubles(results.get_column("shore_power_hours"))
    cap, vcap = _doubles(results.get_column("capture_hours"))
    with np.errstate(all="ignore"):
        rest = stay - sp - cap
        nc, vnc = np.where(rest < 0, 0.0, rest), vstay & vsp & vcap
    hours, vhours = _doubles(results.get_column(uncontrolled))
    no_excess = results.get_column("verdict").is_in(list(NO_EXCESS_VERDICTS)).fill_null(False).to_numpy()
    u, vu = np.where(vhours, hours, 0.0), vhours | no_excess

    scale, per_kg = float(10 ** KG_DECIMALS), 1 / 1000
    aux_residual, boiler_residual = residuals(f, "aux_engine"), residuals(f, "boiler")
    boiler_ef = {r["pollutant"]: r["g_per_kwh"] for r in f.boiler_factor_rows()}
    if f.value("capture_treats_boiler_exhaust"):
        bc, vbc = cap, vcap
    else:
        bc, vbc = 0.0, np.ones(n, dtype=bool)

    def rounded(name: str, y, valid):
        return _double_series(name, rint_scaled(y), valid)

    kg: dict = {}
    with np.errstate(all="ignore"):
        kg["shore_power_energy_kwh_estimated"] = rounded(
            "shore_power_energy_kwh_estimated", a * sp * scale, va & vsp)
        for p in POLLUTANTS:
            ef, vef = _doubles(factors_of.get_column(f"ef_{p}"))
            res = np.fmin(ef, float(aux_residual[p])) if p in aux_residual else ef
            bef = float(boiler_ef[p])
            bres = float(min(boiler_residual[p], boiler_ef[p]) if p in boiler_residual
                         else boiler_ef[p])
            at_berth = (a * nc * ef + a * cap * res + b * (stay - bc) * bef + b * bc * bres)
            avoided = a * sp * ef + a * cap * (ef - res) + b * bc * (bef - bres)
            kg[f"excess_{p}_kg"] = rounded(f"excess_{p}_kg", a * u * ef * per_kg * scale,
                                           va & vu & vef)
            kg[f"at_berth_{p}_kg"] = rounded(f"at_berth_{p}_kg", at_berth * per_kg * scale,
                                             va & vnc & vef & vcap & vb & vstay & vbc)
            kg[f"avoided_{p}_kg"] = rounded(f"avoided_{p}_kg", avoided * per_kg * scale,
                                            va & vsp & vef & vcap & vb & vbc)
    made = {
        "aux_power_kw_used": _double_series("aux_power_kw_used", a, va),
        "boiler_power_kw_used": _double_series("boiler_power_kw_used", b, vb),
        "load_source": sources(source).alias("load_source"),
        "boiler_load_source": sources(boiler_source).alias("boiler_load_source"),
        "load_category": category.alias("load_category"),
        "aux_engine_speed_used": speed_used.alias("aux_engine_speed_used"),
        "nox_tier_used": tier_used.alias("nox_tier_used"),
        "nox_tier_assumed": tier.is_null().alias("nox_tier_assumed"),
        **{c: results.get_column(c) for c in HOURS_COLUMNS},
        "shore_power_energy_kwh_metered": attrs["shore_power_energy_kwh_metered"]
        .alias("shore_power_energy_kwh_metered"),
        **kg,
    }
    return {name: made[name] for name in EMISSION_COLUMNS}
