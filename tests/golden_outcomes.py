"""The per-visit outcomes that no performance work may change (issue 16, "must not change").

`outcomes(case)` loads one data set into a fresh database, checks it with `store_run=False`
and returns the columns that carry the regulatory answer, sorted by visit: verdict, basis,
hours, window, responsible party, penalty, violation days and every emission column. The
golden files under tests/golden/ were written by `python -m tests.golden_outcomes` from the
code on main BEFORE the issue-16 changes; tests/test_golden_outcomes.py compares column by
column. Finding ids and the `findings` list are deliberately not part of it (they may change
with a pack version bump).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

# case -> (pack, source folder or generated size, period for the check)
CASES = {
    "carb-sample-month": ("carb-at-berth-2020", "sample", "2026-10"),
    "fueleu-sample-month": ("fueleu-art6", "eu-sample", "2030-06"),
    # 7 CARB ports x 12 months, as benchmarks/run.py generates its state-year (a smaller
    # per-port-month count keeps the test fast; the shape is the same)
    "carb-state-year": ("carb-at-berth-2020", "state-year", None),
    # one month of the same year: provisions that read history (allowances, low activity)
    # must give the same answers when only a month is in scope
    "carb-state-year-one-month": ("carb-at-berth-2020", "state-year", "2026-06"),
}
STATE_YEAR_VISITS = 15_000
KEEP = (
    "visit_id", "pack_name", "verdict", "basis", "window_start", "window_end",
    "controlled_hours", "uncontrolled_hours", "excused_hours", "responsible", "penalty",
    "violation_days",
)


def _source(kind: str, work: Path) -> Path:
    if kind == "sample":
        return REPO / "sample_data"
    if kind == "eu-sample":
        return REPO / "sample_data" / "eu-rotterdam-2030-06"
    sys.path.insert(0, str(REPO / "benchmarks"))
    import run as bench  # benchmarks/run.py

    size = bench.Size("state-year", STATE_YEAR_VISITS, bench.CA_PORTS, 12)
    return bench.generate_size(size, work / "data")


def _loaded(kind: str, work: Path) -> Path:
    """The data set `kind` loaded into a fresh database in `work`, once: a store file never
    opened again, which each case checks a copy of (the state-year's two cases, the year and
    one of its months, loaded it twice before; issue 16)."""
    from berthcheck import store
    from berthcheck.demo import LOAD_ORDER
    from berthcheck.ingest.load import load_files

    loaded = work / f"loaded-{kind}.duckdb"
    if loaded.exists():
        return loaded
    source = _source(kind, work)
    making = work / f"loading-{kind}.duckdb"
    con = store.connect(making)
    try:
        for name_kind, name in LOAD_ORDER:
            if (source / name).is_file():
                load_files(con, name_kind, [source / name], quarantine=True)
    finally:
        con.close()
    making.rename(loaded)  # whole, or not there at all
    return loaded


def outcomes(case: str, work: Path):
    from berthcheck import store
    from berthcheck.engine import check

    pack, kind, period = CASES[case]
    db = work / f"{case}.duckdb"
    shutil.copyfile(_loaded(kind, work), db)
    con = store.connect(db)
    try:
        outcome = check(con, pack, period=period, store_run=False)
    finally:
        con.close()
    return regulatory_answer(outcome.results)


def regulatory_answer(results):
    """The columns of a check's `results` that carry the regulatory answer, sorted by visit:
    what the golden files hold."""
    import polars as pl

    from berthcheck.emissions import EMISSION_COLUMNS

    results = results.with_columns(pl.col("pack").str.split("@").list.first()
                                   .alias("pack_name"))
    columns = [*KEEP, *EMISSION_COLUMNS]
    return results.select(columns).sort("visit_id")


def main() -> int:
    import tempfile

    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            frame = outcomes(case, Path(tmp))
            frame.write_parquet(GOLDEN / f"{case}.parquet", compression="zstd",
                                statistics=False)
            print(case, frame.height, "visits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
