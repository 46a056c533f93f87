"""The loader's fast paths make exactly what the slow ones made (issue 16, loader pass).

* Seals and the inserted batch digest are made from the rows as they are inserted (both hashes
  in one pass into an empty table, the content hash alone into a table that has rows), not read
  back from the table: every seal must equal its stored row's hashes recomputed from the stored
  values, and every stored digest the digest made from the stored rows.
* Frames handed to DuckDB in several record batches (so its threads share the hashing and
  the inserts) give the same hashes, seals, digests and row order as one batch.
* Timestamps shaped "YYYY-MM-DD HH:MM" are parsed with that one format, and ISO 8601 instants
  to the second with 'Z' or "+hh:mm" cut by place: the full expressions must give the same
  value for every such cell, valid or not. A column is typed in one pass; only its cells that
  need a reason are typed in full, and the column must equal the full typing's.
"""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berthcheck import fingerprints, store
from berthcheck.demo import load_sample
from berthcheck.fingerprints import table_pieces
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import load_files
from berthcheck.ingest.timestamps import _TS_FORMATS, _odd_parts
from berthcheck.resources import sample_data_dir
from berthcheck.seals import _content_columns, content_hash_sql
from tests.conftest import copy_store


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
        at_load, fresh = table_pieces(con)
        from_rows, _ = table_pieces(con, stored=False)
        assert at_load == from_rows
        assert fresh == []  # every piece was digested at load, none left for a check
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


_LA, _AMS, _KOL = "America/Los_Angeles", "Europe/Amsterdam", "Asia/Kolkata"


def _typings(cells, zones):
    """(the typing a load uses, the full typing) of one column."""
    from berthcheck.ingest.timestamps import TZ, _coerce_timestamp, _coerce_timestamp_full

    frame = pl.DataFrame({"at": pl.Series(cells, dtype=pl.Utf8),
                          TZ: pl.Series(zones, dtype=pl.Utf8)})
    return frame, _coerce_timestamp(frame, "at"), _coerce_timestamp_full(frame, "at")


_HAND_CASES = [
    # the commonest column: one port's local times to the minute, some blank
    (["2026-10-03 14:20", " 2026-10-04 08:05 ", None, "   ", "2026-11-01 00:59"], [_LA] * 5, True),
    # two ports' zones, and a zone left unknown on a blank cell only
    (["2026-10-03 14:20", "2026-10-03 14:20", None, "2026-06-30 23:59"], [_LA, _AMS, None, _AMS],
     True),
    ([None, "  ", None], [_LA, None, _AMS], True),  # every cell blank
    ([], [], True),  # no rows
    # instants with an offset, in every form the full typing reads, mixed with local times
    (["2026-10-03 14:20", "2026-10-03T14:20:00-07:00", "2026-10-03T21:20:00Z",
      "2026-10-03t21:20:00z", "2026-10-03 14:20:00+05:30", "2026-10-03T14:20-0800",
      "2026-10-03T14:20:00.250-07:00", "2026-10-03 14:20:30", "2026-10-03T14:20Z",
      " 2026-10-03T14:20:00 +01:00 ", "2026-10-03T14:20:00+14:59", "2026-10-03T14:20:00-14:00"],
     [_LA] * 12, True),
    # an offset needs no zone, and a clock-change hour with an offset is an instant
    (["2026-11-01T01:30:00-07:00", "2026-11-01T01:30:00-08:00", "2026-03-08T02:30:00Z"],
     [None, _LA, None], True),
    (["2026-10-25 02:30", "2026-10-03T14:20:00+05:30"], [_KOL, _AMS], True),
    # each of these needs a reason: those cells are typed in full, with their messages
    (["2026-10-03 14:20", "2026-11-01 01:30"], [_LA, _LA], False),  # the repeated hour
    (["2026-03-08 02:30", "2026-10-03 14:20"], [_LA, _LA], False),  # the hour that never is
    (["2026-10-03 14:20", "2026-03-29 02:30"], [_LA, _AMS], False),  # a gap in the second zone
    (["2026-10-03 14:20", "2026-10-03 15:20"], [_LA, None], False),  # the zone unknown
    (["2026-10-03 14:20", "2026-02-30 10:00"], [_LA, _LA], False),  # no such day
    (["2026-10-03T14:20:00Z", "2026-02-30T10:00:00Z"], [_LA, _LA], False),  # nor with an offset
    (["2026-10-03 14:20", "10/03/2026 14:20"], [_LA, _LA], False),  # a spreadsheet's locale
    (["2026-10-03 2:20 PM"], [_LA], False),
    # offsets out of range, beside good ones
    (["2026-10-03T14:20:00+15:00", "2026-10-03T14:20:00Z", "2026-10-03T14:20:00-07:60",
      "2026-10-03T14:20+1500"], [_LA] * 4, False),
    # the repeated hour's example offsets are read off its first cell, among offset cells
    (["2026-10-03T14:20:00Z", "2026-10-25 02:30", "2026-11-01 01:30", "2026-10-25 02:10",
      "2026-10-03T14:20:00-07:00", "2026-03-29 02:30"], [_LA, _AMS, _LA, _AMS, _LA, _AMS], False),
]


