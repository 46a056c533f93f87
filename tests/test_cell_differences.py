"""`tamper.cell_differences` names the rows and columns where a stored run and its
recomputation differ, as the CSV writes them. Only rows that differ exactly (or are on one
side only) are written as CSV and compared: the same lines as comparing every row."""

from __future__ import annotations

import polars as pl
import pytest

from berthcheck import tamper


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    recomputed = pl.DataFrame({
        "visit_id": ["V1", "V2", "V3", "V4", "V5"],
        "verdict": ["compliant", "non_compliant", "exempt", "compliant", None],
        "uncontrolled_hours": [0.0, 2.5, float("nan"), 1.0, None],
        "ships_at_berth": [True, False, None, True, False],
    })
    stored = (recomputed
              .with_columns(
                  # V2's verdict edited; V4 edited below the CSV's six decimals (CSV equal)
                  pl.when(pl.col("visit_id") == "V2").then(pl.lit("compliant"))
                  .otherwise(pl.col("verdict")).alias("verdict"),
                  pl.when(pl.col("visit_id") == "V4").then(pl.col("uncontrolled_hours") + 1e-9)
                  .otherwise(pl.col("uncontrolled_hours")).alias("uncontrolled_hours"))
              .filter(pl.col("visit_id") != "V5")  # deleted from the stored run
              .vstack(pl.DataFrame({"visit_id": ["V9"], "verdict": ["compliant"],
                                    "uncontrolled_hours": [0.0], "ships_at_berth": [True]})))
    return stored, recomputed


def test_only_the_rows_that_differ_are_named():
    stored, recomputed = _frames()
    lines = tamper.cell_differences(stored, recomputed)
    assert lines == [
        "visit V2: verdict stored compliant, recomputed non_compliant",
        "visit V5: recomputed but not stored (deleted from the stored run?)",
        "visit V9: stored but not recomputed (added to the stored run?)",
    ]


@pytest.mark.parametrize("swap", [False, True])
def test_the_exact_prefilter_gives_the_lines_of_comparing_every_row(monkeypatch, swap):
    stored, recomputed = _frames()
    if swap:
        stored, recomputed = recomputed, stored
    assert tamper._rows_that_may_differ(stored, recomputed, "visit_id") is not None
    fast = tamper.cell_differences(stored, recomputed)
    monkeypatch.setattr(tamper, "_rows_that_may_differ", lambda *args: None)
    assert tamper.cell_differences(stored, recomputed) == fast
