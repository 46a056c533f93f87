"""Issue 16, the check's peak memory (docs/scaling-history.md, "Ninth pass, K"): a big check's
result batches wait in the store's spill folder while the sandbox still holds its tables, and are
read back after it is closed; the pack's inputs leave the sandbox after the last stage that
reads them. The same frames and digests either way, and no file is left behind."""

from __future__ import annotations

import importlib

import duckdb
import pytest

from berthcheck import store
from berthcheck.engine import results_frame
from berthcheck.engine.sandbox import release_inputs
from berthcheck.errors import BerthcheckError
from tests.conftest import returns_recorded
from tests.test_results_memory import _source


def _spills(monkeypatch) -> list:
    """Record every batch written to the spill folder."""
    real, written = results_frame.Fetched._spill, []

    def spill(self, batch):
        written.append(batch.num_rows)
        return real(self, batch)

    monkeypatch.setattr(results_frame.Fetched, "_spill", spill)
    return written


def test_spilled_batches_make_the_same_frames_and_leave_no_file(tmp_path, monkeypatch):
    con = _source()
    try:
        want = results_frame.read_batches(con, "SELECT * FROM t", {}).frame()
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        written = _spills(monkeypatch)
        fetched = results_frame.read_batches(con, "SELECT * FROM t", {}, tmp_path)
        assert sum(written) == 60 and len(written) == 9  # the first batch too
        assert len(list(tmp_path.glob("*/*.arrow"))) == 9
        got = fetched.frame()
        assert list(tmp_path.iterdir()) == []  # read back: files and folder gone
        assert got.equals(want) and got.schema == want.schema and got.n_chunks() == 1
        monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
        monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", 4)
        ordered = results_frame.read_batches(con, "SELECT * FROM t", {}, tmp_path)
        assert ordered.sorted(("visit_id",)).equals(want.sort("visit_id"))
        assert list(tmp_path.iterdir()) == []
        # one batch stays in memory: nothing written
        single = results_frame.read_batches(con, "SELECT * FROM t LIMIT 5", {}, tmp_path)
        assert single.first is not None and not single.spilled and len(written) == 18
    finally:
        con.close()


def test_text_columns_stay_in_memory_and_the_rest_wait_on_disk(tmp_path, monkeypatch):
    """Only the non-text columns are written (the kernel's copy of every written byte was a
    tenth of a 1M check's CPU); the text ones are copied out of DuckDB's batches as without a
    spill, and the frame is the one an unspilled read gives, columns in their order."""
    con = _source()
    try:
        want = results_frame.read_batches(con, "SELECT * FROM t", {}).frame()
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        real, written = results_frame.Fetched._spill, []

        def spill(self, batch):
            written.append(batch.schema.names)
            return real(self, batch)

        monkeypatch.setattr(results_frame.Fetched, "_spill", spill)
        fetched = results_frame.read_batches(con, "SELECT * FROM t", {}, tmp_path)
        text = ["visit_id", "note", "tag"]
        assert written == [[c for c in want.columns if c not in text]] * 9
        assert [len(fetched.columns[want.columns.index(c)]) for c in text] == [9, 9, 9]
        got = fetched.frame()
        assert got.equals(want) and got.schema == want.schema
        assert list(tmp_path.iterdir()) == []
        # every column text: nothing to write, nothing on disk
        only_text = results_frame.read_batches(con, "SELECT visit_id, note FROM t", {}, tmp_path)
        assert len(written) == 9 and not only_text.spilled
        assert only_text.frame().equals(want.select("visit_id", "note"))
    finally:
        con.close()