@pytest.mark.parametrize(("cells", "zones", "fast"), _HAND_CASES)
def test_time_columns_are_typed_as_the_full_typing_types_them(cells, zones, fast):
    """One pass types every cell, with or without an offset; only the cells that need a
    reason (none in `fast` columns) are typed in full, which gives their every message. The
    column must be the full typing's, to the byte."""
    from berthcheck.ingest.timestamps import ERR, _timestamp_pass

    frame, typed, full = _typings(cells, zones)
    assert (_timestamp_pass(frame, "at")[1] is None) is fast
    assert typed.schema == full.schema
    assert typed.equals(full)
    if fast:
        assert full[ERR + "at"].null_count() == len(cells)  # no cell has a reason


# Cells built as exports and people write them: dates valid or not (clock-change days among
# them), 'T', 't' or ' ', minutes, seconds or fractions, every offset form and near misses.
_DATES = st.sampled_from(["2026-10-03", "2026-11-01", "2026-03-08", "2026-03-29", "2026-10-25",
                          "2026-02-30", "2026-13-01", "2024-02-29", "0000-01-01", "2026-1-03"])
_TIMES = st.sampled_from(["14:20", "01:30", "02:30", "00:00", "23:59", "24:00", "14:20:00",
                          "01:30:59", "02:10:00", "23:59:60", "14:20:00.5", "14:20:00.123456",
                          "14:60:00", "1:30", "14:20:0"])
_OFFSETS = st.sampled_from(["", "", "Z", "z", "+00:00", "-07:00", "-08:00", "+05:30", "+0530",
                            "-0800", "+14:59", "-14:00", "+15:00", "+14:60", "-07:60", " +01:00",
                            " Z", "+5:30", "+05", "ZZ"])
_CELL = st.one_of(
    st.builds(lambda pad, d, sep, t, o: f"{pad}{d}{sep}{t}{o}{pad}", st.sampled_from(["", " "]),
              _DATES, st.sampled_from([" ", " ", "T", "t", "x", "  "]), _TIMES, _OFFSETS),
    st.sampled_from(["", "   ", "10/03/2026 14:20", "2026-10-03 2:20 PM", "2026-10-03", "n/a",
                     "2026-10-03T14:20:00-07:00", "2026-10-03 14:20"]),
    st.none(),
    st.text(max_size=8),
)


_ROW = st.tuples(_CELL, st.sampled_from([_LA, _AMS, _KOL, None]))


# A column of random rows, made of up to 12 runs of up to 12 rows each: the typing is one pass
# over the column whatever its length (below _PLANNED_ROWS), so a run of the test costs about
# the same ~20 ms of polars calls for 1 row as for 100. 100 such columns hold about as many
# cells as the 300 columns of up to 12 rows this test drew before (about 1 800-2 300), each
# column mixing more shapes and zones (the cells that need a reason among those that do not),
# for a third of the calls (about 5 -> 3 CPU s; issue 16, the suite's repeated work). Short
# and empty columns are still drawn (no run, or short runs), and the hand cases above keep
# every shape the fast paths cut by place.
_COLUMN = st.lists(st.lists(_ROW, max_size=12), min_size=1, max_size=12).map(
    lambda runs: [row for run in runs for row in run])


