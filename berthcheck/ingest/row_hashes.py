"""Comparison with what is stored: each staged row's content hash over its typed values, and
its status against the stored versions (new, unchanged, or changed: a key already loaded with
other content).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import cast

import polars as pl

from berthcheck import store
from berthcheck.ingest.cell_text import nulls
from berthcheck.ingest.kinds import Kind, storage_name
from berthcheck.ingest.read import ROW
from berthcheck.seals import filled_columns, row_text_sql, sha256_exprs, texts_sql

_HASH_BATCH_ROWS = 4_096  # rows whose texts are hashed at a time (about 3 MB of visits' text)


def table_state(con, kind: Kind) -> tuple[bool, bool]:
    """(the session zone is UTC, `kind`'s versions table has a row), asked in one statement:
    `hash_rows` needs both and `classify` the second, about a millisecond of planning each
    that every load paid two or three times."""
    row = store.run(con, "SELECT current_setting('TimeZone') = 'UTC', "  # noqa: S608
                         f"EXISTS (SELECT 1 FROM {kind.table}_versions)")[0]
    return bool(row[0]), bool(row[1])


def hash_rows(con, staged: pl.DataFrame, kind: Kind,
              state: tuple[bool, bool] | None = None) -> pl.DataFrame:
    """A content hash over the typed values (so reformatting a time changes nothing).
    `state`: `table_state`, if the caller asked it already.

    DuckDB makes each row's texts (its casts are the stored values' text) and streams them a
    few thousand rows at a time; each batch is hashed by `seals.sha256_columns`, which costs
    about a third of DuckDB's own sha256. Only the hashes are kept and added to the frame
    (reading the whole frame back would copy every row once more).
    """
    if not staged[ROW].is_sorted():
        staged = staged.sort(ROW)
    cols = [storage_name(c.name) for c in kind.columns] + ["extra"]
    # Into an empty table every row is new, so each will be sealed: its content hash is made
    # in the same pass (seals.texts_sql; the same text, so the same row hash), and so when
    # most of the file's keys are not stored yet (a new month): DuckDB's casts of every value,
    # most of the texts' cost, are made once, not again for the rows inserted
    # (`content_hashes`). The row hash is of the session zone's text, so only when that zone
    # is UTC (store.connect sets it).
    utc, has_rows = state if state is not None else table_state(con, kind)
    both = utc and _mostly_new(con, staged, kind, has_rows)
    filled = filled_columns(staged)  # the texts written as one concat each (seals.py)
    sql = (texts_sql(kind, "_staged", content=True, schema=staged.schema, filled=filled)
           if both else f"SELECT _source_row, {row_text_sql(cols, filled=filled)} "  # noqa: S608
                        "AS _row_text FROM _staged")
    names = {"_row_text": "_row_hash", **({"_content_text": "_content_hash"} if both else {})}
    store.register(con, "_staged", staged, batch_rows=store.SCAN_BATCH_ROWS)
    try:
        hashes = _hashed_in_order(con, sql, names, staged[ROW], "row hashes")
    finally:
        con.unregister("_staged")
    return staged.with_columns(hashes.get_columns())


def content_hashes(con, frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """`frame` (rows to be stored, sorted by source row) with `_content_hash`, each row's
    content hash (seals.py) made as `hash_rows` makes it into an empty table: DuckDB writes
    the texts (in UTC), polars hashes them. For rows going into a table that has rows, whose
    hash `seal_frame` made with DuckDB's sha256 over the inserted rows: about three times the
    CPU of polars' (a second month of visits loaded into the first's store)."""
    if not frame[ROW].is_sorted():
        frame = frame.sort(ROW)
    sql = texts_sql(kind, "_sealing", content=True, row=False, schema=frame.schema,
                    filled=filled_columns(frame))
    store.register(con, "_sealing", frame, batch_rows=store.SCAN_BATCH_ROWS)
    try:
        with store.in_utc(con):
            hashes = _hashed_in_order(con, sql, {"_content_text": "_content_hash"},
                                      frame[ROW], "content hashes")
    finally:
        con.unregister("_sealing")
    return frame.with_columns(hashes.get_columns())


def _hashed_in_order(con, sql: str, names: dict[str, str], rows: pl.Series,
                     what: str) -> pl.DataFrame:
    """`hashed_batches` of `sql`, one row per `rows` in their order. No ORDER BY first: a
    projection of one scan keeps the frame's order (DuckDB's preserve_insertion_order, on by
    default), which is checked batch by batch; sorting a million rows' texts would cost time
    and memory for nothing. Only when the order is not kept after all is it asked for."""
    hashes = hashed_batches(con, sql, names, rows)
    if hashes is None:
        hashes = hashed_batches(con, f"{sql} ORDER BY _source_row", names, rows)
        if hashes is None:
            raise RuntimeError(f"{what} did not come back one per row")
    return hashes


def hashed_batches(con, sql: str, names: dict[str, str], rows: pl.Series) -> pl.DataFrame | None:
    """The hashes of `sql`'s texts, streamed in batches; None unless its rows are `rows`, in
    that order."""
    pieces, done, in_order = [], 0, True
    small = rows.len() < store.SMALL_TABLE_ROWS  # bound once (store.arrow_batches)
    for batch in store.arrow_batches(con, sql, _HASH_BATCH_ROWS, small=small):
        done += batch.num_rows
        if not in_order:
            continue  # the result is read to its end all the same: the connection needs it
        texts = cast(pl.DataFrame, pl.from_arrow(batch))  # a record batch makes a frame
        if not texts[ROW].equals(rows.slice(done - batch.num_rows, batch.num_rows)):
            in_order = False
            continue
        # only polars' hash columns are kept: a column of DuckDB's batch, even the row
        # number, would keep the batch's texts alive
        pieces.append(texts.select(sha256_exprs(names)))
    if not in_order or done != rows.len():
        return None
    if not pieces:  # no rows: the empty columns, typed
        return pl.DataFrame(schema={name: pl.Utf8 for name in names.values()})
    return pl.concat(pieces, rechunk=False)


def classify(con, hashed: pl.DataFrame, kind: Kind, has_rows: bool | None = None
             ) -> pl.DataFrame:
    """Add `_status`: new, unchanged or changed (a key already loaded with other content).
    `has_rows`: whether the kind's versions table has a row, if the caller knows it."""
    keys = [storage_name(k) for k in kind.key]
    if has_rows is None:
        has_rows = table_state(con, kind)[1]
    if not has_rows:
        # nothing stored: every row is new and has no stored version, the columns the join
        # with no stored row gave (a join, a status and a sort, some 0.5 ms a small file)
        if not hashed[ROW].is_sorted():
            hashed = hashed.sort(ROW)
        return hashed.with_columns(
            nulls("_stored_hash", pl.Utf8, hashed.height),
            nulls("_stored_file", pl.Utf8, hashed.height),
            nulls("_stored_row", pl.Int32, hashed.height),
            nulls("_stored_batch", pl.Int32, hashed.height),
            pl.lit("new", dtype=pl.Utf8).alias("_status"))
    stored = _stored_versions_of(con, hashed, kind, keys, has_rows)
    status = (
        pl.when(pl.col("_stored_hash").is_null()).then(pl.lit("new"))
        .when(pl.col("_stored_hash") == pl.col("_row_hash")).then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed"))
    )
    if not hashed[ROW].is_sorted():
        hashed = hashed.sort(ROW)
    # The join runs on the keys, row and hash only; its columns are then added to the frame
    # (same rows in the same order), which is not copied as a whole join result would be.
    narrow = (
        hashed.select([*keys, ROW, "_row_hash"])
        .join(stored, on=keys, how="left", nulls_equal=True)
        .with_columns(status.alias("_status"))
        .sort(ROW)
    )
    added = ["_stored_hash", "_stored_file", "_stored_row", "_stored_batch", "_status"]
    if narrow.height != hashed.height:  # a key stored twice: join the whole frame, as before
        return hashed.join(stored, on=keys, how="left", nulls_equal=True).with_columns(
            status.alias("_status")
        ).sort(ROW)
    return hashed.with_columns(narrow.select(added))


