"""pandera.polars models for the engine's outputs, holding the data contract's invariants.

Validate collected `pl.DataFrame`s (a LazyFrame gets schema-only checks); every check is a
polars expression, never element-wise Python.
"""

from __future__ import annotations

# the polars forms of pandera's built-in checks, registered before the models below make their
# checks (pandera would register them at the first validation; `holds` reads them before that)
import pandera.backends.polars.builtin_checks  # noqa: F401
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from berthcheck.emissions import KG_COLUMNS, LOAD_SOURCES, POLLUTANTS
from berthcheck.engine.output_columns import (  # noqa: F401 - the models' names, re-exported
    FINDING_COLUMNS,
    PARTIES,
    RESULT_COLUMNS,
    SEVERITIES,
    VERDICTS,
)

HOURS_TOLERANCE = 1e-5  # hours are rounded to 6 decimals each
KG_TOLERANCE = 0.05  # kg: hours rounded to 6 decimals x up to ~12 MW x ~1 kg/kWh

_WINDOW_HOURS = (pl.col("window_end") - pl.col("window_start")).dt.total_microseconds() / 3.6e9


class ResultsModel(pa.DataFrameModel):
    visit_id: str = pa.Field(unique=True, nullable=False)
    pack: str = pa.Field(nullable=False, str_matches=r"^[a-z0-9-]+@\d+\.\d+\.\d+$")
    verdict: str = pa.Field(isin=list(VERDICTS), nullable=False)
    basis: str = pa.Field(nullable=False, str_length={"min_value": 1})
    window_start: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(nullable=True)
    window_end: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(nullable=True)
    controlled_hours: float = pa.Field(ge=0, nullable=True)
    uncontrolled_hours: float = pa.Field(ge=0, nullable=True)
    excused_hours: float = pa.Field(ge=0, nullable=True)
    responsible: str = pa.Field(nullable=True)
    penalty: float = pa.Field(ge=0, nullable=True)
    # CARB: port-local calendar days with uncontrolled time (data contract 4); else empty
    violation_days: pl.Int64 = pa.Field(ge=0, nullable=True)
    findings: str = pa.Field(nullable=False)
    # emissions at berth (data contract 5; berthcheck/emissions.py): they follow the contract's
    # columns. Every <kind>_<pollutant>_kg column is checked by emissions_non_negative.
    aux_power_kw_used: float = pa.Field(ge=0, nullable=False)
    boiler_power_kw_used: float = pa.Field(ge=0, nullable=False)
    load_source: str = pa.Field(isin=list(LOAD_SOURCES), nullable=False)
    boiler_load_source: str = pa.Field(isin=list(LOAD_SOURCES), nullable=False)
    load_category: str = pa.Field(nullable=True)
    aux_engine_speed_used: str = pa.Field(nullable=False)
    nox_tier_used: pl.Int64 = pa.Field(ge=0, le=3, nullable=False)
    nox_tier_assumed: bool = pa.Field(nullable=False)
    stay_hours: float = pa.Field(gt=0, nullable=True)
    shore_power_hours: float = pa.Field(ge=0, nullable=True)
    capture_hours: float = pa.Field(ge=0, nullable=True)
    shore_power_energy_kwh_estimated: float = pa.Field(ge=0, nullable=True)
    shore_power_energy_kwh_metered: float = pa.Field(ge=0, nullable=True)
    excess_nox_kg: float = pa.Field(ge=0, nullable=True)
    excess_pm25_kg: float = pa.Field(ge=0, nullable=True)
    excess_rog_kg: float = pa.Field(ge=0, nullable=True)
    excess_co2_kg: float = pa.Field(ge=0, nullable=True)
    at_berth_nox_kg: float = pa.Field(ge=0, nullable=True)
    at_berth_pm25_kg: float = pa.Field(ge=0, nullable=True)
    at_berth_rog_kg: float = pa.Field(ge=0, nullable=True)
    at_berth_co2_kg: float = pa.Field(ge=0, nullable=True)
    avoided_nox_kg: float = pa.Field(ge=0, nullable=True)
    avoided_pm25_kg: float = pa.Field(ge=0, nullable=True)
    avoided_rog_kg: float = pa.Field(ge=0, nullable=True)
    avoided_co2_kg: float = pa.Field(ge=0, nullable=True)

    class Config:
        strict = False  # pack-specific columns follow the contract's columns
        coerce = False

    @pa.dataframe_check
    def emissions_non_negative(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.all_horizontal([pl.col(c).is_null() | (pl.col(c) >= 0) for c in KG_COLUMNS])
        )

    @pa.dataframe_check
    def excess_within_at_berth(cls, data: PolarsData) -> pl.LazyFrame:
        """The uncontrolled hours lie in the stay's hours not under control, so the excess
        (auxiliary engines only) never exceeds the at-berth total (rounding tolerance)."""
        return data.lazyframe.select(
            pl.all_horizontal([
                pl.col(f"excess_{p}_kg").is_null() | pl.col(f"at_berth_{p}_kg").is_null()
                | (pl.col(f"excess_{p}_kg") <= pl.col(f"at_berth_{p}_kg") + KG_TOLERANCE)
                for p in POLLUTANTS
            ])
        )

    @pa.dataframe_check
    def control_hours_within_stay(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("stay_hours").is_null()
            | (pl.col("shore_power_hours") + pl.col("capture_hours")
               <= pl.col("stay_hours") + HOURS_TOLERANCE)
        )

    @pa.dataframe_check
    def hours_add_up_to_window(cls, data: PolarsData) -> pl.LazyFrame:
        """controlled + uncontrolled + excused = window length where a window was required."""
        total = pl.col("controlled_hours") + pl.col("uncontrolled_hours") + pl.col("excused_hours")
        return data.lazyframe.select(
            pl.col("window_start").is_null()
            | ((total - _WINDOW_HOURS).abs() <= HOURS_TOLERANCE)
        )

    @pa.dataframe_check
    def window_is_an_interval(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("window_start").is_null() & pl.col("window_end").is_null())
            | (pl.col("window_start") < pl.col("window_end"))
        )

    @pa.dataframe_check
    def non_compliant_has_a_finding(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("verdict") != "non_compliant") | (pl.col("findings").str.len_chars() > 0)
        )

    @pa.dataframe_check
    def non_compliant_has_uncontrolled_time(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("verdict") != "non_compliant")
            | pl.col("uncontrolled_hours").is_null()
            | (pl.col("uncontrolled_hours") > 0)
        )

    @pa.dataframe_check
    def violation_days_only_where_uncontrolled(cls, data: PolarsData) -> pl.LazyFrame:
        """A non-compliant visit has at least one violation day; any other has none."""
        days = pl.col("violation_days")
        return data.lazyframe.select(
            days.is_null()
            | pl.when(pl.col("verdict") == "non_compliant").then(days >= 1).otherwise(days == 0)
        )

    @pa.dataframe_check
    def compliant_has_no_uncontrolled_time(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("verdict") != "compliant")
            | pl.col("uncontrolled_hours").is_null()
            | (pl.col("uncontrolled_hours") == 0)
        )

    @pa.dataframe_check
    def responsible_is_known_parties(cls, data: PolarsData) -> pl.LazyFrame:
        parts = pl.col("responsible").str.split("+")
        return data.lazyframe.select(
            pl.col("responsible").is_null()
            | parts.list.eval(pl.element().is_in(list(PARTIES))).list.all()
        )


