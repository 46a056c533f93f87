"""Which kind column a file's unread header looks like: a hint beside the "columns not read by
any rule" line, since a misspelt optional column (`Redy to work`) is kept in `extra` and its
visits read it as empty (CARB: insufficient_data)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.read import header_token


def meant_columns(kind: Kind, unread: Sequence[str], present: Iterable[str]) -> dict[str, str]:
    """Of a file's unread headers, those that look like a column of the kind the file does not
    have (`Redy to work`: ready_to_work), matched on `header_token` against the column names
    and aliases. A hint only, never a match: a guessed column could read another's values."""
    present = set(present)
    tokens: dict[str, str] = {}
    for col in kind.columns:
        if col.name not in present:
            for name in (col.name, *col.aliases):
                tokens.setdefault(header_token(name), col.name)
    meant = {}
    for header in unread:
        close = difflib.get_close_matches(header_token(header), list(tokens), n=1, cutoff=0.8)
        if close:
            meant[header] = tokens[close[0]]
    return meant