def _mostly_new(con, staged: pl.DataFrame, kind: Kind, has_rows: bool) -> bool:
    """At most half of `staged`'s rows have a key the table holds (none: an empty table,
    `has_rows` false)."""
    if not has_rows:
        return True
    keys = [storage_name(k) for k in kind.key]
    with _file_keys(con, staged, keys) as on:
        stored = store.scalar(con, "SELECT count(*) FROM _bc_keys k "  # noqa: S608 - our names
                                   f"WHERE EXISTS (SELECT 1 FROM {kind.table} s WHERE {on})")
    return 2 * int(stored) <= staged.height


@contextlib.contextmanager
def _file_keys(con, frame: pl.DataFrame, keys: list[str]) -> Iterator[str]:
    """`frame`'s keys readable as `_bc_keys` (alias `k`) while in the block, which is given
    the condition matching them to a stored row `s` as `classify`'s join does: exactly, a
    NULL part matching a NULL."""
    store.register(con, "_bc_keys", frame.select(keys), batch_rows=store.SCAN_BATCH_ROWS)
    try:
        yield " AND ".join(f"k.{store.quote_ident(c)} IS NOT DISTINCT FROM "
                           f"s.{store.quote_ident(c)}" for c in keys)
    finally:
        con.unregister("_bc_keys")


