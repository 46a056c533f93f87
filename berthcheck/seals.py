"""Each input row's content hash, sealed when the row is loaded (issue 16, item 1).

A row's content hash is sha256 over `name<US>value` of its non-NULL stored values
(`content_hash_sql`). The loader writes it into `input_seals` with the row's lineage as soon as
the row is stored, so a check reads the hashes instead of recomputing them over every stored
row; `audit verify` recomputes them from the stored values (inside `as_of`, where the seals are
out of reach) and so names any value edited in place since it was loaded. Rows that have no
seal (loaded before this, or put in by other means) are hashed by the check and sealed then,
as before.
"""

from __future__ import annotations

import contextlib

from berthcheck import store
from berthcheck.ingest.kinds import KINDS, Kind, storage_name

SEALS_TABLE = "input_seals"


def _content_columns(kind: Kind) -> list[str]:
    return [storage_name(c.name) for c in kind.columns] + ["extra"]


def content_hash_sql(columns: list[str], alias: str = "") -> str:
    """A row's content hash over its stored values: `name<US>value` of every non-NULL column,
    in column order. Empty columns are left out, so a column added by a later schema (NULL in
    old rows) leaves old rows' hashes as they were. Instants are cast in the session zone:
    call with TimeZone = UTC (collect_input_rows does)."""
    return f"sha256({content_text_sql(columns, alias)})"


def content_text_sql(columns: list[str], alias: str = "",
                     utc_instants: frozenset[str] = frozenset(),
                     filled: frozenset[str] = frozenset()) -> str:
    """The text `content_hash_sql` hashes. Each part is the name and the separator as one
    literal, then the value: `||` gives NULL for a NULL value, which concat_ws leaves out, so no
    CASE is needed (the same text as `CASE WHEN c IS NOT NULL THEN 'c' || chr(31) || c END`:
    tests/test_row_hashes.py), and the statement is about a third cheaper for DuckDB to plan,
    which every small load pays (docs/scaling.md, "Twenty-eighth session").
    `utc_instants`: instant columns written by `_value_text`'s UTC shortcut (session zone UTC
    only). `filled`: columns known to hold no NULL (`_concatenated`); with the first of them,
    the text is written as one `concat`."""
    prefix = f"{alias}." if alias else ""
    if columns and columns[0] in filled:
        return _concatenated([
            (("" if i == 0 else chr(30)) + f"{c}{chr(31)}",
             _value_parts(prefix, c, c in utc_instants), c in filled)
            for i, c in enumerate(columns)])
    parts = ", ".join(
        f"{_literal(f'{c}{chr(31)}')} || "
        f"{_value_text(prefix, c, c in utc_instants)}"
        for c in columns
    )
    return f"concat_ws(chr(30), {parts})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _concatenated(parts: list[tuple[str, list[tuple[str, bool]], bool]]) -> str:
    """A text joined as concat_ws joins it, written as one `concat` of literals and values:
    DuckDB's concat_ws over `'name<US>' || value` parts made each part as a string of its own
    and then copied it again (the texts of 200 000 visits: 0.54-0.58 CPU s that way, 0.39-0.41
    so). Each part is (the literal text before the value: its separator and name, the value's
    pieces (`_value_parts`), whether the value is never NULL). A value that can be NULL keeps
    `literal || value`, NULL for NULL, which concat leaves out as concat_ws left the part out;
    one that cannot is written as its own arguments, the literals beside it merged into one.
    The first part must not be NULL (concat_ws writes no separator before the first part it
    keeps): callers make sure of it."""
    args: list[str] = []
    text = ""  # literal text not written yet (merged with the next literal)
    for before, pieces, never_null in parts:
        if not never_null:
            if text:
                args.append(_literal(text))
            text = ""
            joined = [_literal(before), *(_literal(p) if literal else p for p, literal in pieces)]
            args.append(f"({' || '.join(joined)})")
            continue
        text += before
        for piece, literal in pieces:
            if literal:
                text += piece
                continue
            if text:
                args.append(_literal(text))
            args.append(piece)
            text = ""
    if text:
        args.append(_literal(text))
    return f"concat({', '.join(args)})"


