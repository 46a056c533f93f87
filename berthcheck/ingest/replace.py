"""`--replace`: a changed row's stored version is retired (history keeps it), and the stored
sessions and events a replaced visit would leave outside its new stay are found, rejected
with the visit or (`--quarantine`) retired and quarantined themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from berthcheck import store
from berthcheck.errors import RowError
from berthcheck.ingest.cross_rows import SESSION_TOLERANCE_MINUTES, SPANS
from berthcheck.ingest.kinds import KINDS, Kind, storage_name
from berthcheck.ingest.read import ROW


@dataclass
class Orphan:
    """A stored session or event that a replaced visit would leave outside its stay."""

    table: str
    kind: str
    key: str
    visit_id: str
    source_file: str
    source_row: int
    record: str
    error: RowError  # against the visit row being loaded
    reason: str  # for the dependent row's quarantine entry
    kept: RowError  # with --quarantine: what was retired, against the visit row


def orphaned_dependents(con, replaced: pl.DataFrame, label: str) -> list[Orphan]:
    """Stored sessions and events of the replaced visits that would lie outside the new stay
    by more than the tolerance a fresh load allows (the same test as
    `cross_rows._spans_within_visit`)."""
    store.register(con, "_bc_new_visits",
                   replaced.select("visit_id", "arrival", "departure", ROW))
    tolerance = f"INTERVAL {SESSION_TOLERANCE_MINUTES} MINUTE"
    out = []
    try:
        for kind_name, (start, end) in SPANS.items():
            kind = KINDS[kind_name]
            s_col, e_col, key = storage_name(start), storage_name(end), kind.key[0]
            rows = store.run(
                con,
                f"""SELECT n._source_row, n.visit_id, n.arrival, n.departure, d.{key},
                           d._source_file, d._source_row, d.{s_col}, d.{e_col},
                           to_json(d)::VARCHAR
                    FROM {kind.table} d JOIN _bc_new_visits n ON n.visit_id = d.visit_id
                    WHERE d.{s_col} IS NOT NULL AND (
                        d.{s_col} < n.arrival - {tolerance} OR d.{e_col} > n.departure + {tolerance}
                        OR d.{s_col} >= n.departure OR d.{e_col} <= n.arrival)
                    ORDER BY 1, 5""",  # noqa: S608 - our names only
            )
            for row, visit, arrival, departure, dkey, dfile, drow, ds, de, record in rows:
                column = "arrival" if ds < arrival or de <= arrival else "departure"
                value = (arrival if column == "arrival" else departure).isoformat()
                what = f"{kind.table} {dkey!r} ({dfile} row {drow}, {ds.isoformat()} to {de.isoformat()})"
                out.append(Orphan(
                    kind.table, kind.name, dkey, visit, dfile, drow, record,
                    RowError(label, row, column, value,
                             f"replacing visit {visit} would leave {what} outside the visit's "
                             "stay; load a corrected row for it too, or use --quarantine"),
                    f"outside its visit {visit} after the visit was replaced by {label} row "
                    f"{row} (now {arrival.isoformat()} to {departure.isoformat()})",
                    RowError(label, row, column, value,
                             f"replacing visit {visit} left {what} outside the visit's stay: "
                             "it no longer counts and is kept in quarantine (load a corrected "
                             "row for it to bring it back)"),
                ))
    finally:
        con.unregister("_bc_new_visits")
    return out


def quarantine_orphans(con, orphans: list[Orphan], batch_id: int) -> None:
    """Retire the orphaned rows (history keeps them) and keep them, with reasons, in quarantine."""
    for o in orphans:
        kind = KINDS[o.kind]
        store.run(
            con,
            f"UPDATE {kind.table}_versions SET _replaced_by = ? "  # noqa: S608 - our names
            f"WHERE {kind.key[0]} = ? AND _replaced_by IS NULL",
            [batch_id, o.key],
        )
        store.run(con, "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [batch_id, o.kind, o.source_file, o.source_row, "visit_id", o.visit_id,
                   o.reason, o.record])


def retire_versions(con, kind: Kind, replaced: pl.DataFrame, batch_id: int) -> None:
    keys = [storage_name(k) for k in kind.key]
    store.register(con, "_retire", replaced.select(keys))
    try:
        # a key column may be empty (e.g. an allowance's port): NULL matches NULL here
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM r.{k}" for k in keys)
        store.run(
            con,
            f"UPDATE {kind.table}_versions t SET _replaced_by = ? FROM _retire r "  # noqa: S608
            f"WHERE {match} AND t._replaced_by IS NULL",
            [batch_id],
        )
    finally:
        con.unregister("_retire")
