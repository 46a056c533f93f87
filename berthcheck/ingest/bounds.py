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
    errors: list[RowError] = []
    for col in kind.columns:
        if col.name not in typed.columns:
            continue
        value = pl.col(col.name)
        checks: list[tuple[pl.Expr, str, bool]] = []  # (bad, reason, skip cells already named)
        if col.type in ("int", "float"):
            if col.min is not None:  # the row schemas check most minimums too: say it once
                checks.append((value < col.min, f"must be at least {_number(col.min)}", True))
            if col.max is not None:
                checks.append((value > col.max, f"must be at most {_number(col.max)} "
                                                 "(plausibility bound)", False))
        elif col.type in ("timestamp", "date"):
            year = value.dt.year()
            checks.append(((year < YEAR_MIN) | (year > YEAR_MAX),
                           f"year outside {YEAR_MIN}-{YEAR_MAX} (plausibility bound)", False))
        elif col.type == "text":
            checks.append((value.str.len_chars() > TEXT_MAX_LENGTH,
                           f"longer than {TEXT_MAX_LENGTH} characters", False))
        for condition, reason, skip_known in checks:
            # the few columns first, then the filter (filtering the whole frame copies it all)
            bad = typed.select(ROW, "_raw_" + col.name, col.name, ERR + col.name).filter(
                condition.fill_null(False) & pl.col(ERR + col.name).is_null())
            for row, raw in bad.select(ROW, "_raw_" + col.name).iter_rows():
                if not (skip_known and (row, col.name) in known):
                    errors.append(RowError(label, row, col.name, raw or "", reason))
    return errors