def _value_parts(prefix: str, column: str, utc_instant: bool) -> list[tuple[str, bool]]:
    """A value's text (`_value_text`) as the pieces it joins: (SQL, False) or (literal text,
    True)."""
    value = f"{prefix}{store.quote_ident(column)}"
    if utc_instant:
        return [(f"CAST(make_timestamp(epoch_us({value})) AS VARCHAR)", False), ("+00", True)]
    return [(f"CAST({value} AS VARCHAR)", False)]


def _value_text(prefix: str, column: str, utc_instant: bool) -> str:
    """A value as text: its cast to VARCHAR. An instant (TIMESTAMPTZ) cast in the session
    zone UTC reads as its UTC wall time and `+00`; `utc_instant` writes it so, from its
    microseconds as a plain timestamp, without the time zone library's calendar per value:
    the same text, byte for byte (every instant of the loader's years, YEAR_MIN-YEAR_MAX, and
    NULL for NULL: tests/test_row_hashes.py), at about 40 % less CPU (some 0.4 CPU s of a
    million visits' texts). Only for texts made with the session zone UTC. (`_value_parts`
    joined by `||`.)"""
    pieces = [_literal(p) if literal else p
              for p, literal in _value_parts(prefix, column, utc_instant)]
    return pieces[0] if len(pieces) == 1 else f"({' || '.join(pieces)})"


# Columns added to an input table after rows were hashed: an empty one is left out of the row
# text (concat_ws skips a NULL), so the rows loaded before keep their hashes, and loading the
# same file again still changes nothing; a value is written with its name.
SPARSE_ROW_TEXT = ("port_call", "afir_art9_ship_type", "innovative_concept_visits")


def row_text_sql(columns: list[str], alias: str = "",
                 utc_instants: frozenset[str] = frozenset(),
                 filled: frozenset[str] | None = None) -> str:
    """The text of the loader's row hash (`_row_hash`): every value as text, NULL as chr(0),
    joined by chr(31); a `SPARSE_ROW_TEXT` column only when it has a value. `utc_instants`:
    as `content_text_sql`'s. `filled`: if given, columns known to hold no NULL, and the text
    is written as one `concat` (`_concatenated`: the same text), their values without the
    `coalesce`."""
    prefix = f"{alias}." if alias else ""
    if filled is not None and columns and columns[0] not in SPARSE_ROW_TEXT:
        return _concatenated([
            (("" if i == 0 else chr(31)) + (f"{c}=" if c in SPARSE_ROW_TEXT else ""),
             _value_parts(prefix, c, c in utc_instants) if c in filled or c in SPARSE_ROW_TEXT
             else [(f"coalesce({_value_text(prefix, c, c in utc_instants)}, chr(0))", False)],
             c in filled or c not in SPARSE_ROW_TEXT)
            for i, c in enumerate(columns)])
    parts = ", ".join(
        f"'{c}=' || {_value_text(prefix, c, c in utc_instants)}" if c in SPARSE_ROW_TEXT
        else f"coalesce({_value_text(prefix, c, c in utc_instants)}, chr(0))"
        for c in columns)
    return f"concat_ws(chr(31), {parts})"


