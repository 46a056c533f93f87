"""The loader's row and content hashes, made outside DuckDB, are DuckDB's (issue 16).

DuckDB makes each staged row's texts and streams them in batches, which
`seals.sha256_columns` (polars-hash) hashes. Every stored `_row_hash` must be DuckDB's sha256 of the row's text
recomputed from the stored values, into an empty table (both hashes in one pass) and into a
filled one (the row hash alone), in many slices as in one.
"""

from __future__ import annotations

import shutil

import duckdb
import polars as pl
import pytest

from berthcheck import store
from berthcheck.demo import load_sample
from berthcheck.ingest import row_hashes
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import load_files
from berthcheck.resources import sample_data_dir
from berthcheck.seals import _content_columns, content_hash_sql, row_text_sql, sha256_columns


def test_sha256_columns_equals_duckdbs_sha256():
    texts = ["", "a", "\x00", "\x1f\x1e", "é and 中文 and 🚢", "x" * 55, "y" * 56, "z" * 64,
             "w" * 1000, None]
    con = duckdb.connect()
    expected = [r[0] for r in con.execute(
        "SELECT sha256(t) FROM unnest(?::VARCHAR[]) WITH ORDINALITY u(t, i) ORDER BY i",
        [texts]).fetchall()]
    hashed = sha256_columns(pl.DataFrame({"t": texts, "k": range(len(texts))}), {"t": "h"})
    assert hashed.columns == ["k", "h"]
    assert hashed["h"].to_list() == expected


@pytest.mark.parametrize("batch_rows", [1, 1_000_000], ids=["many-batches", "one-batch"])
def test_stored_row_hashes_are_duckdbs_over_the_stored_values(tmp_path, monkeypatch,
                                                               batch_rows):
    monkeypatch.setattr(row_hashes, "_HASH_BATCH_ROWS", batch_rows)
    monkeypatch.setattr(store, "SCAN_BATCH_ROWS", 1)  # DuckDB's threads share the scan
    source = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), source, ignore=shutil.ignore_patterns("*-*", "dirty"))
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        load_sample(con, source)  # empty tables: row and content hash in one pass
        # into the filled visits table: the row hash alone (one row changed, one new)
        header, *rows = (source / "visits.csv").read_text(encoding="utf-8").splitlines()
        first = rows[0].split(",")
        first[header.split(",").index("vessel_name")] = "RENAMED"
        new = rows[1].replace("2026-", "2027-").split(",")
        new[0] += "-NEW"
        second = tmp_path / "visits-2.csv"
        second.write_text("\n".join([header, ",".join(first), ",".join(new)]) + "\n",
                          encoding="utf-8")
        assert load_files(con, "visits", [second], replace=True).files[0].inserted == 1
        checked = 0
        for kind in KINDS.values():
            columns = _content_columns(kind)
            with store.in_utc(con):
                rows_, wrong, wrong_seals = store.run(
                    con,
                    f"SELECT count(*), count(*) FILTER (WHERE t._row_hash <> "  # noqa: S608
                    f"sha256({row_text_sql(columns, 't')})), "
                    f"count(*) FILTER (WHERE s.content_hash <> {content_hash_sql(columns, 't')}"
                    f" OR s.row_hash <> t._row_hash) "
                    f"FROM {kind.table}_versions t JOIN input_seals s "
                    f"ON s.table_name = '{kind.table}' AND s.batch_id = t._batch_id "
                    f"AND s.source_row = t._source_row")[0]
            assert (wrong, wrong_seals) == (0, 0), kind.name
            checked += rows_
        assert checked > 20
    finally:
        con.close()


def test_hashes_in_another_order_than_the_frames_are_refused():
    con = duckdb.connect()
    rows = pl.Series(row_hashes.ROW, [2, 3, 4], dtype=pl.Int64)
    texts = "SELECT * FROM (VALUES (2, 'a'), (3, 'b'), (4, 'c')) t(_source_row, _row_text)"
    names = {"_row_text": "_row_hash"}
    hashed = row_hashes.hashed_batches(con, texts, names, rows)
    assert hashed is not None and hashed.columns == ["_row_hash"]
    assert hashed["_row_hash"].to_list() == [
        con.execute(f"SELECT sha256('{t}')").fetchall()[0][0] for t in "abc"]
    assert row_hashes.hashed_batches(con, texts + " ORDER BY 1 DESC", names, rows) is None
    assert row_hashes.hashed_batches(con, texts + " LIMIT 2", names, rows) is None
    none = row_hashes.hashed_batches(con, texts + " LIMIT 0", names, rows.head(0))
    assert none is not None and none.height == 0 and none.schema == {"_row_hash": pl.Utf8}