def _stored_versions_of(con, hashed: pl.DataFrame, kind: Kind, keys: list[str],
                        has_rows: bool) -> pl.DataFrame:
    """The current stored rows whose key is one of `hashed`'s (as `classify`'s join matches
    keys: exactly, a NULL part matching a NULL): their key, hash and lineage. Every stored row
    was fetched, a million visits' hashes for a month of new ones. A table with no row (no
    version at all) has none to fetch: the empty frame, typed as the query's, without the query
    (about 3 ms of planning, which every first load of a kind paid: most of the suite's loads).
    `has_rows`: whether the table has a version (`table_state`)."""
    if not has_rows:
        return pl.DataFrame(schema={**{k: hashed.schema[k] for k in keys},
                                    "_stored_hash": pl.Utf8, "_stored_file": pl.Utf8,
                                    "_stored_row": pl.Int32, "_stored_batch": pl.Int32})
    with _file_keys(con, hashed, keys) as on:
        return store.fetch_polars(
            con, f"SELECT {', '.join(f's.{store.quote_ident(c)}' for c in keys)}, "  # noqa: S608
            "s._row_hash AS _stored_hash, s._source_file AS _stored_file, "
            f"s._source_row AS _stored_row, s._batch_id AS _stored_batch FROM {kind.table} s "
            f"WHERE EXISTS (SELECT 1 FROM _bc_keys k WHERE {on})")


def differing_stored_columns(con, rows: pl.DataFrame, kind: Kind
                             ) -> dict[int, tuple[list[str], str | None]]:
    """Per row of `rows` (a staged frame's rows whose key is stored with other content): the
    kind's columns whose values differ from the stored row's (compared as stored types), and
    the stored row's `extra` (the caller names the unread columns that differ)."""
    names = {storage_name(c.name): c.name for c in kind.columns if c.name not in kind.key}
    types = {storage_name(c.name): c.sql_type for c in kind.columns}
    keys = [storage_name(k) for k in kind.key]
    differs = ", ".join(
        f"CAST(t.{store.quote_ident(c)} AS {types[c]}) IS DISTINCT FROM s.{store.quote_ident(c)}"
        for c in names)
    on = " AND ".join(f"CAST(t.{store.quote_ident(k)} AS {types[k]}) = s.{store.quote_ident(k)}"
                      for k in keys)
    on += " AND s._source_file = t._stored_file AND s._source_row = t._stored_row"
    store.register(con, "_twice", rows.select(ROW, *keys, *names, "_stored_file", "_stored_row"))
    try:
        found = store.run(
            con, f"SELECT t.{ROW}, s.extra, {differs} FROM _twice t "  # noqa: S608 - our names
            f"JOIN {kind.table} s ON {on}")
    finally:
        con.unregister("_twice")
    columns = list(names.values())
    return {r[0]: ([n for n, d in zip(columns, r[2:], strict=True) if d], r[1]) for r in found}
