"""The file's text of a cell, for messages: a problem names a value as the user's file wrote it
(docs/contract.md 3), so a line can be found in its file, never a value converted from it (an
instant in UTC, a port upper-cased). The loader keeps each column's text as `_raw_<column>`
beside the typed value (coerce.py); checks that find problems on typed or stored values look
the text up here, only on their error paths."""

from __future__ import annotations

import polars as pl

from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.read import ROW


def raw_cells(cells: pl.DataFrame | None, rows: list[int],
              columns: list[str]) -> dict[tuple[int, str], str]:
    """The file's text of some cells, by (row, column), from `cells` (ROW and `_raw_<column>`);
    a cell without text (or without `cells`) is absent."""
    names = [c for c in columns if cells is not None and "_raw_" + c in cells.columns]
    if cells is None or not rows or not names:
        return {}
    picked = cells.select(ROW, *("_raw_" + c for c in names)).filter(
        pl.col(ROW).is_in(sorted(set(rows))))
    return {(r[ROW], c): r["_raw_" + c] for r in picked.iter_rows(named=True) for c in names
            if r["_raw_" + c] not in (None, "")}


def key_text(cells: pl.DataFrame | None, rows: list[int], kind: Kind) -> dict[int, str]:
    """A row's key as its file wrote it, its cells joined by ` / ` as the messages join the
    key's values; a row one of whose key cells has no text (a key the loader derived) is
    absent, and the caller names the value it has."""
    text = raw_cells(cells, rows, list(kind.key))
    return {row: " / ".join(text[(row, k)] for k in kind.key) for row in set(rows)
            if all((row, k) in text for k in kind.key)}


# How the loader makes the id of a session or event whose file gives none (prepare.py
# `_derive_keys`), in the words a message uses.
_MADE_FROM = {
    "shore-power": "visit_id/SP/connected",
    "capture": "visit_id/CC/started",
    "events": "visit_id/EV/kind/start (or to-end, or visit)",
}


def made_keys(cells: pl.DataFrame | None, rows: list[int], kind: Kind) -> set[int]:
    """The rows whose key the loader made because the file's key cell is empty: a message
    must not show that id as if the file had it. Without the file's text (an adapter that
    names the id itself) no row is said to be made."""
    column = "_raw_" + kind.key[0]
    if kind.derived_key is None or cells is None or column not in cells.columns or not rows:
        return set()
    empty = cells.select(ROW, column).filter(
        pl.col(ROW).is_in(sorted(set(rows)))
        & (pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")))
    return set(empty[ROW].to_list())


def made_key_text(kind: Kind, made: str) -> str:
    """Said of a row whose key cell is empty (its message's value is then empty too)."""
    return (f"; the {kind.key[0]} cell is empty: the loader made the id {made} from "
            f"{_MADE_FROM[kind.name]} in UTC")