def test_a_failed_read_or_a_dropped_result_leaves_no_file(tmp_path, monkeypatch):
    """A query failing while it streams is DuckDB's error (a pack failure for the check, not
    an OSError from the Arrow reader); a write failing after some batches are on disk (a
    full disk) is a clear message, and the batches written are deleted; so are those of a
    result never read back."""
    con = duckdb.connect(":memory:")
    try:
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 1000)
        with pytest.raises(duckdb.Error, match="stop here"):
            results_frame.read_batches(
                con, "SELECT i, CASE WHEN i < 60000 THEN 'x' ELSE error('stop here') END AS t "
                     "FROM range(70000) r(i)", {}, tmp_path)
        real, written = results_frame.Fetched._spill, []

        def spill(self, batch):
            if len(written) == 3:
                raise BerthcheckError("cannot write the check's results (disk full)")
            written.append(batch.num_rows)
            return real(self, batch)

        monkeypatch.setattr(results_frame.Fetched, "_spill", spill)
        with pytest.raises(BerthcheckError, match="disk full"):
            results_frame.read_batches(con, "SELECT * FROM range(5000)", {}, tmp_path)
        assert len(written) == 3 and list(tmp_path.iterdir()) == []
        monkeypatch.setattr(results_frame.Fetched, "_spill", real)
        (tmp_path / "spill").mkdir()
        (tmp_path / "spill" / "duckdb_temp_block").write_text("")  # DuckDB's, kept
        fetched = results_frame.read_batches(con, "SELECT * FROM range(2500)", {},
                                             tmp_path / "spill")
        assert len(list(tmp_path.glob("spill/*/*.arrow"))) == 3
        del fetched  # never read back (a later step of the check failed)
        assert [p.name for p in tmp_path.glob("spill/*")] == ["duckdb_temp_block"]
    finally:
        con.close()


def test_an_unwritable_spill_folder_is_a_clear_message(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 1000)
    con = duckdb.connect(":memory:")
    try:
        with pytest.raises(BerthcheckError, match="spill folder .*BERTHCHECK_TEMP_DIR"):
            results_frame.read_batches(con, "SELECT * FROM range(5000)", {},
                                       tmp_path / "file" / "spill")
    finally:
        con.close()


def test_the_spill_folder_is_the_stores_for_a_database_file_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BERTHCHECK_TEMP_DIR", str(tmp_path / "spill"))
    con = store.connect(tmp_path / "s.duckdb")
    try:
        assert results_frame.spill_folder(con) == str(tmp_path / "spill")
    finally:
        con.close()
    memory = duckdb.connect(":memory:")
    try:
        assert results_frame.spill_folder(memory) is None
    finally:
        memory.close()


