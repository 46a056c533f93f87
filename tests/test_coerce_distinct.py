"""Typing a column once per distinct cell gives what typing every cell gives (issue 16).

`coerce` types a column with few distinct cells (flags, vessel types, a tonnage per vessel)
on its distinct cells and joins the results back. Every value, every reason, the column
order and the dtypes must be those of typing each cell, for good, bad, blank and missing
cells of every simple column type.
"""

from __future__ import annotations

import polars as pl
import pytest

from berthcheck.ingest import coerce as coerce_module
from berthcheck.ingest.coerce import TZ, coerce
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.read import ROW

# cells as files write them: valid, oddly written, blank, missing (None) and wrong
_CELLS = {
    "text": ["B136", " B212 ", "", None, "x"],
    "imo": ["9675107", "IMO 9791937", "imo9000001", " ", None, "12ab"],
    "locode": ["USLAX", "us lax", " uslgb ", "", None, "LA"],
    "enum": ["container", "Container Ship", "cruise", " reefer ", "", None, "submarine"],
    "bool": ["true", "Yes", " N ", "0", "", None, "maybe"],
    "int": ["0", "2", "+3", "4.0", "4.5", "", None, "two", "-1"],
    "float": ["69160", "1.5e3", ".5", "-0", "inf", "nan", "1,000", "", None, "12."],
    "date": ["2026-01-31", "2026-02-30", "2026-01-31 00:00", "2026-01-31T00:00:00",
             "2026-01-31 10:00", "", None],
    "tz": ["America/Los_Angeles", "Europe/Nowhere", " UTC ", "", None],
}


def _frame(kind, rows: int) -> pl.DataFrame:
    columns = {}
    for i, col in enumerate(kind.columns):
        cells = _CELLS.get(col.type, ["2026-10-03 14:20"])
        # each column cycles its cells at its own stride, so rows mix them differently
        columns[col.name] = [cells[(r * (i + 1)) % len(cells)] for r in range(rows)]
    frame = pl.DataFrame(columns, schema={c.name: pl.Utf8 for c in kind.columns})
    return frame.with_columns(pl.lit("America/Los_Angeles").alias(TZ),
                              pl.int_range(2, rows + 2, dtype=pl.Int64).alias(ROW))


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_typing_distinct_cells_equals_typing_every_cell(monkeypatch, kind_name):
    kind = KINDS[kind_name]
    frame = _frame(kind, 400)
    monkeypatch.setattr(coerce_module, "_few_distinct", lambda series: None)
    every_cell = coerce(frame, kind)
    taken = []

    def few(series: pl.Series) -> pl.Series:
        taken.append(series.name)
        return series.unique()

    monkeypatch.setattr(coerce_module, "_few_distinct", few)
    distinct = coerce(frame, kind)
    simple = [c.name for c in kind.columns if c.type not in ("text", "timestamp")]
    assert taken == simple  # the distinct path ran for every non-text simple column
    assert distinct.columns == every_cell.columns
    assert distinct.schema == every_cell.schema
    assert distinct.equals(every_cell, null_equal=True)


def test_few_distinct_rules_out_small_and_mostly_distinct_columns(monkeypatch):
    monkeypatch.setattr(coerce_module, "_FEW_SAMPLE", 10)
    few = coerce_module._few_distinct
    assert few(pl.Series(["true"] * 19)) is None  # too small to bother
    flags = few(pl.Series(["true", "false", None] * 10))
    assert flags is not None and sorted(flags.to_list(), key=str) == [None, "false", "true"]
    assert few(pl.Series([str(i) for i in range(40)])) is None  # the sample: all distinct
    # a sample of few distinct cells, but the column as a whole has too many
    assert few(pl.Series(["1"] * 10 + [str(i) for i in range(30)])) is None
    assert few(pl.Series(["1"] * 10 + ["2"] * 88 + ["3", "4"])) is not None


_TIMES = ["2026-10-03 14:20", "2026-10-03T14:20:00-07:00", "2026-10-03 14:20Z",
          "2026-11-01 01:30", "2026-03-08 02:30", "2026-10-03 14:20:05", "03/10/2026", "", None]


@pytest.mark.parametrize("kind_name", sorted(n for n, k in KINDS.items()
                                             if any(c.type == "timestamp" for c in k.columns)))
