"""Plausibility bounds: values that parse but cannot be right are errors, not data.

Each column's `min`/`max` (declared in kinds.py), every time and date between YEAR_MIN and
YEAR_MAX, and text cells up to TEXT_MAX_LENGTH characters. A gross tonnage of 9e9 or a
departure in the year 9999 is a typo; storing it would silently skew every total after it.
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

from berthcheck.errors import RowError
from berthcheck.ingest.coerce import ERR
from berthcheck.ingest.kinds import TEXT_MAX_LENGTH, YEAR_MAX, YEAR_MIN, Kind

ROW = "_source_row"


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value == int(value) else str(value)


def _outside_years(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A time or date whose year is outside YEAR_MIN-YEAR_MAX: compared with the first instant
    of YEAR_MIN and of the year after YEAR_MAX (instants in UTC, where the loader's years are
    read), not by working out every cell's year (a tenth of the bounds' CPU per time column)."""
    if dtype == pl.Date:
        return (value < dt.date(YEAR_MIN, 1, 1)) | (value >= dt.date(YEAR_MAX + 1, 1, 1))
    if isinstance(dtype, pl.Datetime) and dtype.time_zone in ("UTC", None):
        first, after = _year_instants(dtype)
        return (value < first) | (value >= after)
    year = value.dt.year()
    return (year < YEAR_MIN) | (year > YEAR_MAX)


@functools.lru_cache(maxsize=8)
def _year_instants(dtype: pl.Datetime) -> tuple[pl.Expr, pl.Expr]:
    """The first instant of YEAR_MIN and of the year after YEAR_MAX as polars literals of the
    column's type, made once per type: a literal of a datetime costs polars about 0.27 ms to
    make (the zone's conversion in Python), 2.7 ms of a one-row visits file's load for its five
    time columns. A literal is a constant expression, the same whichever query reads it; the
    type is the key (polars tells types of another unit or zone apart)."""
    tz = dt.UTC if dtype.time_zone else None
    first, after = (pl.lit(dt.datetime(y, 1, 1, tzinfo=tz), dtype=dtype)
                    for y in (YEAR_MIN, YEAR_MAX + 1))
    return first, after


def bound_errors(typed: pl.DataFrame, kind: Kind, label: str,
                 known: set[tuple[int, str]]) -> list[RowError]:
    """Errors for cells outside their bounds. A minimum the row schema already reported for a
    cell in `known` (row, column) is not said twice; the bounds proper always are."""
    checks: list[tuple[str, pl.Expr, str, bool]] = []  # (column, bad, reason, skip if known)
    # a cheaper test that every bad cell passes, tried first on every cell (by check index)
    screens: dict[int, pl.Expr] = {}
    for col in kind.columns:
        if col.name not in typed.columns:
            continue
        value = pl.col(col.name)
        if col.type in ("int", "float"):
            if col.min is not None:  # the row schemas check most minimums too: say it once
                checks.append((col.name, value < col.min,
                               f"must be at least {_number(col.min)}", True))
            if col.max is not None:
                checks.append((col.name, value > col.max, f"must be at most {_number(col.max)} "
                                                           "(plausibility bound)", False))
        elif col.type in ("timestamp", "date"):
            checks.append((col.name, _outside_years(value, typed.schema[col.name]),
                           f"year outside {YEAR_MIN}-{YEAR_MAX} (plausibility bound)", False))
        elif col.type == "text":
            # a text of at most that many bytes has at most that many characters
            screens[len(checks)] = value.str.len_bytes() > TEXT_MAX_LENGTH
            checks.append((col.name, value.str.len_chars() > TEXT_MAX_LENGTH,
                           f"longer than {TEXT_MAX_LENGTH} characters", False))
    if not checks:
        return []
    bad_cells = [(condition.fill_null(False) & pl.col(ERR + name).is_null())
                 for name, condition, _, _ in checks]
    # which bounds any cell may break, in one query (a small file's load ran one per bound);
    # a screened column's cells are then tested in full by the filter below
    screened = [screens[i].fill_null(False) & pl.col(ERR + name).is_null() if i in screens
                else bad for i, ((name, *_), bad) in enumerate(zip(checks, bad_cells,
                                                                   strict=True))]
    broken = typed.select(b.any().alias(f"_{i}") for i, b in enumerate(screened)).row(0)
    errors: list[RowError] = []
    for (name, _, reason, skip_known), bad_cell, is_broken in zip(
            checks, bad_cells, broken, strict=True):
        if not is_broken:
            continue
        # the few columns first, then the filter (filtering the whole frame copies it all)
        bad = typed.select(ROW, "_raw_" + name, name, ERR + name).filter(bad_cell)
        for row, raw in bad.select(ROW, "_raw_" + name).iter_rows():
            if not (skip_known and (row, name) in known):
                errors.append(RowError(label, row, name, raw or "", reason))
    return errors
