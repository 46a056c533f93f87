"""Two values side by side in a message (a digest at the run and now, a stored cell and its
recomputed value): shortened, never so far that two different values look the same."""

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


def two_texts(a: str, b: str, width: int = 60) -> tuple[str, str]:
    """Two different texts (a stored cell and its recomputed value) in about `width`
    characters each, so that they still look different: cut where they start to differ (a
    message edited after its 60th character was shown as the same 60 characters twice), and
    quoted when what is shown differs only in spaces at its ends."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
             min(len(a), len(b)))
    start = 0 if i < width - 10 else i - 20  # keep the first difference in view

    def cut(text: str) -> str:
        return (("..." if start else "") + text[start:start + width]
                + ("..." if len(text) > start + width else ""))

    shown_a, shown_b = cut(a), cut(b)
    if a != b and shown_a.strip() == shown_b.strip():
        return repr(shown_a), repr(shown_b)
    return shown_a, shown_b
