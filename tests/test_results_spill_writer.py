"""Issue 16, the check's tail (docs/scaling-history.md, "Tenth pass, O"): a big check's spilled
result batches are written by a thread of their own while DuckDB makes the next batch, one write at
a time. The same frames as before; a write that fails in that thread is the same clear
message, raised by the reader, and no file is left behind."""

from __future__ import annotations

import threading

import duckdb
import pytest

from berthcheck.engine import results_frame
from berthcheck.errors import BerthcheckError


def test_batches_are_written_beside_the_reader_and_read_back_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 1000)
    real, writers = results_frame.Fetched._write, []

    def write(self, path, batch):
        writers.append(threading.current_thread().name)
        return real(self, path, batch)

    monkeypatch.setattr(results_frame.Fetched, "_write", write)
    con = duckdb.connect(":memory:")
    try:
        sql = "SELECT i, 'v' || i AS visit_id FROM range(5500) r(i)"
        want = con.sql(sql).pl()
        fetched = results_frame.read_batches(con, sql, {}, tmp_path)
        # every batch on disk when the reader returns (the last write waited for)
        assert len(list(tmp_path.glob("*/*.arrow"))) == len(writers) == 6
        assert all(name.startswith("bc-results-spill") for name in writers)
        got = fetched.frame()
        assert got.equals(want)
        assert list(tmp_path.iterdir()) == []
    finally:
        con.close()


def test_a_write_failing_in_the_writer_is_raised_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 1000)
    real, written = results_frame.Fetched._write, []

    def write(self, path, batch):
        if len(written) == 3:
            raise BerthcheckError("cannot write the check's results to the spill folder "
                                  "(disk full)")
        written.append(path)
        return real(self, path, batch)

    monkeypatch.setattr(results_frame.Fetched, "_write", write)
    con = duckdb.connect(":memory:")
    try:
        with pytest.raises(BerthcheckError, match="disk full"):
            results_frame.read_batches(con, "SELECT * FROM range(9000)", {}, tmp_path)
        assert len(written) == 3 and list(tmp_path.iterdir()) == []
        # the last batch's write failing is raised too (by the reader's end)
        written.clear()
        with pytest.raises(BerthcheckError, match="disk full"):
            results_frame.read_batches(con, "SELECT * FROM range(4000)", {}, tmp_path)
        assert len(written) == 3 and list(tmp_path.iterdir()) == []
    finally:
        con.close()
