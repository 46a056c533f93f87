"""The loader's fast paths make exactly what the slow ones made (issue 16, loader pass).

* Seals and the inserted batch digest are made from the rows as they are inserted (both hashes
  in one pass into an empty table, the content hash alone into a table that has rows), not read
  back from the table: every seal must equal its stored row's hashes recomputed from the stored
  values, and every stored digest the digest made from the stored rows.
* Frames handed to DuckDB in several record batches (so its threads share the hashing and
  the inserts) give the same hashes, seals, digests and row order as one batch.
* Timestamps shaped "YYYY-MM-DD HH:MM" are parsed with that one format: the full expressions
  must give the same value for every such cell, valid or not.
"""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from berthcheck import fingerprints, store
from berthcheck.demo import load_sample
from berthcheck.fingerprints import table_pieces
from berthcheck.ingest.coerce import _TS_FORMATS, _odd_parts
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import load_files
from berthcheck.resources import sample_data_dir
from berthcheck.seals import _content_columns, content_hash_sql


@pytest.mark.parametrize("batched", [False, True], ids=["one-batch", "small-batches"])
def test_seals_and_digests_made_at_load_equal_those_made_from_the_stored_rows(
        tmp_path, monkeypatch, batched):
    if batched:  # the sample's few rows cut as a million rows are: many batches and slices
        monkeypatch.setattr(store, "SCAN_BATCH_ROWS", 2)
        monkeypatch.setattr(store, "INSERT_BATCH_ROWS", 3)
        monkeypatch.setattr(fingerprints, "_LINES_PER_UPDATE", 2)
    source = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), source, ignore=shutil.ignore_patterns("*-*", "dirty"))
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        load_sample(con, source)  # every table empty before its load: both hashes in one pass
        # a second visits file into the filled table (content hash made when sealing): one row
        # changed (replaced), one new, one as it was
        header, *rows = (source / "visits.csv").read_text(encoding="utf-8").splitlines()
        first = rows[0].split(",")
        first[header.split(",").index("vessel_name")] = "RENAMED, LATER"
        new = rows[1].replace("2026-", "2027-").split(",")  # a year later: no overlap
        new[0] = new[0] + "-NEW"
        second = tmp_path / "visits-2.csv"
        second.write_text("\n".join([header, '"' + '","'.join(first) + '"',
                                     ",".join(new), rows[2]]) + "\n", encoding="utf-8")
        report = load_files(con, "visits", [second], replace=True)
        assert (report.files[0].inserted, report.files[0].replaced,
                report.files[0].unchanged) == (1, 1, 1)

        for kind in KINDS.values():
            recomputed = content_hash_sql(_content_columns(kind), "t")
            with store.in_utc(con):
                wrong, sealed, stored = store.run(
                    con,
                    f"SELECT coalesce(count_if(s.content_hash IS DISTINCT FROM {recomputed} "  # noqa: S608
                    "OR s.row_hash IS DISTINCT FROM t._row_hash), 0), count(s.batch_id), count(*) "
                    f"FROM {kind.table}_versions t LEFT JOIN input_seals s "
                    f"ON s.table_name = '{kind.table}' AND s.batch_id = t._batch_id "
                    "AND s.source_row = t._source_row")[0]
            assert (wrong, sealed) == (0, stored), kind.table
            # rows are stored in the order of the file, batch by batch
            order = store.run(con, f"SELECT _batch_id, _source_row FROM {kind.table}_versions "  # noqa: S608
                                   "ORDER BY rowid")
            assert order == sorted(order), kind.table
        at_load, _ = table_pieces(con)
        from_rows, _ = table_pieces(con, stored=False)
        assert at_load == from_rows
        assert len(at_load["visits"]) == 3  # sample batch, its retired row, the second batch
    finally:
        con.close()


def test_plain_timestamps_parse_as_the_full_expressions_parse_them():
    cells = ["2026-10-03 14:20", "2026-02-30 10:00", "2026-10-03 24:00", "2026-13-01 00:00",
             "1999-12-31 23:59", "2026-03-08 02:30", "0000-01-01 00:00", None]
    text = pl.Series("t", cells, dtype=pl.Utf8)
    full = _odd_parts(text)
    assert full["__wall"].equals(text.str.strptime(pl.Datetime("us"), _TS_FORMATS[2],
                                                   strict=False))
    assert full["__off"].null_count() == len(cells)
    assert full["__off_ok"].null_count() == len(cells)
    assert full["__wall"].null_count() == 4  # the three impossible times, and the empty cell


