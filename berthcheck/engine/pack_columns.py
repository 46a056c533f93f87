"""The columns a pack's SQL must return, and the checks that turn a wrong one into a message.

`assemble.sql` returns, per visit: the contract's result columns (ASSEMBLE_COLUMNS; the engine
adds `pack` and `findings`), the three hour columns emissions read, any column of the `visits`
input table under its own name (plus `port_timezone`), and the pack's declared
`[[result_columns]]` — nothing else. A rule returns FINDING_COLUMNS. docs/packs.md lists the
same tables; tests keep both in step with engine/schemas.py.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from berthcheck.engine.output_columns import INVARIANTS
from berthcheck.engine.pack_spec import PackFileError

# name -> (DuckDB type, nullable), in the order assemble.sql returns them
ASSEMBLE_COLUMNS: dict[str, tuple[str, bool]] = {
    "visit_id": ("VARCHAR", False),
    "verdict": ("VARCHAR", False),
    "basis": ("VARCHAR", False),
    "window_start": ("TIMESTAMPTZ", True),
    "window_end": ("TIMESTAMPTZ", True),
    "controlled_hours": ("DOUBLE", True),
    "uncontrolled_hours": ("DOUBLE", True),
    "excused_hours": ("DOUBLE", True),
    "responsible": ("VARCHAR", True),
    "penalty": ("DOUBLE", True),
    "violation_days": ("BIGINT", True),
    # emissions (docs/contract.md 5) read these; whole stay, overlap of sessions counted once
    "stay_hours": ("DOUBLE", True),
    "shore_power_hours": ("DOUBLE", True),
    "capture_hours": ("DOUBLE", True),
}
ENGINE_COLUMNS = ("pack", "findings")  # added by the engine after assemble
# name -> (DuckDB type, nullable) of each row a rule returns
FINDING_COLUMNS: dict[str, tuple[str, bool]] = {
    "visit_id": ("VARCHAR", False),
    "message": ("VARCHAR", False),
    "evidence": ("VARCHAR", False),
    "minutes": ("DOUBLE", True),
}
_KIND_TYPES = {"timestamp": "TIMESTAMPTZ", "date": "DATE", "bool": "BOOLEAN", "int": "BIGINT",
               "float": "DOUBLE"}


def visit_columns() -> dict[str, str]:
    """Columns of the `visits` input table a pack may pass through undeclared: name -> type."""
    from berthcheck.ingest.kinds import KINDS

    out = {c.name: _KIND_TYPES.get(c.type, "VARCHAR") for c in KINDS["visits"].columns}
    out["port_timezone"] = "VARCHAR"  # the port's zone, for local times in exports and reports
    return {k: v for k, v in out.items() if k not in ASSEMBLE_COLUMNS}


def reserved_columns() -> dict[str, str]:
    """Names a pack may not declare as its own column -> whose they are."""
    from berthcheck.emissions import EMISSION_COLUMNS

    out = {c: "the contract's result columns" for c in (*ASSEMBLE_COLUMNS, *ENGINE_COLUMNS)}
    out.update({c: "emission columns, computed by the engine" for c in EMISSION_COLUMNS
                if c not in out})
    out.update({c: "a visits column, passed through undeclared" for c in visit_columns()})
    # a stored run's column table holds the pack's columns beside this key (engine/runs.py)
    out["result_row"] = "the key of a stored run's column table"
    return out


def polars_type(kind: str):
    import polars as pl

    return {
        "BOOLEAN": pl.Boolean, "BIGINT": pl.Int64, "DOUBLE": pl.Float64, "VARCHAR": pl.Utf8,
        "DATE": pl.Date, "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
    }[kind]


def _duckdb_name(dtype) -> str:
    """A polars dtype as the DuckDB type a pack author wrote (for messages)."""
    import polars as pl

    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP (without time zone)"
    names = {pl.Boolean: "BOOLEAN", pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Int16: "SMALLINT",
             pl.Int8: "TINYINT", pl.Float64: "DOUBLE", pl.Float32: "FLOAT", pl.Utf8: "VARCHAR",
             pl.Date: "DATE", pl.Null: "NULL"}
    return names.get(dtype.base_type() if hasattr(dtype, "base_type") else dtype, str(dtype))


def _conform(frame, name: str, kind: str, where: str):
    """The column cast to `kind` where that loses nothing (a narrower integer, an all-NULL
    column); else a PackFileError naming the file, column, returned and expected type."""
    import polars as pl

    dtype = frame.get_column(name).dtype  # not frame.schema: a Schema made per column
    want = polars_type(kind)
    if dtype == want:
        return frame
    if dtype == pl.Null or (kind == "BIGINT" and dtype.is_integer()):
        return frame.with_columns(pl.col(name).cast(want))
    hint = ""
    if isinstance(dtype, pl.Decimal) and kind == "DOUBLE":
        hint = " (a literal such as 0.0 is DECIMAL in DuckDB: write CAST(0.0 AS DOUBLE))"
    elif kind == "TIMESTAMPTZ" and isinstance(dtype, pl.Datetime):
        hint = " (an instant must be TIMESTAMPTZ: the inputs' times are)"
    raise PackFileError(f"{where}: column {name} is {_duckdb_name(dtype)}, the pack contract "
                        f"says {kind}{hint}")


_INTEGER_IDS = ("tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint",
                "uinteger", "ubigint", "uhugeint")
# DuckDB type ids a rule's column may have: the contract's type, or one the engine's CAST to it
# loses nothing in (JSON is a VARCHAR; an integer or an untyped NULL widens to DOUBLE)
_RULE_TYPE_IDS = {"VARCHAR": ("varchar", "null"), "DOUBLE": ("double", "null", *_INTEGER_IDS)}


def check_rule_columns(pack, rule, names: list[str], types: list) -> None:
    """A rule returns exactly FINDING_COLUMNS, each of its type (DuckDB's names and types of
    the rule's query, found without running it), else one message naming the pack, rule file
    and column: the engine reads the rules through CASTs to the contract's types, which would
    otherwise drop an extra column and turn a text `minutes` into a number without a word."""
    where = rule_label(pack, rule)
    check_rule_names(where, names)
    for name, duck in zip(names, types, strict=True):
        kind = FINDING_COLUMNS[name][0]
        if duck.id not in _RULE_TYPE_IDS[kind]:
            hint = (" (a literal such as 0.0 is DECIMAL in DuckDB: write CAST(0.0 AS DOUBLE))"
                    if duck.id == "decimal" else "")
            raise PackFileError(f"{where}: column {name} is {duck}, the pack contract says "
                                f"{kind}{hint}")


def check_rule_names(where: str, got: list[str]) -> None:
    want = list(FINDING_COLUMNS)
    missing = [c for c in want if c not in got]
    extra = [c for c in got if c not in want]
    twice = sorted({c for c in got if got.count(c) > 1})
    if missing or extra or twice:
        parts = []
        if missing:
            parts.append(f"lacks column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        if extra:
            parts.append(f"returns column{'s' if len(extra) > 1 else ''} {', '.join(extra)} "
                         "the pack contract does not have")
        if twice:
            parts.append(f"returns {', '.join(twice)} twice")
        raise PackFileError(f"{where} {' and '.join(parts)}; a rule returns exactly "
                            f"{', '.join(want)} (minutes may be NULL)")


def check_assemble_output(pack, frame, *, consumed: tuple[str, ...] = ()):
    """assemble.sql's result has the contract's columns of the contract's types, visits columns
    of their types and exactly the declared result columns; every basis is allowed.
    `consumed`: contract columns already checked and used up by the engine (the emission
    stage's hours), absent from `frame` by design."""
    import pandera.polars as pa

    from berthcheck.engine.schemas import holds

    where = f"{_label(pack)}: {pack.path / pack.assemble_file}"
    declared = {c.name: c for c in getattr(pack, "result_columns", ())}
    visits = visit_columns()
    required = {n: spec for n, spec in ASSEMBLE_COLUMNS.items()
                if n not in consumed or n in frame.columns}
    missing = [c for c in required if c not in frame.columns]
    missing += [c for c in declared if c not in frame.columns]
    if missing:
        raise PackFileError(f"{where} does not return column{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)} (contract column or declared in "
                            f"{pack.path / 'pack.toml'} [[result_columns]])")
    extra = [c for c in frame.columns if c not in ASSEMBLE_COLUMNS and c not in declared
             and c not in visits]
    if extra:
        raise PackFileError(
            f"{where} returns column{'s' if len(extra) > 1 else ''} {', '.join(extra)}, which "
            f"{pack.path / 'pack.toml'} does not declare; add a [[result_columns]] entry "
            "(name, type, description) for each")
    for name, (kind, nullable) in required.items():
        frame = _conform(frame, name, kind, where)
        if not nullable and frame[name].null_count():
            raise PackFileError(f"{where}: column {name} is NULL on {frame[name].null_count()} "
                                "row(s); it may not be")
    priced = frame.filter(frame["penalty"].is_not_null()) if "penalty" in frame.columns else None
    if priced is not None and priced.height and not getattr(pack, "currency", None):
        # an amount in no unit: `check` left it out of its summary, the report printed it bare
        first = priced.sort("visit_id").row(0, named=True)
        raise PackFileError(f"{where}: column penalty is {first['penalty']} on visit "
                            f"{first['visit_id']} ({priced.height} row(s) with a penalty), but "
                            f"{pack.path / 'pack.toml'} declares no [pack] currency: declare "
                            "the amount's ISO 4217 code (currency = \"EUR\", say), or return "
                            "NULL")
    for name, kind in visits.items():
        if name in frame.columns:
            frame = _conform(frame, name, kind, where)
    for column in declared.values():
        frame = _conform(frame, column.name, column.type, where)
        nulls = 0 if column.nullable else frame[column.name].null_count()
        if nulls:  # the visit, rather than pandera's row number
            first = frame.filter(frame[column.name].is_null())["visit_id"].min()
            raise PackFileError(f"{where}: column {column.name} is NULL on {nulls} row(s) "
                                f"(e.g. visit {first}); {pack.path / 'pack.toml'} declares it "
                                "nullable = false")
    schema = _declared_schema(tuple((c.name, c.type, c.nullable) for c in declared.values()))
    if schema is not None and not holds(schema, frame):  # pandera names what fails
        try:
            schema.validate(frame, lazy=True)
        except (pa.errors.SchemaErrors, pa.errors.SchemaError) as exc:
            raise PackFileError(f"{where}: {_pandera_summary(exc)} (declared in "
                                f"{pack.path / 'pack.toml'})") from None
    _check_bases(pack, frame, where)
    return frame


@functools.lru_cache(maxsize=64)
def _declared_schema(columns: tuple[tuple[str, str, bool], ...]):
    """The pandera schema of a pack's declared result columns, made once per declaration."""
    import pandera.polars as pa

    if not columns:
        return None
    return pa.DataFrameSchema(
        {name: pa.Column(polars_type(kind), nullable=nullable) for name, kind, nullable in columns},
        strict=False,
    )


def _check_bases(pack, frame, where: str) -> None:
    import polars as pl

    from berthcheck.engine.bases import basis_problems, pack_basis_table

    # each distinct (verdict, basis) once, named by its first visit: a year is ~200 000 visits
    pairs = (frame.group_by("verdict", "basis").agg(pl.col("visit_id").min())
             .select("visit_id", "verdict", "basis").sort("visit_id"))
    problems = basis_problems(pack_basis_table(pack), pairs.iter_rows())
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise PackFileError(
            f"{where}: column basis: {'; '.join(problems[:3])}{more}; a basis is one of the "
            "contract's for its verdict (docs/contract.md 4) or declared in "
            f"{pack.path / 'pack.toml'} [[bases]]")


def _pandera_summary(exc: Any) -> str:
    """A pandera error as `column X: check failed on N row(s) (e.g. value)` per column and
    check, at most three."""
    cases = getattr(exc, "failure_cases", None)
    if cases is None or not hasattr(cases, "rows"):
        return str(exc).strip().splitlines()[0]
    seen: dict[tuple[str, str], list] = {}
    for row in cases.iter_rows(named=True):
        seen.setdefault((str(row.get("column")), str(row.get("check"))), []).append(
            row.get("failure_case"))
    parts = []
    for (column, check), values in list(seen.items())[:3]:
        if check in INVARIANTS:  # a check over whole rows: its words, the visit, what it reads
            parts.append(f"invariant {check} ({INVARIANTS[check]}) failed on {len(values)} "
                         f"row(s){_invariant_example(values[0], INVARIANTS[check])}")
            continue
        where = "" if column == "None" else f"column {column}: "
        parts.append(f"{where}{check} failed on {len(values)} row(s) (e.g. {values[0]!r})")
    return "; ".join(parts)


def _invariant_example(case: Any, words: str) -> str:
    """`, e.g. visit V1: verdict compliant, uncontrolled_hours 0.5`: of a failing row (pandera
    gives it as JSON text), the visit, its verdict and the columns the invariant's words name."""
    try:
        row = json.loads(case)
    except (TypeError, ValueError):
        return f" (e.g. {case!r})"
    if not isinstance(row, dict) or "visit_id" not in row:
        return f" (e.g. {case!r})"
    named = [c for c in row if c not in ("visit_id", "verdict")
             and re.search(rf"\b{re.escape(c)}\b", words)]
    values = ", ".join(f"{c} {row[c]}" for c in ["verdict", *named] if c in row)
    return f", e.g. visit {row['visit_id']}: {values}"


def rule_label(pack, rule) -> str:
    """`custom pack p@1.0.0: /path/R01.sql (rule R01)`: where a rule's message points."""
    return f"{_label(pack)}: {rule.path} (rule {rule.id})"


def _label(pack) -> str:
    return f"custom pack {pack.label}" if getattr(pack, "custom", False) else f"pack {pack.label}"


def validate_pack_outputs(pack, results, findings, validate) -> None:
    """Run the engine's invariants (engine/schemas.py, `validate`) and turn a failure into one
    message naming the pack's assemble file and the invariant, not a pandera traceback."""
    import pandera.polars as pa

    try:
        validate(results, findings)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as exc:
        raise PackFileError(f"{_label(pack)}: {pack.path / pack.assemble_file}: the results "
                            f"break the pack contract's invariants: {_pandera_summary(exc)} "
                            "(docs/packs.md, 'What the engine checks')") from None
    except AssertionError as exc:
        raise PackFileError(f"{_label(pack)}: the results break the pack contract: {exc}") \
            from None