class FindingsModel(pa.DataFrameModel):
    finding_id: str = pa.Field(unique=True, nullable=False, str_matches=r"^[0-9a-f]{16}$")
    rule_id: str = pa.Field(nullable=False)
    visit_id: str = pa.Field(nullable=False)
    severity: str = pa.Field(isin=list(SEVERITIES), nullable=False)
    message: str = pa.Field(nullable=False, str_length={"min_value": 1})
    evidence: str = pa.Field(nullable=False, str_startswith="{")

    class Config:
        strict = False
        coerce = False


def validate_outputs(results: pl.DataFrame, findings: pl.DataFrame) -> None:
    """Validate both frames against their models. The cross-table invariant (the `findings`
    column lists the rules of the visit's findings; no finding without a result) holds by
    construction: the check computes the column as an aggregate of the findings table and
    refuses orphan findings in SQL (engine/check.py)."""
    # pandera runs each check as its own small query: polars' in-memory engine starts one in
    # a fraction of the default engine's time (half of a small check's validation)
    with pl.Config(engine_affinity="in-memory"):
        for model, frame in ((ResultsModel, results), (FindingsModel, findings)):
            schema = model.to_schema()
            if not holds(schema, frame):  # pandera names what fails (or finds nothing wrong)
                schema.validate(frame, lazy=True)


class _Capture:
    """Stands in for a check's lazy frame to capture the expression the check selects."""

    def select(self, *exprs, **named):
        return exprs[0] if len(exprs) == 1 and not named else None