_LA, _AMS = "America/Los_Angeles", "Europe/Amsterdam"


@pytest.mark.parametrize(("cells", "zones", "fast"), [
    # the commonest column: one port's local times to the minute, some blank
    (["2026-10-03 14:20", " 2026-10-04 08:05 ", None, "   ", "2026-11-01 00:59"], [_LA] * 5, True),
    # two ports' zones, and a zone left unknown on a blank cell only
    (["2026-10-03 14:20", "2026-10-03 14:20", None, "2026-06-30 23:59"], [_LA, _AMS, None, _AMS],
     True),
    ([None, "  ", None], [_LA, None, _AMS], True),  # every cell blank
    ([], [], True),  # no rows
    # each of these needs a reason or an offset: typed in full, with its message
    (["2026-10-03 14:20", "2026-11-01 01:30"], [_LA, _LA], False),  # the repeated hour
    (["2026-03-08 02:30", "2026-10-03 14:20"], [_LA, _LA], False),  # the hour that never is
    (["2026-10-03 14:20", "2026-03-29 02:30"], [_LA, _AMS], False),  # a gap in the second zone
    (["2026-10-03 14:20", "2026-10-03 15:20"], [_LA, None], False),  # the zone unknown
    (["2026-10-03 14:20", "2026-02-30 10:00"], [_LA, _LA], False),  # no such day
    (["2026-10-03 14:20", "2026-10-03T14:20:00-07:00"], [_LA, _LA], False),  # an offset
    (["2026-10-03 14:20", "2026-10-03 14:20:30"], [_LA, _LA], False),  # seconds
    (["2026-10-03 14:20", "10/03/2026 14:20"], [_LA, _LA], False),  # a spreadsheet's locale
    (["2026-10-03 2:20 PM"], [_LA], False),
])
def test_plain_time_columns_are_typed_as_the_full_typing_types_them(cells, zones, fast):
    """A column whose every cell is blank or "YYYY-MM-DD HH:MM" existing once in its zone is
    typed in two queries (`_plain_timestamps`); any other column is left to the full typing,
    which gives its values and every reason. Both must give the same frame, to the byte."""
    from berthcheck.ingest.coerce import (
        ERR,
        TZ,
        _coerce_timestamp,
        _coerce_timestamp_full,
        _plain_timestamps,
    )

    frame = pl.DataFrame({"at": pl.Series(cells, dtype=pl.Utf8),
                          TZ: pl.Series(zones, dtype=pl.Utf8)})
    assert (_plain_timestamps(frame, "at") is not None) is fast
    full = _coerce_timestamp_full(frame, "at")
    typed = _coerce_timestamp(frame, "at")
    assert typed.schema == full.schema
    assert typed.equals(full)
    if fast:
        assert full[ERR + "at"].null_count() == len(cells)  # no cell has a reason


def test_a_large_time_column_is_typed_once(monkeypatch):
    """From _FAST_PATH_ROWS rows a column goes straight to the full typing: the two-query path
    gains nothing on a large column, and where it cannot answer (at a million visits some cell
    always has an offset or falls in a clock-change hour) the column was typed twice, ~0.6 s a
    column more in the benchmark's load (docs/scaling.md, twenty-third session)."""
    from berthcheck.ingest import coerce

    def refuse(frame, name):
        raise AssertionError("the fast path was tried on a large column")

    monkeypatch.setattr(coerce, "_plain_timestamps", refuse)
    rows = coerce._FAST_PATH_ROWS
    frame = pl.DataFrame({"at": ["2026-10-03 14:20"] * rows,
                          coerce.TZ: ["America/Los_Angeles"] * rows})
    typed = coerce._coerce_timestamp(frame, "at")
    assert typed["at"].null_count() == 0 and typed[coerce.ERR + "at"].null_count() == rows
