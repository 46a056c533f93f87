"""Setup that works as written: --db before or after the command, exit codes, `sample --out`
that does not overwrite, readers that wait for a writer, progress only on a terminal."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_db_works_before_or_after_the_command(tmp_path):
    path = write_csv(tmp_path / "v.csv", [good_visit()])
    before, after = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    assert runner.invoke(app, ["--db", str(before), "load", "visits", str(path)]).exit_code == 0
    assert runner.invoke(app, ["load", "visits", str(path), "--db", str(after)]).exit_code == 0
    for db in (before, after):
        con = store.connect(db)
        try:
            assert store.scalar(con, "SELECT count(*) FROM visits") == 1
        finally:
            con.close()
    # the one after the command wins
    other = tmp_path / "other.duckdb"
    result = runner.invoke(app, ["--db", str(other), "runs", "list", "--db", str(before)])
    assert result.exit_code == 0 and not other.exists()


def test_every_command_that_uses_the_database_documents_db():
    root = typer.main.get_command(app)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    uses_db = []

    def walk(command, prefix):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        elif any("--db" in p.opts for p in command.params):
            uses_db.append(prefix)
            help_text = next(p.help for p in command.params if "--db" in p.opts)
            assert "BERTHCHECK_DB" in help_text and "before the command" in help_text

    walk(root, "")
    assert {"load", "load-dir", "check", "report", "runs list", "runs show", "runs export",
            "audit diff", "audit verify", "audit manifest"} <= set(uses_db)
    assert "`--db` before or after the command" in readme


def test_a_database_that_cannot_be_created_is_exit_3_not_input_rejected(tmp_path):
    path = write_csv(tmp_path / "v.csv", [good_visit()])
    result = runner.invoke(app, ["load", "visits", str(path), "--db",
                                 str(tmp_path / "no" / "such" / "dir" / "x.duckdb")])
    assert result.exit_code == 3
    assert "cannot create database" in result.stderr
    missing = runner.invoke(app, ["runs", "list", "--db", str(tmp_path / "absent.duckdb")])
    assert missing.exit_code == 3 and "does not exist" in missing.stderr


# every command that reads the database, with arguments that would otherwise run it
READERS = {
    "check": [],
    "report": ["--period", "2026-10", "--out", "r.pdf"],
    "audit verify": ["0123456789abcdef"],
    "audit diff": ["0123456789abcdef", "fedcba9876543210"],
    "audit manifest": ["0123456789abcdef"],
    "runs list": [],
    "runs show": ["0123456789abcdef"],
    "runs export": ["0123456789abcdef", "--out", "x.csv"],
    "export carb-visit-report": ["--party", "vessel", "--period", "2026-10", "--out", "v.csv"],
    "export wharfinger": ["--year", "2026", "--port", "USLAX", "--out", "w.xlsx"],
    "export fueleu-calls": ["--period", "2030-06", "--out", "f.csv"],
    "export indicators": ["--period", "2026-10", "--out", "ind"],
    "export list": [],
}


def test_a_mistyped_db_is_exit_3_for_every_command_but_the_loads(tmp_path, monkeypatch):
    # check, report and the exports made a new empty database on a mistyped --db and went on:
    # an 8-page report of 0 visits, exit 0
    root = typer.main.get_command(app)
    uses_db = set()

    def walk(command, prefix):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        elif any("--db" in p.opts for p in command.params):
            uses_db.add(prefix)

    walk(root, "")
    assert uses_db - {"load", "load-dir"} == set(READERS)  # a new command is listed here
    monkeypatch.chdir(tmp_path)
    for command, args in READERS.items():
        result = runner.invoke(app, [*command.split(), *args, "--db", "typo.duckdb"])
        assert result.exit_code == 3, (command, result.output)
        assert "database typo.duckdb does not exist; load some data first" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, no output


@pytest.mark.parametrize("port", ["NL RTM", "XXXXX"])
def test_sample_refuses_an_unknown_port_naming_the_option_and_making_no_folder(tmp_path, port):
    out = tmp_path / "s"
    result = runner.invoke(app, ["sample", "--out", str(out), "--port", port])
    assert result.exit_code == 2, result.output
    assert f"--port {port!r}" in result.stderr
    assert not out.exists()


def test_sample_refuses_a_month_in_other_than_ascii_digits(tmp_path):
    out = tmp_path / "s"
    month = "\uff12\uff10\uff12\uff16-10"  # fullwidth 2026: visit ids were made of it
    result = runner.invoke(app, ["sample", "--out", str(out), "--month", month])
    assert result.exit_code == 2, result.output
    assert f"--month must be YYYY-MM, not {month!r}" in result.stderr
    assert not out.exists()


def test_sample_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "s"
    first = runner.invoke(app, ["sample", "--out", str(out), "--visits", "5"])
    assert first.exit_code == 0, first.output
    (out / "visits.csv").write_text("mine\n", encoding="utf-8")
    again = runner.invoke(app, ["sample", "--out", str(out), "--visits", "5"])
    assert again.exit_code == 2 and "--force" in again.stderr and "visits.csv" in again.stderr
    assert (out / "visits.csv").read_text(encoding="utf-8") == "mine\n"
    forced = runner.invoke(app, ["sample", "--out", str(out), "--visits", "5", "--force"])
    assert forced.exit_code == 0
    assert (out / "visits.csv").read_text(encoding="utf-8").startswith("visit_id,")


def test_sample_into_a_missing_parent_folder_needs_mkdir(tmp_path):
    """`sample --out DIR` makes DIR, as `export indicators --out DIR` does, but a missing
    parent folder is a typo until `--mkdir` says otherwise (as for every other output)."""
    out = tmp_path / "typo" / "month"
    refused = runner.invoke(app, ["sample", "--out", str(out), "--visits", "3"])
    assert refused.exit_code == 2, refused.output
    assert f"folder {out.parent} does not exist" in refused.stderr
    assert "--mkdir" in refused.stderr
    assert not (tmp_path / "typo").exists()
    # --mkdir with a bad --port still makes no folder: the port is refused first
    bad = runner.invoke(app, ["sample", "--out", str(out), "--port", "XXXXX", "--mkdir"])
    assert bad.exit_code == 2 and not (tmp_path / "typo").exists()
    made = runner.invoke(app, ["sample", "--out", str(out), "--visits", "3", "--mkdir",
                               "--quiet"])
    assert made.exit_code == 0, made.output
    assert (out / "visits.csv").is_file()
    here = runner.invoke(app, ["sample", "--out", str(tmp_path / "new"), "--visits", "3"])
    assert here.exit_code == 0 and (tmp_path / "new" / "visits.csv").is_file()


def _hold_write_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process holding `db` open for writing: it lets go after `seconds`, or as soon
    as it reads a line (`_release_once_refused`)."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, select, sys; c = duckdb.connect({str(db)!r}); print('ready', "
         f"flush=True); select.select([sys.stdin], [], [], {seconds}); c.close()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


HELD = 0.6  # seconds the holder keeps the lock after it has refused the reader


def _release_once_refused(monkeypatch, holder: subprocess.Popen) -> None:
    """The holder lets go HELD seconds after the reader was first refused (DuckDB's lock
    error, `DatabaseInUse`), not after a fixed time: the reader has waited at least HELD
    seconds for another process however slowly it reached the database (a fixed 2.5 s hold
    idled a worker for most of it)."""
    import threading

    from berthcheck.errors import DatabaseInUse

    real, timers = store.connect, []

    def connect(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except DatabaseInUse:
            if not timers:
                timers.append(threading.Timer(HELD, _release, [holder]))
                timers[0].start()
            raise

    monkeypatch.setattr(store, "connect", connect)


def _release(holder: subprocess.Popen) -> None:
    try:
        holder.stdin.write("go\n")
        holder.stdin.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass  # already gone


def test_a_reader_waits_for_a_writer_and_says_how_long(tmp_path, monkeypatch):
    db = tmp_path / "bc.duckdb"
    store.connect(db).close()
    # imports done before the lock is taken, so the command reaches the database at once
    runner.invoke(app, ["runs", "list", "--db", str(db)])
    holder = _hold_write_lock(db, 30)
    _release_once_refused(monkeypatch, holder)
    try:
        started = time.monotonic()
        result = runner.invoke(app, ["runs", "list", "--db", str(db)])
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 0, result.output
    assert "no runs yet" in result.stdout
    assert "waited" in result.stderr and "for another process" in result.stderr
    assert waited >= HELD


def test_a_reader_gives_up_after_the_wait_with_exit_3(tmp_path, monkeypatch):
    db = tmp_path / "bc.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("BERTHCHECK_LOCK_WAIT", "0.5")
    holder = _hold_write_lock(db, 20)
    try:
        result = runner.invoke(app, ["runs", "list", "--db", str(db)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert "is in use" in result.stderr and "waited" in result.stderr


@pytest.mark.parametrize("wait", ["abc", "nan", "inf", "-1"])
def test_a_lock_wait_that_is_no_number_of_seconds_is_said(tmp_path, monkeypatch, wait):
    # 'abc' was read as the default 30 s without a word, 'nan' as 0 and 'inf' as for ever
    db = tmp_path / "bc.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("BERTHCHECK_LOCK_WAIT", wait)
    result = runner.invoke(app, ["runs", "list", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f"error: BERTHCHECK_LOCK_WAIT={wait!r}: give the seconds "
                                     "to wait for a writer, a number >= 0 (e.g. 30)")


@pytest.mark.parametrize("args", [["sample", "--visits", "3"], ["load", "visits"]])
def test_no_progress_output_when_stderr_is_not_a_terminal(tmp_path, args):
    """Piped (as here) the commands print no bar: stderr holds nothing but warnings."""
    if args[0] == "sample":
        args = [*args, "--out", str(tmp_path / "s")]
    else:
        args = [*args, str(write_csv(tmp_path / "v.csv", [good_visit()])),
                "--db", str(tmp_path / "d.duckdb")]
    done = subprocess.run([sys.executable, "-m", "berthcheck", *args], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_progress_is_drawn_on_a_terminal_unless_quiet(monkeypatch):
    import io

    from berthcheck import cli_progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli_progress.enabled(quiet=False)
    assert not cli_progress.enabled(quiet=True)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not cli_progress.enabled(quiet=False)


def test_number_formats_are_shared():
    from berthcheck.cli_progress import count, hours, money, percent

    assert count(12345) == "12,345"
    assert hours(1234.5) == "1,234.50"
    assert money(12345, "EUR") == "EUR 12,345.00"
    assert percent(1, 3) == "33.3 %" and percent(1, 0) == "n/a"


def _stderr_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, bytes]:
    """Run berthcheck with standard error on a pseudo-terminal; return (exit, what it drew)."""
    import os

    master, slave = os.openpty()  # POSIX, as the rest of the test environment
    proc = subprocess.Popen([sys.executable, "-m", "berthcheck", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=slave,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(), drawn


def test_a_terminal_gets_a_progress_bar_and_quiet_silences_it(tmp_path):
    code, drawn = _stderr_on_a_terminal(["sample", "--out", "a", "--visits", "3"], tmp_path)
    assert code == 0 and b"generating 3 visits" in drawn
    code, drawn = _stderr_on_a_terminal(["sample", "--out", "b", "--visits", "3", "--quiet"],
                                        tmp_path)
    assert code == 0 and drawn == b""


def test_audit_verify_waits_for_a_writer_too(tmp_path, monkeypatch):
    db = tmp_path / "bc.duckdb"
    path = write_csv(tmp_path / "v.csv", [good_visit()])
    assert runner.invoke(app, ["load", "visits", str(path), "--db", str(db)]).exit_code == 0
    checked = runner.invoke(app, ["check", "--json", "--db", str(db)])
    run_id = __import__("json").loads(checked.stdout)["run_id"]
    holder = _hold_write_lock(db, 30)
    _release_once_refused(monkeypatch, holder)
    try:
        result = runner.invoke(app, ["audit", "verify", run_id, "--db", str(db)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 0, result.output
    assert "waited" in result.stderr