# a schema's invariants: dtypes by column, one boolean aggregate per invariant, and the place
# of each unique column's aggregate among them (by column name)
_Plan = tuple[dict, list[pl.Expr], dict[str, int]]
# schema id -> (schema, its invariants): pandera schemas are not hashable; the models' are made
# once by pandera, the packs' declared ones once per declaration (engine/pack_columns.py)
_PLANS: dict[int, tuple[pa.DataFrameSchema, _Plan | None]] = {}


def _invariants(schema: pa.DataFrameSchema) -> _Plan | None:
    return _once_per_schema(_PLANS, schema, _read_invariants)


def _once_per_schema(made: dict, schema: pa.DataFrameSchema, read):
    """`read(schema)`, made once per schema object and kept in `made` by its id with the
    schema itself (an id is not reused while its object lives), at most 64 at a time."""
    known = made.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    value = read(schema)
    if len(made) > 64:
        made.clear()
    made[id(schema)] = (schema, value)
    return value


def _frame_checks_readable(schema: pa.DataFrameSchema) -> bool:
    """Whether a schema's frame-wide options leave its checks to be read as polars
    expressions (`_read_invariants`, `_read_cases`); otherwise pandera judges."""
    return not (schema.unique or schema.ordered or schema.coerce or schema.add_missing_columns
                or schema.drop_invalid_rows or schema.strict)


def _row_pass(check, key: str) -> pl.Expr | None:
    """A pandera check's per-row pass as one polars expression over column `key` ("*": the
    frame), read from the check's own function; None when it does not read so (grouped,
    element-wise, or not an expression): pandera's to run."""
    if check.groupby is not None or check.element_wise:
        return None
    try:
        capture = PolarsData(_Capture(), key)  # type: ignore[arg-type]
        expr = check._check_fn(capture, **check._check_kwargs)  # noqa: SLF001
    except Exception:  # noqa: BLE001 - a check that does not read this way: pandera's
        return None
    if not isinstance(expr, pl.Expr):
        return None
    # a null passes a check that ignores nulls: fill_null(True), not `expr | expr.is_null()`,
    # which polars evaluated twice (the IMO check digit: 0.32 of `holds`' 0.55 CPU s at 1M)
    return expr.fill_null(True) if check.ignore_na else expr.fill_null(False)


def _read_invariants(schema: pa.DataFrameSchema) -> _Plan | None:
    """Every invariant of a pandera schema as one boolean aggregate each, made from the
    schema's own objects (its columns' dtype, nullable, unique and checks, its frame-wide
    checks, each check's own polars expression): (dtypes by column, aggregates, the place of
    each unique column's aggregate). None when a
    check cannot be read that way (then pandera alone decides). Each aggregate is at least as
    strict as pandera's reading of it (null outputs pass only where the check ignores nulls,
    as pandera's do; dtypes must be equal, not only compatible)."""
    if not _frame_checks_readable(schema):  # extra columns: pandera's to judge
        return None
    dtypes: dict[str, object] = {}
    aggregates: list[pl.Expr] = []
    unique: dict[str, int] = {}

    def passes(check, key: str) -> bool:
        ok = _row_pass(check, key)
        if ok is None:
            return False
        aggregates.append(ok.all())
        return True

    for name, column in schema.columns.items():
        if column.regex or not column.required or column.coerce or column.dtype is None:
            return None
        kind = column.dtype.type
        dtypes[name] = kind
        if not column.nullable:
            present = pl.col(name).is_not_null()
            if kind in (pl.Float32, pl.Float64):  # pandera counts NaN as null here
                present = present & pl.col(name).is_not_nan()
            aggregates.append(present.all())
        if column.unique:
            unique[name] = len(aggregates)
            aggregates.append(pl.col(name).is_duplicated().any().not_())
        if not all(passes(check, name) for check in column.checks):
            return None
    if not all(passes(check, "*") for check in schema.checks):
        return None
    return dtypes, [a.alias(f"_{i}") for i, a in enumerate(aggregates)], unique


# a schema's row checks in pandera's order of validation: (its name for the check, the column
# it reports, the check's per-row pass as a polars expression), or None when one cannot be read
_Cases = list[tuple[str, str, pl.Expr]]
_CASES: dict[int, tuple[pa.DataFrameSchema, _Cases | None]] = {}


