"""The suite's own speed settings (tests/conftest.py) are in effect in every test process."""

from __future__ import annotations

import gc

from berthcheck.collector import FULL_COLLECTION_EVERY


def test_full_garbage_collections_are_made_rarer_and_the_young_ones_kept():
    young, middle, full = gc.get_threshold()
    assert full == FULL_COLLECTION_EVERY == 100
    assert (young, middle) == (700, 10)  # CPython's defaults: young garbage freed as before
