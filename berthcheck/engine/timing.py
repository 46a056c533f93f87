"""Per-stage wall time of a check, collected only when someone asks (`benchmarks/run.py
--profile`): the check calls `stage(name)` around each step; outside `recording()` that is a
no-op, so ordinary runs pay nothing and print nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_spent: dict[str, float] | None = None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the wall time of the block to `name` while a `recording()` is open."""
    if _spent is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        if _spent is not None:
            _spent[name] = _spent.get(name, 0.0) + time.perf_counter() - started


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect stage times into the dict yielded (in the order the stages first ran)."""
    global _spent
    previous, _spent = _spent, {}
    try:
        yield _spent
    finally:
        _spent = previous