def _classified_by_every_stored_row(con, hashed: pl.DataFrame, kind) -> pl.DataFrame:
    """`classify` as it was: every current stored row fetched and joined on the keys."""
    keys = [k.replace("-", "_") for k in kind.key]
    stored = store.fetch_polars(
        con, f"SELECT {', '.join(keys)}, _row_hash AS _stored_hash, _source_file AS _stored_file, "  # noqa: S608
        f"_source_row AS _stored_row, _batch_id AS _stored_batch FROM {kind.table}")
    status = (pl.when(pl.col("_stored_hash").is_null()).then(pl.lit("new"))
              .when(pl.col("_stored_hash") == pl.col("_row_hash")).then(pl.lit("unchanged"))
              .otherwise(pl.lit("changed")))
    return hashed.join(stored, on=keys, how="left", nulls_equal=True).with_columns(
        status.alias("_status")).sort("_source_row")


@pytest.mark.parametrize("kind_name", ["visits", "allowances"])
def test_classify_fetches_the_stored_rows_of_the_files_keys_only(tmp_path, kind_name):
    """A file's rows are compared with the stored rows of their keys only (exact keys, a
    NULL key part matching a NULL, as the join matches them): new, unchanged and changed rows
    come out as when every stored row was fetched, which cost a million visits' hashes for a
    month of new ones."""
    kind = KINDS[kind_name]
    source = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), source, ignore=shutil.ignore_patterns("*-*", "dirty"))
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        load_sample(con, source)
        rows = store.fetch_polars(con, f"SELECT * EXCLUDE (_batch_id, _replaced_by, _row_hash) "  # noqa: S608
                                       f"FROM {kind.table} ORDER BY _source_row")
        assert rows.height >= 3
        keys = [k.replace("-", "_") for k in kind.key]
        # rows with an empty key part first (allowances' port): they must match theirs
        rows = rows.sort(pl.any_horizontal(pl.col(keys).is_null()), descending=True,
                         maintain_order=True)
        changed = [c for c in rows.columns if c not in keys and rows.schema[c] == pl.Utf8
                   and not c.startswith("_")][0]
        staged = pl.concat([
            rows.head(1),  # as stored: unchanged
            rows.slice(1, 1).with_columns(pl.lit("other").alias(changed)),  # changed
            rows.slice(2, 1).with_columns(pl.col(keys[0]).cast(pl.Utf8) + "-NEW"
                                          if rows.schema[keys[0]] == pl.Utf8 else
                                          pl.col(keys[0]) + 1000),  # new
        ]).with_columns(pl.int_range(2, 5, dtype=pl.Int64).alias("_source_row"))
        hashed = row_hashes.hash_rows(con, staged, kind)
        classified = row_hashes.classify(con, hashed, kind)
        assert classified.equals(_classified_by_every_stored_row(con, hashed, kind))
        assert classified["_status"].to_list() == ["unchanged", "changed", "new"]
        if kind_name == "allowances":  # a key with an empty part: matched to its stored row
            assert staged.head(2).select(pl.any_horizontal(pl.col(keys).is_null()).all()).item()
    finally:
        con.close()


def test_classify_into_an_empty_table_asks_nothing_and_types_as_the_query(tmp_path, monkeypatch):
    """Into a table with no current row every row is new: classify then runs no query for the
    stored versions of the file's keys (a small load's planning), and its frame is the one the
    query's empty answer gave, to the column and the type."""
    kind = KINDS["visits"]
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        staged = pl.DataFrame({"visit_id": ["V1", "V2"], "_source_row": [2, 3],
                               "_row_hash": ["a" * 64, "b" * 64]})
        asked = row_hashes.store.fetch_polars(
            con, "SELECT visit_id, _row_hash AS _stored_hash, _source_file AS _stored_file, "
            "_source_row AS _stored_row, _batch_id AS _stored_batch FROM visits")
        real_fetch = row_hashes.store.fetch_polars
        monkeypatch.setattr(row_hashes.store, "fetch_polars",
                            lambda *a, **k: pytest.fail("asked for stored rows"))
        empty = row_hashes._stored_versions_of(con, staged, kind, ["visit_id"], False)
        assert empty.schema == asked.schema and empty.height == 0
        classified = row_hashes.classify(con, staged, kind)
        assert classified["_status"].to_list() == ["new", "new"]
        monkeypatch.setattr(row_hashes.store, "fetch_polars", real_fetch)
        assert classified.equals(_classified_by_every_stored_row(con, staged, kind))
    finally:
        con.close()


