"""Python's garbage collector, set for berthcheck's processes (the CLI's `main`, the test suite's
processes: tests/conftest.py).

A process holds a few hundred thousand long-lived tracked objects (WeasyPrint's, fontTools',
polars', a laid-out report), and each full (oldest-generation) collection walked them all, by
default after every 10 of the middle generation's: `demo` spent 1.0-1.1 of its 7.3 CPU s in the
collector, test_audit + test_report 9.4 of their 120. One full collection per 100 of the middle
generation's leaves the young generations' collections as they were: short-lived cyclic garbage
(a connection in a traceback's frames) is freed as soon as before; only garbage that lived
through two young collections waits longer for its full pass. The data lives in Arrow and DuckDB
buffers, freed by reference counting, so the peak does not move (a 1M-visit check within its
spread; `demo` +6 MB). Nothing depends on when the collector runs: the results' spill folders
are removed by a finalizer (engine/results_frame.py) when their last reference goes.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 100  # middle-generation collections per full one (CPython: 10)


def collect_the_oldest_less_often() -> None:
    """Full collections once per FULL_COLLECTION_EVERY middle-generation ones; the young
    generations' thresholds kept."""
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