@given(_COLUMN)
@settings(max_examples=100, deadline=None)
def test_random_time_columns_are_typed_as_the_full_typing_types_them(rows):
    from berthcheck.ingest.timestamps import TZ, _clean, _odd_parts, _timestamp_parts

    cells = [c for c, _ in rows]
    frame, typed, full = _typings(cells, [z for _, z in rows])
    assert typed.equals(full)
    # the parts cut out by shape are those the complete expressions find, cell by cell
    parts = _timestamp_parts(frame, "at")
    reference = _odd_parts(frame.select(_clean("at")).to_series())
    for column in ("__wall", "__off", "__off_ok"):
        assert parts[column].equals(reference[column]), column
    assert parts[TZ].equals(frame[TZ])


def test_the_sample_time_columns_are_typed_in_one_pass(tmp_path, monkeypatch):
    """The sample folders' time columns (visits.csv mixes offsets and 'Z' into local times)
    are typed without the full typing: none of their cells needs a reason."""
    from berthcheck.ingest import timestamps

    def refuse(frame, name):
        raise AssertionError(f"{name} was typed in full")

    monkeypatch.setattr(timestamps, "_coerce_timestamp_full", refuse)
    for folder in (sample_data_dir(), sample_data_dir() / "eu-rotterdam-2030-06",
                   sample_data_dir() / "cn-shanghai-2026-10"):
        con = store.connect(tmp_path / f"{folder.name}.duckdb")
        try:
            load_sample(con, folder)
        finally:
            con.close()


