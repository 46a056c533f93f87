"""Input fingerprints digested at load time (issue 16, item 1; manifest version 2).

A load batch that inserts rows into an input table stores one digest of them, and a batch that
retires rows (`--replace`, dependents set aside) stores one digest of the rows it retired, per
batch they came from. These *pieces* live in `batch_digests`:

    (table_name, batch_id, replaced_by, rows, source_rows, sha256)

`replaced_by` is NULL for the rows batch `batch_id` inserted, else the batch that retired them.
A piece's sha256 is over its rows ordered by (source row, row hash, content hash), one line
each, `source_row<US>_row_hash<US>content_hash`, lines joined by `\\n` (`content_hash`: the
row's content hash, berthcheck/seals.py). The current state of a table is every inserted piece
minus every retired one, so a check's input fingerprint combines the pieces' digests instead
of re-hashing every stored row (`fingerprint`). Pieces the store lacks (rows put in by other
means, or a count that no longer matches) are digested from the rows then.

`audit verify` recomputes every piece from the stored rows (inside `audit.as_of` there are no
stored digests to read), which is where a row edited in place shows.
"""

from __future__ import annotations

import hashlib

from berthcheck import store
from berthcheck.ingest.kinds import KINDS, Kind
from berthcheck.seals import SEALS_TABLE, _content_columns, content_hash_sql

DIGESTS_TABLE = "batch_digests"
Piece = dict  # {table, batch_id, replaced_by, rows, source_rows, sha256}


def _kinds() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda k: k.table)


def _pieces_sql(kind: Kind, where: str, *, retired: bool, sealed: bool,
                seals_only: int | None = None) -> str:
    """Digest, count and source-row ranges of the rows of `kind` matching `where`, one piece
    per batch (and, `retired`, per retiring batch). `seals_only`: the inserted piece of that
    batch from its seals alone (just written by the loader, one per row)."""
    recomputed = content_hash_sql(_content_columns(kind), alias="t")
    if seals_only is not None:
        rows = (f"SELECT s.batch_id AS b, CAST(NULL AS INTEGER) AS rb, s.source_row AS sr, "  # noqa: S608
                f"s.row_hash AS rh, s.content_hash AS ch FROM {SEALS_TABLE} s "
                f"WHERE s.table_name = '{kind.table}' AND s.batch_id = {int(seals_only)}")
        return _PIECES.format(rows=rows, table=kind.table)
    if sealed:
        # CASE, not coalesce: DuckDB evaluates every coalesce argument, CASE only its branch
        content = f"CASE WHEN s.content_hash IS NULL THEN {recomputed} ELSE s.content_hash END"
        source = (f"{kind.table}_versions t LEFT JOIN {SEALS_TABLE} s ON s.table_name = "
                  f"'{kind.table}' AND s.batch_id = t._batch_id AND s.source_row = t._source_row "
                  "AND s.row_hash = t._row_hash")
    else:
        content, source = recomputed, f"{kind.table}_versions t"
    by = "t._replaced_by" if retired else "CAST(NULL AS INTEGER)"
    rows = (f"SELECT t._batch_id AS b, {by} AS rb, t._source_row AS sr, t._row_hash AS rh, "  # noqa: S608
            f"{content} AS ch FROM {source} WHERE {where}")
    return _PIECES.format(rows=rows, table=kind.table)


_PIECES = """
    WITH r AS ({rows}), islands AS (
        SELECT b, rb, min(sr) AS lo, max(sr) AS hi
        FROM (SELECT b, rb, sr,
                     sr - dense_rank() OVER (PARTITION BY b, rb ORDER BY sr) AS g FROM r)
        GROUP BY b, rb, g
    ), ranges AS (
        SELECT b, rb, string_agg(CASE WHEN lo = hi THEN CAST(lo AS VARCHAR)
                                      ELSE lo || '-' || hi END, ',' ORDER BY lo) AS src
        FROM islands GROUP BY b, rb
    ), d AS (
        SELECT b, rb, count(*) AS n,
               sha256(string_agg(sr || chr(31) || rh || chr(31) || ch, chr(10)
                                 ORDER BY sr, rh, ch)) AS sha
        FROM r GROUP BY b, rb
    )
    SELECT '{table}', d.b, d.rb, d.n, ranges.src, d.sha
    FROM d JOIN ranges ON ranges.b = d.b AND ranges.rb IS NOT DISTINCT FROM d.rb
    ORDER BY d.b, d.rb"""


