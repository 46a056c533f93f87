"""Plausibility bounds: values that parse but cannot be right are errors, not data.

Each column's `min`/`max` (declared in kinds.py), every time and date between YEAR_MIN and
YEAR_MAX, and text cells up to TEXT_MAX_LENGTH characters. A gross tonnage of 9e9 or a
departure in the year 9999 is a typo; storing it would silently skew every total after it.
"""

from __future__ import annotations

import polars as pl

from berthcheck.errors import RowError
from berthcheck.ingest.coerce import ERR
from berthcheck.ingest.kinds import TEXT_MAX_LENGTH, YEAR_MAX, YEAR_MIN, Kind

ROW = "_source_row"


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value == int(value) else str(value)


def bound_errors(typed: pl.DataFrame, kind: Kind, label: str,
                 known: set[tuple[int, str]]) -> list[RowError]:
    """Errors for cells outside their bounds. A minimum the row schema already reported for a
    cell in `known` (row, column) is not said twice; the bounds proper always are."""
    checks: list[tuple[str, pl.Expr, str, bool]] = []  # (column, bad, reason, skip if known)
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
            year = value.dt.year()
            checks.append((col.name, (year < YEAR_MIN) | (year > YEAR_MAX),
                           f"year outside {YEAR_MIN}-{YEAR_MAX} (plausibility bound)", False))
        elif col.type == "text":
            checks.append((col.name, value.str.len_chars() > TEXT_MAX_LENGTH,
                           f"longer than {TEXT_MAX_LENGTH} characters", False))
    if not checks:
        return []
    bad_cells = [(condition.fill_null(False) & pl.col(ERR + name).is_null())
                 for name, condition, _, _ in checks]
    # which bounds any cell breaks, in one query (a small file's load ran one per bound)
    broken = typed.select(b.any().alias(f"_{i}") for i, b in enumerate(bad_cells)).row(0)
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