def test_time_columns_on_threads_equal_one_after_the_other(monkeypatch, kind_name):
    """A small file's time columns are typed one after the other (a thread pool's start cost
    more than their typing); from `_THREADED_ROWS` rows on, side by side on threads. Both
    give the same frame: values, reasons (ambiguous, missing, malformed times), column order."""
    kind = KINDS[kind_name]
    frame = _frame(kind, 60).with_columns(
        pl.Series([_TIMES[(r * (i + 2)) % len(_TIMES)] for r in range(60)]).alias(c.name)
        for i, c in enumerate(kind.columns) if c.type == "timestamp")
    frame = frame.with_columns(
        pl.when(pl.col(ROW) % 7 == 0).then(None).otherwise(pl.col(TZ)).alias(TZ))
    pools = []
    real_pool = coerce_module.ThreadPoolExecutor

    def pool(*args, **kwargs):
        pools.append(kwargs)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(coerce_module, "ThreadPoolExecutor", pool)
    one_after_the_other = coerce(frame, kind)
    assert pools == []
    monkeypatch.setattr(coerce_module, "_THREADED_ROWS", 1)
    on_threads = coerce(frame, kind)
    assert len(pools) == 1
    assert on_threads.schema == one_after_the_other.schema
    assert on_threads.equals(one_after_the_other, null_equal=True)
    errors = [c for c in on_threads.columns if c.startswith("_err_")]
    assert on_threads.select(pl.col(errors).is_not_null().any()).row(0).count(True) >= 2


@pytest.mark.parametrize("kind_name", sorted(KINDS))
@pytest.mark.parametrize("rows", [0, 1, 400])
def test_reasons_worded_for_unread_cells_only_equal_every_cells_reasons(monkeypatch,
                                                                        kind_name, rows):
    """A bool, int, float or date column's reasons are worded only for its cells with text
    and no value (`_reasons_of_unread`); every other cell's reason is null. Each column must
    be what its value and reason expressions give over every cell: values, reasons, order."""
    kind = KINDS[kind_name]
    frame = _frame(kind, rows)
    monkeypatch.setattr(coerce_module, "_few_distinct", lambda series: None)
    typed = coerce(frame, kind)
    for col in kind.columns:
        if col.type == "timestamp":
            continue
        value, reason = coerce_module._coerce_simple(col)
        if col.default is not None:  # an empty cell takes the column's default
            value = value.fill_null(col.default)
        every_cell = frame.select(value.alias(col.name), reason.cast(pl.Utf8).alias("_err_"
                                                                                  + col.name))
        assert typed.select(col.name, "_err_" + col.name).equals(every_cell, null_equal=True)
    assert typed.columns == [*frame.columns, *("_err_" + c.name for c in kind.columns
                                                if c.type != "timestamp"),
                             *typed.columns[len(frame.columns) + sum(
                                 c.type != "timestamp" for c in kind.columns):]]
    errors = [f"_err_{c.name}" for c in kind.columns if c.type in ("float", "int", "bool")]
    if rows == 400 and kind_name == "visits":  # its cells not read got their reasons
        assert typed.select(pl.col(errors).is_not_null().any()).row(0).count(True) >= 1


def test_a_columns_typing_expressions_are_made_once_and_kept_to_it():
    """The typing expressions of a kind's column are made once per process (`_typing`), and
    a column made anew (another object, another alias) is typed by its own."""
    import dataclasses

    col = next(c for c in KINDS["visits"].columns if c.name == "vessel_type")
    first = coerce_module._typing(col, "__cleaned_vessel_type")
    assert coerce_module._typing(col, "__cleaned_vessel_type") is first
    aliased = dataclasses.replace(col, value_aliases={**col.value_aliases, "boat": "tanker"})
    frame = pl.DataFrame({"vessel_type": ["boat", "Container"]})
    typed = {}
    for column in (col, aliased, col):
        value, _ = coerce_module._typing(column)
        typed[id(column)] = frame.select(value.alias("v"))["v"].to_list()
    assert typed[id(col)] == ["boat", "container"]  # passed on as written: refused later
    assert typed[id(aliased)] == ["tanker", "container"]