def compute_pieces(con, kind: Kind, where: str, *, retired: bool,
                   sealed: bool | None = None, seals_only: int | None = None) -> list[Piece]:
    """Pieces of `kind` over the rows matching `where` (our SQL, never user text)."""
    if sealed is None:
        sealed = store.table_exists(con, SEALS_TABLE)
    with store.in_utc(con):  # content_hash_sql casts instants in the session zone
        rows = store.run(con, _pieces_sql(kind, where, retired=retired, sealed=sealed,
                                          seals_only=seals_only))
    return [{"table": t, "batch_id": b, "replaced_by": rb, "rows": int(n), "source_rows": src,
             "sha256": sha} for t, b, rb, n, src, sha in rows]


_LINES_PER_UPDATE = 200_000  # rows turned into text at a time (bounds the memory of a digest)


def feed_text(digest, lines, *, drop_last: int = 0) -> None:
    """Feed an Arrow string array's bytes, values back to back, to `digest` (the data buffer
    between the array's first and last offsets; no copy, no numpy: not a runtime dependency),
    less its last `drop_last` bytes."""
    import pyarrow as pa

    if lines.type not in (pa.string(), pa.large_string()):
        lines = lines.cast(pa.large_string())
    _validity, offsets, data = lines.buffers()
    if not len(lines) or data is None:
        return
    bounds = memoryview(offsets).cast("i" if lines.type == pa.string() else "q")
    start, end = bounds[lines.offset], bounds[lines.offset + len(lines)]
    digest.update(memoryview(data)[start:end - drop_last])


def piece_from_seals(table: str, batch_id: int, seals) -> Piece:
    """The inserted piece of batch `batch_id` from the seals the loader just made (a polars
    frame of `source_row`, `row_hash`, `content_hash`, one row per source row): the same
    count, source-row ranges and sha256 as `_PIECES` computes in SQL, without reading the
    rows back. The text is hashed in slices, so a million rows never sit in one string."""
    import polars as pl

    rows = seals.select("source_row", "row_hash", "content_hash")
    unique = rows["source_row"].n_unique() == rows.height
    if not (unique and rows["source_row"].is_sorted()):
        rows = rows.sort("source_row", "row_hash", "content_hash")
    digest = hashlib.sha256()
    # Each line ends in "\n" (the last one's is left out): an Arrow string array's bytes are
    # then the lines joined, handed to sha256 as they lie, without making a Python string.
    line = pl.concat_str([pl.col("source_row").cast(pl.Utf8), pl.lit("\x1f"), pl.col("row_hash"),
                          pl.lit("\x1f"), pl.col("content_hash"), pl.lit("\n")])
    starts = range(0, rows.height, _LINES_PER_UPDATE)

    def lines_of(start: int):
        part = rows.slice(start, _LINES_PER_UPDATE).select(line).to_series()
        return part.to_arrow(compat_level=pl.CompatLevel.oldest())

    if len(starts) < 2:
        for start in starts:
            feed_text(digest, lines_of(start), drop_last=1)
    else:
        # The next slice's lines are made on a thread while this one is hashed (polars and
        # hashlib let go of the GIL): at a million rows each took a core in turn, the other idle.
        # At most two slices' lines are held at once; they are hashed in order.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="bc-digest-lines") as pool:
            ahead = pool.submit(lines_of, starts[0])
            for at in range(len(starts)):
                part = ahead.result()
                if at + 1 < len(starts):
                    ahead = pool.submit(lines_of, starts[at + 1])
                feed_text(digest, part, drop_last=1 if at + 1 == len(starts) else 0)
                del part
    # islands of consecutive source rows -> "lo-hi" (or "n" alone), in order
    src = rows["source_row"] if unique else rows["source_row"].unique(maintain_order=True)
    begins = (src.diff() != 1).fill_null(True)  # a row that does not follow the one before
    lo = src.filter(begins)
    hi = src.filter(begins.shift(-1, fill_value=True))
    ranges = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in zip(lo, hi, strict=True))
    return {"table": table, "batch_id": int(batch_id), "replaced_by": None,
            "rows": rows.height, "source_rows": ranges, "sha256": digest.hexdigest()}


