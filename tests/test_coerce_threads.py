"""Typing a large file's time columns beside its other columns gives what typing them one
after the other gives (issue 16).

From `_THREADED_ROWS` rows, `coerce` types the time columns on threads while the other
columns are typed; below it, one column after the other. Every value, every reason, the
column order and the dtypes must be the same either way, for good, bad, blank and missing
cells, in every kind.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from berthcheck.ingest import coerce as coerce_module
from berthcheck.ingest.coerce import TZ, coerce
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.read import ROW

_TIMES = ["2026-10-03 14:20", "2026-10-03T14:20:00Z", "2026-10-03 14:20:00+02:00",
          "2026-03-08 02:30", "2026-11-01 01:30", "03/10/2026 14:20", "", None, "soon"]
_OTHER = {"bool": ["true", "no", "", None, "maybe"], "int": ["1", "4.0", "", None, "two"],
          "float": ["1.5", "1,5", "", None, "-0"], "date": ["2026-01-31", "2026-02-30", None]}


def _frame(kind, rows: int) -> pl.DataFrame:
    columns = {}
    for i, col in enumerate(kind.columns):
        cells = _TIMES if col.type == "timestamp" else _OTHER.get(col.type, ["x", "", None])
        columns[col.name] = [cells[(r + 5 * i) % len(cells)] for r in range(rows)]
    frame = pl.DataFrame(columns, schema={c.name: pl.Utf8 for c in kind.columns})
    zones = pl.Series(["America/Los_Angeles", "Europe/Amsterdam", None] * (rows // 3 + 1))
    return frame.with_columns(zones.head(rows).alias(TZ),
                              pl.int_range(2, rows + 2, dtype=pl.Int64).alias(ROW))


@pytest.mark.parametrize("kind_name", sorted(k for k, kind in KINDS.items()
                                             if any(c.type == "timestamp" for c in kind.columns)))
def test_time_columns_typed_beside_the_others_equal_typed_after_them(monkeypatch, kind_name):
    kind = KINDS[kind_name]
    frame = _frame(kind, 300)
    monkeypatch.setattr(coerce_module, "_THREADED_ROWS", 10**9)  # one after the other
    in_turn = coerce(frame, kind)
    monkeypatch.setattr(coerce_module, "_THREADED_ROWS", 0)  # on threads, beside the others
    beside = coerce(frame, kind)
    assert_frame_equal(beside, in_turn)
    assert beside.columns == in_turn.columns
    # the frame holds reasons for the bad time cells (the test is not of empty columns)
    stamp = next(c.name for c in kind.columns if c.type == "timestamp")
    assert beside["_err_" + stamp].drop_nulls().len() > 0


def test_a_time_column_that_fails_to_type_fails_the_typing(monkeypatch):
    """An exception on a time column's thread reaches the caller, as it did in turn."""
    kind = KINDS["visits"]
    monkeypatch.setattr(coerce_module, "_THREADED_ROWS", 0)

    def broken(frame, name):
        raise RuntimeError(f"cannot type {name}")

    monkeypatch.setattr(coerce_module, "coerce_timestamp", broken)
    with pytest.raises(RuntimeError, match="cannot type arrival"):
        coerce(_frame(kind, 30), kind)