def _content_text_with_case(columns: list[str], alias: str = "") -> str:
    """`seals.content_text_sql` as it was written before (issue 16): a CASE per column."""
    prefix = f"{alias}." if alias else ""
    parts = ", ".join(
        f"CASE WHEN {prefix}{store.quote_ident(c)} IS NOT NULL THEN '{c}' || chr(31) || "
        f"CAST({prefix}{store.quote_ident(c)} AS VARCHAR) END" for c in columns)
    return f"concat_ws(chr(30), {parts})"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _four_rows(con, kind) -> tuple[list[str], pl.DataFrame]:
    """`kind`'s content columns and four rows of them, each column of its stored type: NULLs,
    zeroes, fractions, instants with microseconds, dates, booleans and text with quotes,
    separators and non-ASCII letters; in the loader's own dtypes (integers as Int64, cast
    again; the rest as stored)."""
    columns = _content_columns(kind)
    types = {c: store.scalar(
        con, "SELECT data_type FROM duckdb_columns() WHERE table_name = ? "
        "AND column_name = ?", [f"{kind.table}_versions", c]) for c in columns}
    values = {
        "VARCHAR": ["a'b", None, "\x1f\x1e é 中", ""],
        "DOUBLE": [0.0, None, 1234.5, 1e21],
        "INTEGER": [0, None, -3, 2_000_000_000],
        "BIGINT": [0, None, -3, 2_000_000_000],
        "BOOLEAN": [True, None, False, True],
        "DATE": [None, "2026-10-01", "1999-12-31", "2100-01-01"],
        "TIMESTAMP WITH TIME ZONE": ["2026-10-01 06:00:00.123456+00", None,
                                     "1990-01-01 00:00:00+00", "2026-03-08 10:00+00"],
    }
    rows = [", ".join(
        f"CAST({'NULL' if v is None else v if isinstance(v, (int, float, bool)) else _quoted(v)} "
        f"AS {types[c]}) AS {store.quote_ident(c)}"
        for c in columns for v in [values[types[c]][i]]) for i in range(4)]
    frame = store.fetch_polars(con, " UNION ALL ".join(
        f"SELECT {i + 2} AS _source_row, {r}" for i, r in enumerate(rows)))
    return columns, frame.with_columns(pl.col(pl.Int32).cast(pl.Int64))


def test_texts_are_the_same_without_case_and_without_casts_that_change_nothing(tmp_path):
    """The content text's parts are `'name<US>' || value` (NULL for a NULL value, which
    concat_ws leaves out) instead of a CASE per column, and a staged column already of its
    stored type is not cast again (`seals._typed_columns_sql`): cheaper statements to plan,
    the same texts, byte for byte, as every column cast and every part a CASE, for every kind,
    with NULLs, zeroes, fractions, instants with microseconds, dates, booleans and text with
    quotes, separators and non-ASCII letters."""
    from berthcheck import seals

    con = store.connect(tmp_path / "bc.duckdb")
    try:
        checked = 0
        for kind in KINDS.values():
            columns, frame = _four_rows(con, kind)
            store.register(con, "_t", frame)
            try:
                with store.in_utc(con):
                    new = store.run(con, seals.texts_sql(kind, "_t", content=True,
                                                         schema=frame.schema))
                    typed = seals._typed_columns_sql(kind, "_t", ["_source_row"])
                    old = store.run(
                        con, f"SELECT t._source_row, {row_text_sql(columns, 't')}, "  # noqa: S608
                        f"{_content_text_with_case(columns, 't')} FROM ({typed}) t")
            finally:
                con.unregister("_t")
            assert new == old, kind.name
            assert any(t and "\x1f" in t for r in new for t in r[1:])
            checked += 1
        assert checked == len(KINDS)
    finally:
        con.close()


