"""`--replace`: a changed row's stored version is retired (history keeps it), and the stored
sessions and events of a replaced visit are tested against its new stay as a fresh load of the
corrected visit would test them: those it would leave outside are rejected with the visit or
(`--quarantine`) retired and quarantined themselves; those it would clip otherwise than they
are stored get a new version, clipped as the fresh load would clip them, with its warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from berthcheck import store
from berthcheck.errors import RowError
from berthcheck.ingest.as_written import raw_cells
from berthcheck.ingest.cross_rows import SPANS, fit_span, read_as
from berthcheck.ingest.kinds import KINDS, Kind, storage_name
from berthcheck.ingest.read import ROW
from berthcheck.ingest.row_hashes import hash_rows
from berthcheck.seals import seal_batch


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


@dataclass
class Reclip:
    """A stored session or event of a replaced visit whose span a fresh load of the corrected
    visit would clip otherwise than the stored row is (clipped now, or no longer clipped): it
    gets a new version in the replacing batch (the history keeps the old one)."""

    kind: str
    key: str
    start: datetime | None  # the span as the fresh load would store it
    end: datetime | None
    warnings: list[RowError]  # against the dependent's own file row, as a fresh load says them


def _file_value(warning: dict | None, stored: datetime | None) -> datetime | None:
    """The value the dependent's file gave: a load that clipped it kept it in its warning,
    the instant it read the cell as in the message (`read as ...`, cross_rows.read_as) or, in
    a store written before messages quoted the cell, the instant in ISO form as the value;
    otherwise the stored value is it."""
    if warning is None:
        return stored
    if (instant := read_as(warning["message"])) is not None:
        return instant
    try:
        value = datetime.fromisoformat(warning["value"])
    except ValueError:  # not an instant (a warning from elsewhere): the stored value stands
        return stored
    return value if value.tzinfo is not None else stored


def _cell(warning: dict | None) -> str | None:
    """The cell as its file wrote it, when the warning quotes it (it says what it was read as)."""
    if warning is None or read_as(warning["message"]) is None:
        return None
    return warning["value"]


def recheck_dependents(con, replaced: pl.DataFrame, label: str,
                       cells: pl.DataFrame | None = None) -> tuple[list[Orphan], list[Reclip]]:
    """Stored sessions and events of the replaced visits, tested against the new stay exactly
    as a fresh load of the corrected visit would test them (`cross_rows.fit_span`), from the
    values their files gave (a value an earlier load clipped is read back from its warning):
    those beyond the tolerance are orphans, those the fresh load would store otherwise than
    they are stored (clipped to the new stay, or their clip to the old stay taken back) are
    reclipped. `cells`: the visits file's text, so a refusal quotes the visit's cell."""
    store.register(con, "_bc_new_visits",
                   replaced.select("visit_id", "arrival", "departure", ROW))
    orphans: list[Orphan] = []
    reclips: list[Reclip] = []
    try:
        for kind_name, (start, end) in SPANS.items():
            kind = KINDS[kind_name]
            s_col, e_col, key = storage_name(start), storage_name(end), kind.key[0]

            def given(column: str, kind_name: str = kind_name) -> str:
                # the file's value of a clipped column, from the warning of the batch that
                # stored this version (clip warnings are the only ones these kinds get)
                return f"""(SELECT any_value({{'value': w.value, 'message': w.message}})
                            FROM load_warnings w
                            WHERE w.batch_id = d._batch_id AND w.kind = '{kind_name}'
                              AND w.source_file = d._source_file
                              AND w.source_row = d._source_row
                              AND w.column_name = '{column}'
                              AND w.message LIKE '%clipped to%')"""  # noqa: S608

            rows = store.run(
                con,
                f"""SELECT * FROM (
                        SELECT n._source_row, n.visit_id, n.arrival, n.departure, d.{key},
                               d._source_file, d._source_row AS d_row, d.{s_col}, d.{e_col},
                               {given(start)} AS given_s, {given(end)} AS given_e,
                               to_json(d)::VARCHAR
                        FROM {kind.table} d JOIN _bc_new_visits n ON n.visit_id = d.visit_id
                        WHERE NOT (d.{s_col} IS NULL AND d.{e_col} IS NULL)
                    ) WHERE given_s IS NOT NULL OR given_e IS NOT NULL
                            OR {s_col} < arrival OR {e_col} > departure
                            OR {s_col} >= departure OR {e_col} <= arrival
                    ORDER BY 1, 5""",  # noqa: S608 - our names only
            )
            for (row, visit, arrival, departure, dkey, dfile, drow, ds, de, given_s, given_e,
                 record) in rows:
                fs, fe = _file_value(given_s, ds), _file_value(given_e, de)
                # an event's open end is the visit's arrival or departure, as a fresh load
                # fills it in
                span_s = arrival if fs is None else fs
                span_e = departure if fe is None else fe
                why = (f" (visit {visit} as replaced by {label} row {row}, now "
                       f"{arrival.isoformat()} to {departure.isoformat()})")
                fit = fit_span(dfile, drow, kind, arrival, departure, span_s, span_e,
                               fs is None, why=why, given=(_cell(given_s), _cell(given_e)))
                if fit.errors:
                    orphans.append(_orphan(kind, label, row, visit, arrival, departure, dkey,
                                           dfile, drow, fs, fe, span_s, span_e, record,
                                           cells))
                    continue
                new_s = fit.start if fit.start is not None else fs
                new_e = fit.end if fit.end is not None else fe
                if (new_s, new_e) != (ds, de):
                    reclips.append(Reclip(kind.name, dkey, new_s, new_e, fit.warnings))
    finally:
        con.unregister("_bc_new_visits")
    return orphans, reclips


def _orphan(kind: Kind, label: str, row: int, visit: str, arrival: datetime,
            departure: datetime, dkey: str, dfile: str, drow: int, fs: datetime | None,
            fe: datetime | None, span_s: datetime, span_e: datetime, record: str,
            cells: pl.DataFrame | None = None) -> Orphan:
    early = (fs is not None and fs < arrival) or (fe is not None and fe <= arrival)
    column = "arrival" if early else "departure"
    value = (arrival if column == "arrival" else departure).isoformat()
    # the visit row's cell as its file wrote it, and the instant it was read as
    read = ""
    if (text := raw_cells(cells, [row], [column]).get((row, column))) is not None:
        value, read = text, f" ({column} read as {value})"
    what = (f"{kind.table} {dkey!r} ({dfile} row {drow}, {span_s.isoformat()} to "
            f"{span_e.isoformat()})")
    stay = f"the visit's stay{read}"
    return Orphan(
        kind.table, kind.name, dkey, visit, dfile, drow, record,
        RowError(label, row, column, value,
                 f"replacing visit {visit} would leave {what} outside {stay}; load a "
                 "corrected row for it too, or use --quarantine"),
        f"outside its visit {visit} after the visit was replaced by {label} row "
        f"{row} (now {arrival.isoformat()} to {departure.isoformat()})",
        RowError(label, row, column, value,
                 f"replacing visit {visit} left {what} outside {stay}: "
                 "it no longer counts and is kept in quarantine (load a corrected "
                 "row for it to bring it back)"),
    )


def reclip_dependents(con, reclips: list[Reclip], batch_id: int) -> None:
    """Store each reclipped session or event as a new version in batch `batch_id` (the old
    one retired, its lineage, file and row, kept), hashed and sealed as a fresh load of the
    same file row against the corrected visit would be."""
    by_kind: dict[str, list[Reclip]] = {}
    for r in reclips:
        by_kind.setdefault(r.kind, []).append(r)
    for kind_name, items in by_kind.items():
        kind = KINDS[kind_name]
        start, end = (storage_name(c) for c in SPANS[kind_name])
        key = kind.key[0]
        cols = [storage_name(c.name) for c in kind.columns]
        keys = [r.key for r in items]
        stored = store.fetch_polars(
            con,
            f"SELECT {', '.join(cols)}, extra, _source_file, _source_row "  # noqa: S608
            f"FROM {kind.table} WHERE list_contains(?, {key}) ORDER BY _source_row, {key}",
            [keys],
        )
        spans = pl.DataFrame(
            {key: keys, "__s": [r.start for r in items], "__e": [r.end for r in items]},
            schema={key: stored.schema[key], "__s": stored.schema[start],
                    "__e": stored.schema[end]},
        )
        frame = (stored.join(spans, on=key, how="left", maintain_order="left")
                 .with_columns(pl.col("__s").alias(start), pl.col("__e").alias(end))
                 .drop("__s", "__e"))
        store.run(
            con,
            f"UPDATE {kind.table}_versions SET _replaced_by = ? "  # noqa: S608 - our names
            f"WHERE list_contains(?, {key}) AND _replaced_by IS NULL",
            [batch_id, keys],
        )
        store.insert_versions(con, kind_name, hash_rows(con, frame, kind), batch_id=batch_id)
        seal_batch(con, kind_name, batch_id)


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
