"""Issue 15, items 5 and 8: the database file is what it says, and nothing ends in a traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.cli_guard import EXIT_INTERRUPTED, EXIT_PIPE_CLOSED

from .conftest import good_visit, snapshot, write_csv


def _cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tb")
    path = tmp / "bc.duckdb"
    assert _cli("load", "visits", write_csv(tmp / "visits.csv", [good_visit()]),
                "--db", path).exit_code == 0
    assert _cli("check", "--db", path, "--period", "2026-10").exit_code == 0
    return path


@pytest.mark.parametrize("content, words", [
    (b"visit_id,imo\nV1,9321483\n", "not a DuckDB database"),
    (b"PAR1\x00\x00\x00\x00garbage", "a Parquet file"),
    (b'{"runs": []}', "a JSON file"),
    (bytes(range(256)) * 8, "not a DuckDB database"),
])
def test_db_that_is_not_a_duckdb_file_is_an_error(tmp_path, content, words):
    path = tmp_path / "not.duckdb"
    path.write_bytes(content)
    for args in (["runs", "list"], ["check", "--period", "2026-10"]):
        result = _cli(*args, "--db", path)
        assert result.exit_code == 3, result.output  # the database cannot be opened
        assert words in result.output and "Traceback" not in result.output
    assert path.read_bytes() == content


def test_db_that_is_some_other_file_is_said_once(tmp_path):
    # was "is not a DuckDB database, not a berthcheck (DuckDB) database"
    path = tmp_path / "results.csv"
    path.write_bytes(b"visit_id,verdict\nV1,compliant\n")
    output = _cli("runs", "list", "--db", path).output
    assert f"--db {path}: is not a DuckDB database" in output
    assert "not a berthcheck (DuckDB) database" not in output


def test_another_programs_duckdb_file_is_refused_and_left_as_it_was(tmp_path):
    # a mistyped --db naming some other application's DuckDB database: a writing command
    # must not fill it with berthcheck's tables, and every command says so with exit 3
    import duckdb

    path = tmp_path / "analytics.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (amount INTEGER)")
    con.close()
    content = path.read_bytes()
    for args in (["check", "--period", "2026-10"], ["runs", "list"],
                 ["load", "visits", write_csv(tmp_path / "visits.csv", [good_visit()])]):
        result = _cli(*args, "--db", path)
        assert result.exit_code == 3, result.output  # the database cannot be opened
        assert "not a berthcheck database" in result.output, result.output
        assert "Traceback" not in result.output
    assert path.read_bytes() == content
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SHOW TABLES").fetchall() == [("sales",)]
    con.close()


def test_an_empty_duckdb_file_becomes_a_store(tmp_path):
    import duckdb

    path = tmp_path / "new.duckdb"
    duckdb.connect(str(path)).close()
    result = _cli("load", "visits", write_csv(tmp_path / "visits.csv", [good_visit()]),
                  "--db", path)
    assert result.exit_code == 0, result.output


def test_db_in_memory_is_refused(tmp_path):
    result = _cli("runs", "list", "--db", ":memory:")
    assert result.exit_code == 2 and "in-memory" in result.output
    result = _cli("runs", "list", env={"BERTHCHECK_DB": ":memory:"})
    assert result.exit_code == 2


def test_read_only_archive_opens_read_only_for_reading_commands(db, monkeypatch):
    # tests run as root, who may write any file: pretend the file is read-only
    monkeypatch.setattr(store, "readable", lambda path: True)
    opened = []
    real = store.connect

    def spy(target=None, *, read_only=False):
        opened.append(read_only)
        return real(target, read_only=read_only)

    monkeypatch.setattr(store, "connect", spy)
    con = real(db)
    run_id = store.scalar(con, "SELECT run_id FROM runs")
    con.close()
    for args in (["runs", "list"], ["audit", "manifest", run_id], ["audit", "verify", run_id]):
        result = _cli(*args, "--db", db)
        assert result.exit_code == 0, result.output
    assert opened == [True, True, True]


@pytest.mark.parametrize("period", ["9999-12", "0000-01", "1989", "2101-Q1"])
def test_periods_outside_1990_2100_are_one_line(db, period):
    result = _cli("check", "--db", db, "--period", period)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "between 1990 and 2100" in result.output


def test_out_of_memory_names_the_setting(db, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "berthcheck", "check", "--db", str(db), "--period", "2026-10"],
        capture_output=True, text=True, env={"BERTHCHECK_MEMORY_LIMIT": "1MB", "PATH": ""},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "BERTHCHECK_MEMORY_LIMIT=1MB" in result.stderr and "Traceback" not in result.stderr


def test_a_reader_that_stops_reading_ends_the_command_quietly():
    # `berthcheck ... | head`: the reader goes away; the command stops without a message (it
    # said "error: cannot access: Broken pipe" and exited 1, as if a file were missing)
    read_end, write_end = os.pipe()
    os.close(read_end)  # gone before the command writes anything, whatever the output's size
    try:
        result = subprocess.run([sys.executable, "-m", "berthcheck", "rules", "list", "--json"],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == EXIT_PIPE_CLOSED, result.stderr
    assert result.stderr == ""


def test_ctrl_c_during_load_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "bc.duckdb"
    con = store.connect(path)
    before = snapshot(con)
    con.close()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "insert_versions", interrupted)
    result = _cli("load", "visits", write_csv(tmp_path / "v.csv", [good_visit()]), "--db", path)
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.output.strip() == "interrupted; nothing was written (the database is as it was)"
    con = store.connect(path)
    assert snapshot(con) == before
    con.close()


def test_disk_full_during_load_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "bc.duckdb"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "insert_versions", full)
    result = _cli("load", "visits", write_csv(tmp_path / "v.csv", [good_visit()]), "--db", path)
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: the disk is full")
    assert "Traceback" not in result.output


def test_out_of_memory_opening_read_only_is_not_called_a_foreign_database(db, monkeypatch):
    # the reading commands open the store read-only and read its schema version first: DuckDB
    # running out of memory there was taken for a missing schema_meta table, "database ... is
    # not a berthcheck database", exit 3, of the user's own store
    monkeypatch.setenv("BERTHCHECK_MEMORY_LIMIT", "1KB")
    result = _cli("runs", "list", "--db", db)
    assert result.exit_code == 1, result.output
    assert "BERTHCHECK_MEMORY_LIMIT=1KB" in result.output
    assert "not a berthcheck database" not in result.output


@pytest.mark.parametrize("threads", ["99999999999", "²", "1025"])
def test_a_threads_setting_out_of_range_is_one_line(db, threads):
    # 99999999999 went to DuckDB, which ended the process with std::bad_alloc (exit 134, no
    # message); '²' passed str.isdigit and int() raised on it ("unexpected ValueError")
    result = subprocess.run(
        [sys.executable, "-m", "berthcheck", "runs", "list", "--db", str(db)],
        capture_output=True, text=True, env={**os.environ, "BERTHCHECK_THREADS": threads},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (f"error: BERTHCHECK_THREADS={threads!r}: give a whole "
                                     "number from 1 to 1024")


@pytest.mark.parametrize("memory, words", [
    ("\u0663GB", "give a size such as 3GB"),  # an Arabic-Indic 3: a digit to \d, not to DuckDB
    ("99999999TB", "value is too large; give a size such as 3GB"),
])
def test_a_memory_limit_duckdb_cannot_take_names_the_setting(tmp_path, monkeypatch, memory,
                                                             words):
    # both went to DuckDB's SET memory_limit: "the database reported a problem
    # (ParserException)", the setting unnamed
    monkeypatch.setenv("BERTHCHECK_MEMORY_LIMIT", memory)
    path = tmp_path / "new.duckdb"
    result = _cli("load", "visits", write_csv(tmp_path / "v.csv", [good_visit()]), "--db", path)
    assert result.exit_code == 1, result.output
    assert result.output.strip().startswith(f"error: BERTHCHECK_MEMORY_LIMIT={memory!r}: ")
    assert words in result.output