def failure_cases(schema: pa.DataFrameSchema, frame: pl.DataFrame
                  ) -> list[tuple[str, str, int]] | None:
    """What pandera's lazy validation (`schema.validate(frame, lazy=True)`) lists as failure
    cases, as (check, column, index) rows in its order, found in one polars query instead of
    pandera's one query per check (25-30 ms of a rejected small file's load). Pandera's order:
    each column in the schema's order (its non-null check, then its checks in order), then the
    frame-wide checks in order; within a check, the failing rows in the frame's order. A check
    is named as pandera names it (`error`, else `name`); a frame-wide check reports the
    schema's name as its column. None when the schema or the frame is not one this reading
    covers (a dtype that differs, a uniqueness check, a check that is not one polars
    expression): pandera then validates, as before."""
    plan = _case_plan(schema)
    if plan is None or not isinstance(frame, pl.DataFrame):
        return None
    have = frame.schema
    for name, column in schema.columns.items():
        if name not in have or have[name] != column.dtype.type:
            return None
    if not plan:
        return []
    try:
        passed = frame.lazy().select(expr.alias(f"_{i}") for i, (_, _, expr)
                                     in enumerate(plan)).collect()
    except pl.exceptions.PolarsError:
        return None
    cases: list[tuple[str, str, int]] = []
    for (check, column, _), ok in zip(plan, passed.get_columns(), strict=True):
        if ok.dtype != pl.Boolean or ok.len() != frame.height:
            return None
        if ok.all():
            continue
        cases += [(check, column, int(at)) for at in ok.not_().arg_true().to_list()]
    return cases


def _case_plan(schema: pa.DataFrameSchema) -> _Cases | None:
    return _once_per_schema(_CASES, schema, _read_cases)


def _read_cases(schema: pa.DataFrameSchema) -> _Cases | None:
    """The schema's row checks, read from pandera's own objects as `_read_invariants` reads
    them, per row instead of aggregated."""
    if not _frame_checks_readable(schema):
        return None
    plan: _Cases = []

    def read(check, key: str, column: str) -> bool:
        if check.raise_warning or check.n_failure_cases is not None:
            return False
        ok = _row_pass(check, key)
        if ok is None:
            return False
        named = check.error if check.error is not None else (
            check.name if check.name is not None else str(check))
        plan.append((str(named), column, ok))
        return True

    for name, column in schema.columns.items():
        if column.regex or not column.required or column.coerce or column.dtype is None \
                or column.unique or column.drop_invalid_rows or column.default is not None:
            return None
        if not column.nullable:
            present = pl.col(name).is_not_null()
            if column.dtype.type in (pl.Float32, pl.Float64):  # pandera: NaN counts as null
                present = present & pl.col(name).is_not_nan()
            plan.append(("not_nullable", name, present))
        if not all(read(check, name, name) for check in column.checks):
            return None
    if not all(read(check, "*", str(schema.name)) for check in schema.checks):
        return None
    return plan


def _unique_when_sorted(frame: pl.DataFrame, name: str) -> pl.Expr | None:
    """A cheaper test that column `name` of `frame` holds no value twice, when the column is
    sorted, without nulls and of a type whose equality is its values' (text, integers): then
    a repeated value sits next to itself. The results come sorted by `visit_id`; hashing a
    million ids to find duplicates cost 0.19 CPU s, this 0.02 (the sortedness test included)."""
    column = frame.get_column(name)
    if not (column.dtype == pl.String or column.dtype.is_integer()):
        return None
    if column.null_count() or not column.is_sorted():
        return None
    return (pl.col(name) != pl.col(name).shift(1)).all()


def holds(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> bool:
    """True when every invariant of the schema holds on the frame, decided in one polars query
    instead of pandera's one query per check (a small check's validation was mostly that
    overhead). False means "let pandera validate": it then raises its SchemaErrors naming each
    failing check, or finds nothing wrong where this reading was stricter than its own."""
    plan = _invariants(schema)
    if plan is None or not isinstance(frame, pl.DataFrame):
        return False
    dtypes, aggregates, unique = plan
    have = frame.schema
    if any(name not in have or have[name] != kind for name, kind in dtypes.items()):
        return False
    if not aggregates:  # only columns and dtypes to hold (a pack's declared result columns,
        return True     # all nullable): polars selects no row from no expression
    if unique and frame.height > 1:
        aggregates = list(aggregates)
        for name, at in unique.items():
            cheaper = _unique_when_sorted(frame, name)
            if cheaper is not None:
                aggregates[at] = cheaper.alias(f"_{at}")
    try:
        row = frame.lazy().select(aggregates).collect().row(0)
    except pl.exceptions.PolarsError:
        return False
    return all(value is True for value in row)
