"""The plausibility bounds (ingest/bounds.py) as their words say them: a time or date whose
year is outside YEAR_MIN-YEAR_MAX, a text longer than TEXT_MAX_LENGTH characters. The years
are tested by comparing instants (not by each cell's year) and a text's characters are
counted only in a column with a cell of more bytes than that: the cells named must be those
the year and the character count name, at the edges and beyond."""

from __future__ import annotations

import datetime as dt

import polars as pl

from berthcheck.ingest.bounds import bound_errors
from berthcheck.ingest.coerce import ERR
from berthcheck.ingest.kinds import KINDS, TEXT_MAX_LENGTH, YEAR_MAX, YEAR_MIN

_US = dt.timedelta(microseconds=1)


def _frame(kind, cells: dict[str, list]) -> pl.DataFrame:
    rows = len(next(iter(cells.values())))
    columns = {"_source_row": list(range(2, rows + 2))}
    schema: dict[str, pl.DataType] = {"_source_row": pl.Int64}
    for col in kind.columns:
        if col.name not in cells:
            continue
        dtype = {"timestamp": pl.Datetime("us", "UTC"), "date": pl.Date}.get(col.type, pl.Utf8)
        columns |= {col.name: cells[col.name], "_raw_" + col.name: [str(v) for v in
                                                                      cells[col.name]],
                    ERR + col.name: [None] * rows}
        schema |= {col.name: dtype, "_raw_" + col.name: pl.Utf8, ERR + col.name: pl.Utf8}
    return pl.DataFrame(columns, schema=schema)


def _named(typed, kind) -> list[tuple[int, str]]:
    return sorted((e.row, e.column) for e in bound_errors(typed, kind, "f.csv", set()))


def test_times_are_outside_exactly_when_their_year_is():
    kind = KINDS["visits"]
    utc = dt.UTC
    first, after = dt.datetime(YEAR_MIN, 1, 1, tzinfo=utc), dt.datetime(YEAR_MAX + 1, 1, 1,
                                                                          tzinfo=utc)
    cells = [first - _US, first, after - _US, after, None, dt.datetime(1, 1, 1, tzinfo=utc),
             dt.datetime(2026, 10, 3, 14, 20, tzinfo=utc)]
    typed = _frame(kind, {"arrival": cells})
    expected = [(r, "arrival") for r, c in zip(range(2, 9), cells, strict=True)
                if c is not None and not YEAR_MIN <= c.year <= YEAR_MAX]
    assert _named(typed, kind) == expected == [(2, "arrival"), (5, "arrival"), (7, "arrival")]


def test_dates_are_outside_exactly_when_their_year_is():
    kind = next(k for k in KINDS.values() if any(c.type == "date" for c in k.columns))
    name = next(c.name for c in kind.columns if c.type == "date")
    cells = [dt.date(YEAR_MIN - 1, 12, 31), dt.date(YEAR_MIN, 1, 1), dt.date(YEAR_MAX, 12, 31),
             dt.date(YEAR_MAX + 1, 1, 1), None]
    assert _named(_frame(kind, {name: cells}), kind) == [(2, name), (5, name)]


def test_texts_are_too_long_by_their_characters_not_their_bytes():
    kind = KINDS["visits"]
    n = TEXT_MAX_LENGTH
    cells = ["é" * n, "é" * (n + 1), "x" * n, "x" * (n + 1), "🚢" * n, None, ""]
    assert _named(_frame(kind, {"vessel_name": cells}), kind) == [(3, "vessel_name"),
                                                                  (5, "vessel_name")]
    # a column whose cells have more bytes than characters allowed, none too long
    assert _named(_frame(kind, {"vessel_name": ["é" * n, "🚢" * n]}), kind) == []