def _key_sql(kind: Kind, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "concat_ws(' / ', " + ", ".join(
        f"CAST({prefix}{store.quote_ident(storage_name(k))} AS VARCHAR)" for k in kind.key
    ) + ")"


def seals_usable(con) -> bool:
    """The seals table is in the connection's current catalog (not inside `as_of`)."""
    return store.table_exists(con, SEALS_TABLE)


def seal_rows(con, table: str, batch_id: int) -> None:
    """Seal the rows of batch `batch_id` in input table `table` that have no seal yet (rows
    loaded before seals were made at load, or put in by other means). Callers own the
    transaction."""
    kind = next(k for k in KINDS.values() if k.table == table)
    _insert_seals(con, kind, int(batch_id), only_unsealed=True)


def seal_batch(con, kind_name: str, batch_id: int) -> None:
    """Seal the rows load batch `batch_id` just stored for `kind_name` (callers own the
    transaction): the same row key, lineage and hashes a check's `seal_inputs` would record.
    Only for a batch just written: no run can have sealed its rows yet."""
    _insert_seals(con, KINDS[kind_name], int(batch_id), only_unsealed=False)


def _read_as_stored(dtype, sql_type: str) -> bool:
    """A polars column of `dtype`, handed to DuckDB as Arrow, is read as `sql_type` itself:
    casting it to that type changes nothing."""
    import polars as pl

    same = {"VARCHAR": pl.String, "DATE": pl.Date, "BOOLEAN": pl.Boolean,
            "INTEGER": pl.Int32, "DOUBLE": pl.Float64,
            "TIMESTAMPTZ": pl.Datetime("us", "UTC")}.get(sql_type)
    return same is not None and dtype == same


def _typed_columns_sql(kind: Kind, view: str, extra: list[str],
                       columns: list[str] | None = None, schema=None) -> str:
    """`view`'s content columns (or `columns` of them) cast to their stored types (so a value
    is written as text exactly as the stored value would be), plus the `extra` columns.
    `schema`: the polars schema of the frame registered as `view`, if known: a column already
    of its stored type is taken as it is (a cast that changes nothing still cost planning
    time, which a small load pays for every column)."""
    types = {storage_name(c.name): c.sql_type for c in kind.columns}
    typed = []
    for c in (_content_columns(kind) if columns is None else columns):
        kind_of = types.get(c, "VARCHAR")
        if schema is not None and c in schema and _read_as_stored(schema[c], kind_of):
            typed.append(store.quote_ident(c))
        else:
            typed.append(f"CAST({store.quote_ident(c)} AS {kind_of}) AS {store.quote_ident(c)}")
    return f"SELECT {', '.join([*typed, *extra])} FROM {view}"  # noqa: S608 - our names


def texts_sql(kind: Kind, view: str, *, content: bool, row: bool = True, schema=None,
              filled: frozenset[str] | None = None) -> str:
    """The texts of the row hash (if `row`) and the content hash (if `content`) of every row
    of `view` (a staged frame: storage columns, `extra`, `_source_row`), `_row_text` and
    `_content_text`, over the values cast to their stored types, to be hashed by
    `sha256_columns`. Run in UTC, as both hashes always are. Rows come in the view's order (a
    projection of one scan), each with its `_source_row` so the caller can check that.
    `schema`: the registered frame's polars schema (`_typed_columns_sql`). `filled`: the
    columns in which the frame holds no NULL (`filled_columns`), if known: the texts are then
    written as one `concat` each (`_concatenated`), the same texts at less CPU."""
    columns = _content_columns(kind)
    # run in UTC: instants are written by the shortcut (`_value_text`), the same text
    instants = frozenset(storage_name(c.name) for c in kind.columns
                         if c.sql_type == "TIMESTAMPTZ")
    texts = [f"{row_text_sql(columns, 't', instants, filled)} AS _row_text"] if row else []
    if content:
        texts.append(f"{content_text_sql(columns, 't', instants, filled or frozenset())} "
                     "AS _content_text")
    return (f"SELECT t._source_row, {', '.join(texts)} "  # noqa: S608 - our names
            f"FROM ({_typed_columns_sql(kind, view, ['_source_row'], schema=schema)}) t")


def filled_columns(frame) -> frozenset[str]:
    """The columns of a polars frame that hold no NULL (polars keeps each column's count)."""
    return frozenset(name for name, column in zip(frame.columns, frame.get_columns(),
                                                  strict=True) if not column.null_count())


def sha256_columns(frame, names: dict[str, str]):
    """`frame` with each text column `names` key replaced by its sha256 in lowercase hex under
    the name `names[key]` (what DuckDB's sha256() gives for the same text). Hashed by
    polars-hash, on polars' threads, with the CPU's SHA instructions where it has them:
    about three times less CPU than DuckDB's sha256 for the loader's texts."""
    import polars as pl

    # one query (not the hashes added and the texts dropped after: two, and a loader's batch
    # of 4 096 rows paid each query's start, about 0.7 ms)
    return frame.select(*(pl.col(c) for c in frame.columns if c not in names),
                        *sha256_exprs(names))


def sha256_exprs(names: dict[str, str]) -> list:
    """`sha256_columns`' expressions: each text column `names` key hashed, named `names[key]`."""
    import polars_hash as plh

    return [plh.col(text).chash.sha2_256().alias(hashed) for text, hashed in names.items()]


def seal_frame(con, kind_name: str, frame, batch_id: int):
    """Seal the rows of `frame` that load batch `batch_id` just stored (callers own the
    transaction), from the frame the rows were inserted from instead of reading the table
    back: the same row key, lineage and hashes as `seal_batch`, with each value cast to its
    stored type first so the text hashed is the stored value's. A `_content_hash` column
    already in the frame (the loader's, from `texts_sql`) is used as it is. Returns the seals as a polars frame
    (`source_row`, `row_hash`, `content_hash`: what the batch's digest is made of), or None
    when the frame's source rows are not unique (then `seal_batch` keeps one seal per source
    row, as it always did)."""
    import polars as pl

    if frame.is_empty() or frame["_source_row"].n_unique() != frame.height:
        return None
    kind = KINDS[kind_name]
    lineage = ["_source_row", "_source_file", "_row_hash"]
    hashed = "_content_hash" in frame.columns
    content = ("t._content_hash" if hashed
               else content_hash_sql(_content_columns(kind), alias="t"))
    if hashed:
        lineage.append("_content_hash")
    # with the hashes made, only the key columns are read (for the row key)
    columns = [storage_name(k) for k in kind.key] if hashed else _content_columns(kind)
    sealing = frame.select([*columns, *lineage])
    # Instants are cast to text in UTC, as everywhere; with the hashes made only the key is
    # cast, which holds no instant: the session zone is not read (a statement a load)
    instant_key = any(c.type == "timestamp" for c in kind.columns if c.name in kind.key)
    in_utc = store.in_utc(con) if instant_key or not hashed else contextlib.nullcontext()
    store.register(con, "_bc_sealing", sealing, batch_rows=store.INSERT_BATCH_ROWS)
    try:
        with in_utc:
            select = f"""SELECT '{kind.table}' AS table_name, CAST(? AS INTEGER) AS batch_id,
                           CAST(t._source_row AS INTEGER) AS source_row,
                           t._source_file AS source_file, {_key_sql(kind, 't')} AS row_key,
                           t._row_hash AS row_hash, {content} AS content_hash
                    FROM ({_typed_columns_sql(kind, '_bc_sealing', lineage, columns, sealing.schema)}) t"""  # noqa: S608
            if hashed:  # nothing to bring back: the frame has every hash
                store.run(con, f"INSERT INTO {SEALS_TABLE} {select}", [int(batch_id)])  # noqa: S608
                return frame.select(pl.col("_source_row").alias("source_row"),
                                    pl.col("_row_hash").alias("row_hash"),
                                    pl.col("_content_hash").alias("content_hash"))
            seals = store.fetch_polars(con, select, [int(batch_id)])
    finally:
        con.unregister("_bc_sealing")
    store.register(con, "_bc_seals", seals, batch_rows=store.INSERT_BATCH_ROWS)
    try:
        store.run(con, f"INSERT INTO {SEALS_TABLE} SELECT * FROM _bc_seals")  # noqa: S608
    finally:
        con.unregister("_bc_seals")
    return seals.select("source_row", "row_hash", "content_hash").with_columns(
        pl.col("source_row").cast(pl.Int64))


def _insert_seals(con, kind, batch_id: int, *, only_unsealed: bool) -> None:
    unsealed = (f"""AND NOT EXISTS (
                    SELECT 1 FROM {SEALS_TABLE} s WHERE s.table_name = '{kind.table}'
                    AND s.batch_id = t._batch_id AND s.source_row = t._source_row)"""  # noqa: S608 - our names
                if only_unsealed else "")
    with store.in_utc(con):  # instants hashed in UTC, as everywhere
        store.run(
            con,
            f"""INSERT INTO {SEALS_TABLE}
                SELECT '{kind.table}', t._batch_id, t._source_row, t._source_file,
                       {_key_sql(kind, 't')}, t._row_hash,
                       {content_hash_sql(_content_columns(kind), alias='t')}
                FROM {kind.table}_versions t
                WHERE t._batch_id = ? {unsealed}
                QUALIFY row_number() OVER (PARTITION BY t._batch_id, t._source_row
                                           ORDER BY t._row_hash) = 1
            """,  # noqa: S608 - our names
            [batch_id],
        )