def test_a_large_time_column_is_typed_once(monkeypatch):
    """A large column is typed in one pass; a cell that needs a reason (at a million visits
    some cell of every column is in a clock-change hour) sends that cell alone to the full
    typing, never the column: a column typed again in full cost ~0.6 s more in the benchmark's
    load (docs/scaling.md, twenty-third session)."""
    from berthcheck.ingest import timestamps

    full = timestamps._coerce_timestamp_full
    typed_in_full = []

    def record(frame, name):
        typed_in_full.append(frame.height)
        return full(frame, name)

    monkeypatch.setattr(timestamps, "_coerce_timestamp_full", record)
    rows = 20_000
    cells = ["2026-10-03 14:20", "2026-10-03T14:20:00-07:00"] * (rows // 2)
    cells[7], cells[12_345] = "2026-11-01 01:30", "2026-03-08 02:30"  # a repeated hour, a gap
    frame = pl.DataFrame({"at": cells, timestamps.TZ: ["America/Los_Angeles"] * rows})
    typed = timestamps._coerce_timestamp(frame, "at")
    assert typed_in_full == [2]
    assert typed.equals(full(frame, "at"))
    assert typed["at"].null_count() == 2 and typed[timestamps.ERR + "at"].null_count() == rows - 2


def test_a_large_column_of_every_shape_is_typed_as_the_full_typing_types_it():
    """From _PLANNED_ROWS rows the pass masks the plain format's parse and plans its query:
    the hand cases' cells and zones, repeated past that size, give the full typing's column."""
    from berthcheck.ingest import timestamps

    cells = [cell for case in _HAND_CASES for cell in case[0]]
    zones = [zone for case in _HAND_CASES for zone in case[1]]
    times = timestamps._PLANNED_ROWS // len(cells) + 1
    frame, typed, full = _typings(cells * times, zones * times)
    assert frame.height >= timestamps._PLANNED_ROWS
    assert typed.equals(full)
    assert typed[timestamps.ERR + "at"].null_count() < frame.height  # some cells have reasons


def test_rows_loaded_into_a_filled_table_are_sealed_without_duckdbs_sha256(sample_month, tmp_path,
                                                                         monkeypatch):
    """Into a table that has rows (a second month's file), the content hash of the rows
    inserted is made as into an empty one (DuckDB's texts, hashed by polars), not by DuckDB's
    sha256 over the inserted rows, three times the CPU; a file of mostly new keys has both
    hashes' texts made in one pass, as into an empty table (a file of mostly stored keys
    gets the content hash of its inserted rows alone, the test above). The seals equal those
    made from the stored rows."""
    from berthcheck import seals
    from berthcheck.ingest import load as load_module

    # the sample month loaded (conftest's `sample_month`, a copy): the table filled
    con = store.connect(copy_store(sample_month, tmp_path / "bc.duckdb"))
    try:
        header, *rows = (sample_data_dir() / "visits.csv").read_text(encoding="utf-8").splitlines()
        later = tmp_path / "visits-later.csv"
        later.write_text("\n".join([header] + [
            r.replace("2026-", "2027-").replace(r.split(",")[0], r.split(",")[0] + "-L", 1)
            for r in rows[:3]]) + "\n", encoding="utf-8")

        def refuse(*args, **kwargs):
            raise AssertionError("content hash made by DuckDB's sha256")

        def not_again(*args, **kwargs):
            raise AssertionError("a second pass of DuckDB's casts for the content hashes")

        monkeypatch.setattr(seals, "content_hash_sql", refuse)
        # the file's keys are new: both hashes in the one pass, as into an empty table
        monkeypatch.setattr(load_module, "content_hashes", not_again)
        report = load_files(con, "visits", [later])
        assert report.files[0].inserted == 3
        monkeypatch.undo()
        recomputed = content_hash_sql(_content_columns(KINDS["visits"]), "t")
        with store.in_utc(con):
            wrong, sealed = store.run(
                con, f"SELECT count_if(s.content_hash IS DISTINCT FROM {recomputed}), count(*) "  # noqa: S608
                "FROM visits_versions t JOIN input_seals s ON s.table_name = 'visits' "
                "AND s.batch_id = t._batch_id AND s.source_row = t._source_row "
                f"WHERE t._batch_id = {report.files[0].batch_id}")[0]
        assert (wrong, sealed) == (0, 3)
    finally:
        con.close()


def test_a_file_of_sessions_fetches_the_zones_of_its_own_visits_only(sample_month, tmp_path):
    """A sessions or events file's rows take their zone from their stored visit: only the
    visits the file names are fetched (exact ids; a blank or unknown id matches none), not
    every stored visit for a file of a few rows."""
    from berthcheck.ingest.prepare import _visit_zones

    con = store.connect(copy_store(sample_month, tmp_path / "bc.duckdb"))  # the sample month
    try:
        first, second = (r[0] for r in store.run(
            con, "SELECT visit_id FROM visits ORDER BY visit_id LIMIT 2"))
        asked = pl.Series([second, first, None, "NO-SUCH-VISIT", first.lower(), second])
        zones = _visit_zones(con, asked).sort("__visit")
        assert zones["__visit"].to_list() == sorted([first, second])
        assert zones["_known_visit"].to_list() == [True, True]
        assert zones["_tz"].to_list() == [r[0] for r in store.run(
            con, "SELECT p.timezone FROM visits v JOIN ports p ON p.port = v.port "
                 "WHERE v.visit_id IN (?, ?) ORDER BY v.visit_id", [first, second])]
    finally:
        con.close()


def test_a_small_load_asks_each_thing_of_the_store_once(tmp_path, monkeypatch):
    """A small load's cost is mostly DuckDB planning its statements: the next batch id, the
    session zone and whether the kind's table has rows are asked once per load (they were
    asked two or three times; the seals, made from hashes, read no zone), a file's overlap
    pre-check asks nothing of an empty table, and whether the same file was loaded before
    only when no row is inserted. The rows loaded are those the statements decide (the same
    file's second and third loads change nothing)."""
    from tests.conftest import good_visit, write_csv

    con = store.connect(tmp_path / "bc.duckdb")
    asked: list[str] = []
    real_run = store.run
    monkeypatch.setattr(store, "run", lambda con, sql, *a, **k: asked.append(sql)
                        or real_run(con, sql, *a, **k))
    try:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])])
        assert sum("max(batch_id)" in s for s in asked) == 1
        assert sum("EXISTS (SELECT 1 FROM visits_versions" in s for s in asked) == 1
        assert sum("current_setting('TimeZone')" in s for s in asked) == 1
        assert not [s for s in asked if "content_sha256 = ?" in s]
        session = {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-01 09:00",
                   "disconnected": "2026-10-02 09:00", "energy_kwh": "1200"}
        sp = write_csv(tmp_path / "sp.csv", [session])
        for times in range(3):
            asked.clear()
            report = load_files(con, "shore-power", [sp])
            assert report.files[0].inserted == (1 if times == 0 else 0)
            assert report.files[0].unchanged == (0 if times == 0 else 1)
            assert sum("max(batch_id)" in s for s in asked) == 1
        assert store.scalar(con, "SELECT count(*) FROM load_batches") == 2
    finally:
        con.close()
