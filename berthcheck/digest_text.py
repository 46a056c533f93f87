"""Digests as messages show them: shortened to 12 hex digits, never so far that two different
digests look the same."""

from __future__ import annotations


def short_digest(digest: str | None) -> str:
    return (digest or "-")[:12]


def two_digests(a: str | None, b: str | None) -> tuple[str, str]:
    """Two digests as the audit shows them side by side: shortened to 12 digits as
    `short_digest` does, but never so far that two different digests look the same (a
    digest edited in its last digit was shown as `9f84ef4a5a97... at the run, 9f84ef4a5a97...
    recomputed`): then as many digits as tell them apart, the whole digest at most."""
    a, b = a or "-", b or "-"
    n = 12
    if a != b and a[:n] == b[:n]:
        n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                 min(len(a), len(b))) + 4
    return (a if len(a) <= n else a[:n] + "...", b if len(b) <= n else b[:n] + "...")