def digest_batch(con, batch_id: int, inserted: Piece | None = None,
                 tables: list[str] | None = None) -> None:
    """Store the pieces load batch `batch_id` just made: the rows it inserted and the rows it
    retired, in every input table. Callers own the transaction (the loader's). `inserted`:
    the piece of the rows it inserted, already made from its seals (`piece_from_seals`); used
    when its count is the table's count of the batch's rows. `tables`: the only input tables
    the batch can have written (None: any); the others are not asked (a small load's count
    over all ten tables was some 2-4 ms of planning, to learn that it wrote one)."""
    b = int(batch_id)
    kinds = [k for k in _kinds() if tables is None or k.table in tables]
    # one pass to learn which tables the batch touched (a load writes one or a few)
    counts = " UNION ALL ".join(
        f"SELECT '{k.table}', coalesce(count_if(_batch_id = {b}), 0), "  # noqa: S608 - ours
        f"coalesce(count_if(_replaced_by = {b}), 0) FROM {k.table}_versions" for k in kinds)
    touched = {t: (int(ins), int(ret)) for t, ins, ret in store.run(con, counts)}
    pieces: list[Piece] = []
    for kind in kinds:
        added, retired = touched[kind.table]
        if added and inserted is not None and inserted["table"] == kind.table \
                and inserted["rows"] == added:
            pieces.append(inserted)
        elif added:
            sealed = store.scalar(con, f"SELECT count(*) FROM {SEALS_TABLE} "  # noqa: S608
                                       "WHERE table_name = ? AND batch_id = ?", [kind.table, b])
            # the seals just written hold every row's hashes: no need to read the rows again
            pieces += compute_pieces(con, kind, f"t._batch_id = {b}", retired=False,
                                     seals_only=b if sealed == added else None)
        if retired:
            pieces += compute_pieces(con, kind, f"t._replaced_by = {b}", retired=True)
    _store_pieces(con, pieces)


def _store_pieces(con, pieces: list[Piece]) -> None:
    rows = [[p["table"], p["batch_id"], p["replaced_by"], p["rows"], p["source_rows"],
             p["sha256"]] for p in pieces]
    insert = f"INSERT INTO {DIGESTS_TABLE} VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608
    if len(rows) == 1:  # a load's one piece: `executemany` cost 0.3 ms more than one statement
        store.run(con, insert, rows[0])
    elif rows:
        con.executemany(insert, rows)


def _row_groups(con, kinds: list[Kind]) -> dict[str, list[tuple]]:
    """Per input table, its rows counted by (batch, retiring batch): one statement for every
    table (one each cost a small check's fingerprint about 1.6 ms of planning per table)."""
    parts = [f"SELECT {i} AS k, _batch_id, _replaced_by, count(*) AS n "  # noqa: S608 - our names
             f"FROM {kind.table}_versions GROUP BY ALL" for i, kind in enumerate(kinds)]
    out: dict[str, list[tuple]] = {kind.table: [] for kind in kinds}
    if not parts:
        return out
    for k, b, rb, n in store.run(con, " UNION ALL ".join(parts)
                                 + " ORDER BY 1, 2, 3 NULLS FIRST"):
        out[kinds[k].table].append((b, rb, n))
    return out


def table_pieces(con, *, stored: bool = True) -> tuple[dict[str, list[Piece]], list[Piece]]:
    """Every input table's pieces as the store holds them now, and those of them the store
    had no digest for, digested from the rows just now (`remember` stores them). `stored`: read the digests the
    loader stored where their row counts still match; False (and inside `audit.as_of`, which
    has no digests) digests every piece from the stored rows."""
    known: dict[tuple, Piece] = {}
    have_tables = store.existing_tables(con, [DIGESTS_TABLE, SEALS_TABLE])
    if stored and DIGESTS_TABLE in have_tables:
        for t, b, rb, n, src, sha in store.run(
                con, f"SELECT * FROM {DIGESTS_TABLE}"):  # noqa: S608
            known[(t, b, rb)] = {"table": t, "batch_id": b, "replaced_by": rb, "rows": int(n),
                                 "source_rows": src, "sha256": sha}
    out: dict[str, list[Piece]] = {}
    fresh: list[Piece] = []
    sealed = SEALS_TABLE in have_tables
    kinds = _kinds()
    groups = _row_groups(con, kinds)
    for kind in kinds:
        wanted: dict[tuple, int] = {}
        for b, rb, n in groups[kind.table]:
            wanted[(kind.table, b, None)] = wanted.get((kind.table, b, None), 0) + int(n)
            if rb is not None:
                wanted[(kind.table, b, rb)] = int(n)
        have = {k: known[k] for k, n in wanted.items() if k in known and known[k]["rows"] == n}
        inserted = sorted({b for (_t, b, rb) in wanted if rb is None and (_t, b, rb) not in have})
        retired = sorted({(b, rb) for (_t, b, rb) in wanted
                          if rb is not None and (_t, b, rb) not in have})
        new: list[Piece] = []
        if inserted:
            new += compute_pieces(
                con, kind, "list_contains([" + ",".join(str(int(b)) for b in inserted)
                + "], t._batch_id)", retired=False, sealed=sealed)
        if retired:
            pairs = " OR ".join(f"(t._batch_id = {int(b)} AND t._replaced_by = {int(rb)})"
                                for b, rb in retired)
            new += compute_pieces(con, kind, pairs, retired=True, sealed=sealed)
        # only pieces the store has no digest for are remembered: a stored digest whose count
        # no longer matches (rows deleted or moved behind berthcheck's back) stays as evidence
        fresh += [p for p in new
                  if (p["table"], p["batch_id"], p["replaced_by"]) not in known]
        out[kind.table] = sorted([*have.values(), *new], key=_order)
    return out, fresh