def test_inputs_leave_the_sandbox_after_the_last_stage_that_reads_them():
    sandbox = duckdb.connect(":memory:")
    try:
        for name in ("visits", "events", "capture", "berths"):
            sandbox.execute(f"CREATE TEMP TABLE {name} AS SELECT 'V1' AS visit_id")
        sandbox.execute("CREATE TEMP VIEW bc_capture AS SELECT * FROM capture")
        handed = ["visits", "events", "capture", "berths"]
        # a later stage reads visits, a kept view reads capture; a comment names events
        later = ["CREATE TEMP TABLE bc_x AS SELECT * FROM visits JOIN bc_capture USING "
                 "(visit_id) -- not events", "SELECT * FROM bc_x"]
        assert sorted(release_inputs(sandbox, later, handed)) == ["berths", "events"]
        left = {r[0] for r in sandbox.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert left == {"visits", "capture"}
        # every input named: nothing dropped
        assert release_inputs(sandbox, later, ["visits", "capture"]) == []
    finally:
        sandbox.close()


def test_a_check_spilling_its_results_and_releasing_inputs_gives_the_same_run(tmp_path,
                                                                              monkeypatch):
    """A small check forced down the big check's path (inputs released between stages,
    results spilled in batches of 7 rows, sorted a few columns at a time): the same frames
    and digests as the plain check, and the spill folder left empty."""
    from berthcheck.engine import check as check_module
    from tests.test_engine import _store_with_visits

    engine = importlib.import_module("berthcheck.engine.check")
    sandbox_module = importlib.import_module("berthcheck.engine.sandbox")
    released = returns_recorded(monkeypatch, sandbox_module, "release_inputs")
    con = _store_with_visits(60)
    try:
        whole = check_module(con, period="2026-10", store_run=False)
        assert not released  # a small check: no pass between stages
        spill = tmp_path / "spill"
        monkeypatch.setattr(engine, "spill_folder", lambda con: str(spill))
        monkeypatch.setattr(engine, "RELEASE_ROWS", 0)
        monkeypatch.setattr(engine, "SPILL_ROWS", 0)
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
        monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", 3)
        written = _spills(monkeypatch)
        spilled = check_module(con, period="2026-10", store_run=False)
    finally:
        con.close()
    assert sum(written) == 60
    assert not spill.exists()  # made for the results, removed with them
    # CARB: events and capture leave before the last stage (only earlier stages read them)
    assert {"events", "capture"} <= {name for names in released for name in names}
    assert spilled.results.equals(whole.results) and spilled.findings.equals(whole.findings)
    assert spilled.results.schema == whole.results.schema
    assert spilled.manifest["results_sha256"] == whole.manifest["results_sha256"]
    assert spilled.manifest["findings_sha256"] == whole.manifest["findings_sha256"]


def test_duckdbs_freed_pages_are_handed_back_at_once():
    """After the sandbox is closed a check has DuckDB's allocator hand back what it freed now
    (jemalloc's purge): the pages of a dropped table leave the resident set at once instead
    of over the next seconds."""
    if results_frame._duckdb_mallctl() is None:
        pytest.skip("DuckDB built without jemalloc here")

    def resident_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE big AS SELECT i, i * 2.0 AS d FROM range(12000000) r(i)")
        con.execute("DROP TABLE big")
        held = resident_mb()
        results_frame.hand_back_duckdb_freed()
        assert held - resident_mb() > 80, (held, resident_mb())
    finally:
        con.close()


def test_a_spilled_result_is_sorted_from_its_files_a_group_at_a_time(tmp_path, monkeypatch):
    """A big check's sort reads each group's spilled columns from the batches' files as it
    joins them (never every column read back first, 0.3 GB at a million visits), copies them
    out of the mapped files (no column of the frame points into a file deleted after), and
    gives the frame an unspilled sort gives, one chunk per column; a text column Arrow cannot
    join (32-bit offsets overflowed) is joined by polars as before."""
    import polars as pl
    import pyarrow as pa

    con = _source()
    try:
        want = results_frame.read_batches(con, "SELECT * FROM t", {}).frame().sort("visit_id")
        monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
        monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
        monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", 4)
        real, asked, mapped = results_frame.Fetched._from_files, [], []

        def from_files(self, indexes):
            asked.append((list(indexes), len(list(tmp_path.glob("*/*.arrow")))))
            chunks = real(self, indexes)
            mapped.extend((b.address, b.address + b.size) for parts in chunks.values()
                          for chunk in parts for b in chunk.buffers() if b is not None)
            return chunks

        monkeypatch.setattr(results_frame.Fetched, "_from_files", from_files)
        fetched = results_frame.read_batches(con, "SELECT * FROM t", {}, tmp_path)
        got = fetched.sorted(("visit_id",))
        # text (visit_id, note, tag) stays in memory: the other six, four columns at a time
        assert asked == [([], 9), ([3], 9), ([4, 5, 6, 7], 9), ([8], 9)]
        assert list(tmp_path.iterdir()) == []
        assert got.equals(want) and got.schema == want.schema
        assert all(got[name].n_chunks() == 1 for name in got.columns)
        held = [b for name in got.columns
                for b in got[name].to_arrow(compat_level=pl.CompatLevel.newest()).buffers()
                if b is not None and b.size]
        assert mapped and not [b for b in held
                               if any(lo <= b.address < hi for lo, hi in mapped)]

        def overflowed(chunks):
            raise pa.ArrowCapacityError("offset overflow while concatenating arrays")

        monkeypatch.setattr(pa, "concat_arrays", overflowed)
        again = results_frame.read_batches(con, "SELECT * FROM t", {}, tmp_path)
        assert again.sorted(("visit_id",)).equals(want)
        assert list(tmp_path.iterdir()) == []
    finally:
        con.close()