def test_texts_written_as_one_concat_are_the_texts_of_concat_ws(tmp_path):
    """Where the loader knows which columns of its frame hold no NULL (`seals.filled_columns`),
    the row and content texts are written as one `concat` each, a value that cannot be NULL
    without its own `||` part (`seals._concatenated`): the same texts, byte for byte, as
    concat_ws writes them, for every kind, whichever columns hold a NULL (each row alone, every
    pair of rows, all four), a first column NULL or not, sparse columns empty or not."""
    from itertools import combinations

    from berthcheck import seals

    con = store.connect(tmp_path / "bc.duckdb")
    try:
        checked = concats = 0
        for kind in KINDS.values():
            columns, whole = _four_rows(con, kind)
            for picked in [*combinations(range(4), 1), *combinations(range(4), 2), range(4)]:
                frame = whole[list(picked)]
                filled = seals.filled_columns(frame)
                store.register(con, "_t", frame)
                try:
                    with store.in_utc(con):
                        new_sql = seals.texts_sql(kind, "_t", content=True,
                                                  schema=frame.schema, filled=filled)
                        new = store.run(con, new_sql)
                        old = store.run(con, seals.texts_sql(kind, "_t", content=True,
                                                             schema=frame.schema))
                        rows_only = store.run(con, seals.texts_sql(
                            kind, "_t", content=False, schema=frame.schema, filled=filled))
                        content_only = store.run(con, seals.texts_sql(
                            kind, "_t", content=True, row=False, schema=frame.schema,
                            filled=filled))
                finally:
                    con.unregister("_t")
                assert new == old, (kind.name, picked)
                assert [r[:2] for r in old] == rows_only, (kind.name, picked)
                assert [(r[0], r[2]) for r in old] == content_only, (kind.name, picked)
                concats += new_sql.count("concat(")
                checked += 1
        assert checked == 11 * len(KINDS)
        assert concats > 11 * len(KINDS)  # the content text too, where its first column is set
    finally:
        con.close()


def test_an_instant_written_by_the_utc_shortcut_is_its_cast_in_utc(tmp_path):
    """The loader's texts write an instant from its microseconds as a plain timestamp and
    `+00` (`seals._value_text`), not by DuckDB's cast in the session zone UTC, which reads the
    time zone library's calendar for every value: the same text, byte for byte, for instants
    to the microsecond, the second and the minute over every year the loader takes (and a
    margin each side), the years' edges, and NULL."""
    from berthcheck import seals
    from berthcheck.ingest.kinds import YEAR_MAX, YEAR_MIN

    con = store.connect(tmp_path / "bc.duckdb")
    try:
        first = store.scalar(con, f"SELECT epoch_us(TIMESTAMPTZ '{YEAR_MIN - 2}-01-01 00:00+00')")
        span = store.scalar(con, "SELECT epoch_us(TIMESTAMPTZ "
                                 f"'{YEAR_MAX + 3}-01-01 00:00+00') - {first}")
        store.run(con, "SELECT setseed(0.16)")
        store.run(con, f"""CREATE TEMP TABLE instants AS
            SELECT make_timestamptz({first} + CAST(floor(random() * {span}) AS BIGINT)) AS ts
            FROM range(200000)
            UNION ALL SELECT make_timestamptz({first} + CAST(floor(random() * {span} / 1e6)
                                                              AS BIGINT) * 1000000)
            FROM range(50000)
            UNION ALL SELECT make_timestamptz({first} + CAST(floor(random() * {span} / 6e7)
                                                              AS BIGINT) * 60000000)
            FROM range(50000)
            UNION ALL SELECT make_timestamptz(epoch_us(TIMESTAMPTZ '{YEAR_MIN}-01-01 00:00+00')
                                              + d) FROM (VALUES (-1), (0), (1), (999999)) v(d)
            UNION ALL SELECT make_timestamptz(epoch_us(TIMESTAMPTZ '{YEAR_MAX + 1}-01-01 00:00+00')
                                              + d) FROM (VALUES (-1), (0), (1)) v(d)
            UNION ALL SELECT NULL""")  # noqa: S608 - our numbers
        shortcut = seals._value_text("", "ts", True)
        rows, differ, nulls = store.run(
            con, f"SELECT count(*), count(*) FILTER (WHERE CAST(ts AS VARCHAR) IS DISTINCT FROM "  # noqa: S608
                 f"{shortcut}), count(*) FILTER (WHERE {shortcut} IS NULL) FROM instants")[0]
        assert (rows, differ, nulls) == (300008, 0, 1)
    finally:
        con.close()