def remember(con, fresh: list[Piece]) -> None:
    """Store pieces a check had to digest from the rows (a store loaded before digests were
    made at load, or rows put in by other means), and seal their rows, so later checks read
    them. Callers own the transaction (the stored run's)."""
    if not fresh or not store.table_exists(con, DIGESTS_TABLE):
        return
    _store_pieces(con, fresh)
    from berthcheck.seals import seal_rows

    for p in fresh:
        if p["replaced_by"] is None:
            seal_rows(con, p["table"], p["batch_id"])


def _order(p: Piece) -> tuple:
    return (p["batch_id"], -1 if p["replaced_by"] is None else p["replaced_by"])


def table_digest(pieces: list[Piece]) -> str:
    """A table's fingerprint: sha256 over its pieces in (batch, retiring batch) order, one
    line each `batch_id<US>replaced_by<US>rows<US>sha256` (replaced_by empty for inserted
    rows), lines joined by `\\n`. No pieces: sha256 of nothing."""
    lines = [f"{p['batch_id']}\x1f{'' if p['replaced_by'] is None else p['replaced_by']}"
             f"\x1f{p['rows']}\x1f{p['sha256']}" for p in sorted(pieces, key=_order)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def current_rows(pieces: list[Piece]) -> int:
    return sum(p["rows"] if p["replaced_by"] is None else -p["rows"] for p in pieces)


def builtin_summary(con) -> dict:
    """{table: {rows, sha256, max_batch_id}} of the reference tables shipped with berthcheck
    (`*_builtin`, not loaded, so not versioned): small, hashed whole at every check as in v1."""
    out: dict[str, dict] = {}
    with store.in_utc(con):
        for table in store.builtin_tables(con):
            columns = [r[0] for r in store.run(
                con, "SELECT column_name FROM duckdb_columns() WHERE database_name = "
                "current_database() AND schema_name = 'main' AND table_name = ? "
                "ORDER BY column_index", [table])]
            quoted = store.quote_ident(table)
            rows, sha = store.run(
                con, f"SELECT count(*), sha256(coalesce(string_agg(h, ',' ORDER BY h), '')) "  # noqa: S608
                f"FROM (SELECT {content_hash_sql(columns)} AS h FROM {quoted})")[0]
            out[table] = {"rows": rows, "sha256": sha, "max_batch_id": None}
    return out


def summary(pieces_by_table: dict[str, list[Piece]]) -> dict:
    """{table: {rows, sha256, max_batch_id}}: the input part of a v2 manifest and run id.
    `max_batch_id`: the newest batch that inserted or retired rows of the table."""
    out = {}
    for table in sorted(pieces_by_table):
        pieces = pieces_by_table[table]
        batches = [p["batch_id"] for p in pieces] + [
            p["replaced_by"] for p in pieces if p["replaced_by"] is not None]
        out[table] = {"rows": current_rows(pieces), "sha256": table_digest(pieces),
                      "max_batch_id": max(batches) if batches else None}
    return out


def batches_read(con, pieces_by_table: dict[str, list[Piece]]) -> list[dict]:
    """The manifest's `load_batches` (v2): per batch and table, the rows it inserted (count,
    source rows, digest) and what later batches retired of them; `rows` is what is current."""
    log = {b: (kind, source, sha) for b, kind, source, sha in store.run(
        con, "SELECT batch_id, kind, source_file, content_sha256 FROM load_batches")}
    out = []
    for table, pieces in pieces_by_table.items():
        for p in pieces:
            if p["replaced_by"] is not None:
                continue
            gone = [q for q in pieces if q["batch_id"] == p["batch_id"]
                    and q["replaced_by"] is not None]
            kind, source, sha = log.get(p["batch_id"], (None, None, None))
            out.append({
                "batch_id": p["batch_id"], "table": table, "kind": kind, "source_file": source,
                "content_sha256": sha, "rows": p["rows"] - sum(q["rows"] for q in gone),
                "inserted_rows": p["rows"], "source_rows": p["source_rows"],
                "sha256": p["sha256"],
                "replaced": [{"by": q["replaced_by"], "rows": q["rows"],
                              "source_rows": q["source_rows"], "sha256": q["sha256"]}
                             for q in sorted(gone, key=_order)],
            })
    return sorted(out, key=lambda e: (e["batch_id"], e["table"]))
