"""`berthcheck load`: time zones, file formats, reloads, history, quarantine, atomicity."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import polars as pl
import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import good_visit, snapshot, write_csv


def _utc(con, column: str, visit_id: str = "V1") -> str:
    return store.scalar(
        con, f"SELECT strftime({column}, '%Y-%m-%dT%H:%M') FROM visits WHERE visit_id = ?",  # noqa: S608
        [visit_id],
    )


# --- time -------------------------------------------------------------------------------------


def test_naive_time_is_port_local_and_offsets_are_exact(con, tmp_path):
    rows = [
        good_visit(arrival="2026-10-01 06:00"),  # PDT, UTC-7
        good_visit(visit_id="V2", imo="9074729", arrival="2026-10-01T06:00:00-04:00",
                   ready_to_work="", pilot_on_board=""),
        good_visit(visit_id="V3", imo="9176187", arrival="2026-10-01T13:00Z",
                   ready_to_work="", pilot_on_board=""),
    ]
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)])
    assert _utc(con, "arrival", "V1") == "2026-10-01T13:00"
    assert _utc(con, "arrival", "V2") == "2026-10-01T10:00"
    assert _utc(con, "arrival", "V3") == "2026-10-01T13:00"


def test_naive_time_uses_each_ports_own_zone(con, tmp_path):
    rows = [
        good_visit(),
        good_visit(visit_id="R1", imo="9074729", port="NLRTM", arrival="2026-10-01 06:00",
                   ready_to_work="", pilot_on_board=""),  # CEST, UTC+2
    ]
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)])
    assert _utc(con, "arrival", "R1") == "2026-10-01T04:00"


def test_winter_time_after_fall_back(con, tmp_path):
    row = good_visit(arrival="2026-11-01 03:00", ready_to_work="2026-11-01 04:00",
                     pilot_on_board="2026-11-02 05:00", departure="2026-11-02 06:00")
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    assert _utc(con, "arrival") == "2026-11-01T11:00"  # PST, UTC-8


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-03-08 02:30", "does not exist"),  # spring forward: 02:00 -> 03:00
        ("2026-11-01 01:30", "ambiguous"),  # fall back: 01:00-02:00 happens twice
    ],
    ids=["dst-gap", "dst-fall-back"],
)
def test_dst_gap_and_ambiguous_hour_are_rejected(con, tmp_path, value, words):
    row = good_visit(arrival=value, ready_to_work="", pilot_on_board="",
                     departure="2026-11-03 06:00")
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    [error] = rejected.value.errors
    assert (error.row, error.column, error.value) == (2, "arrival", value)
    assert words in error.reason


@pytest.mark.parametrize(
    ("value", "expected_utc"),
    [("2026-11-01T01:30:00-07:00", "2026-11-01T08:30"), ("2026-11-01T01:30:00-08:00", "2026-11-01T09:30")],
    ids=["first-01:30-PDT", "second-01:30-PST"],
)
def test_an_offset_resolves_the_ambiguous_hour(con, tmp_path, value, expected_utc):
    row = good_visit(arrival=value, ready_to_work="", pilot_on_board="",
                     departure="2026-11-03 06:00")
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    assert _utc(con, "arrival") == expected_utc


def test_session_times_use_the_visits_port(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])])
    sp = {"visit_id": "V1", "connected": "2026-10-01 09:00", "disconnected": "2026-10-02 09:00"}
    load_files(con, "shore-power", [write_csv(tmp_path / "sp.csv", [sp])])
    row = store.run(
        con, "SELECT session_id, strftime(connected, '%Y-%m-%dT%H:%M') FROM shore_power"
    )
    assert row == [("V1/SP/20261001T160000Z", "2026-10-01T16:00")]  # derived id, UTC


def test_database_stays_utc_whatever_the_process_zone(tmp_path):
    """Loading under TZ=Asia/Tokyo stores the same instants as under UTC."""
    path = write_csv(tmp_path / "v.csv", [good_visit()])
    script = textwrap.dedent("""
        import sys
        from berthcheck import store
        from berthcheck.ingest.load import load_files
        con = store.connect(sys.argv[1])
        load_files(con, "visits", [sys.argv[2]])
        print(store.scalar(con, "SELECT strftime(arrival, '%Y-%m-%dT%H:%M') FROM visits"))
    """)
    args = [sys.executable, "-c", script, str(tmp_path / "tokyo.duckdb"), str(path)]
    out = subprocess.run(args, capture_output=True, text=True,
                         env={"TZ": "Asia/Tokyo", "PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == "2026-10-01T13:00"


# --- file formats -------------------------------------------------------------------------------


def test_parquet_with_typed_columns(con, tmp_path):
    frame = pl.DataFrame({
        "Visit ID": ["V1"], "IMO": [9321483], "Vessel Name": ["EVER GIVEN"],
        "vessel-type": ["Container"], "port": ["USLAX"], "terminal": ["TRAPAC"], "berth": ["B136"],
        "arrival": [datetime(2026, 10, 1, 6, 0)],  # naive: port-local
        "ready_to_work": [datetime(2026, 10, 1, 15, 0, tzinfo=UTC)],  # an instant
        "departure": [datetime(2026, 10, 3, 6, 0)],
        "shore_power_capable": [True], "nox_tier": [2], "teu": [8500.0],
    })
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)
    load_files(con, "visits", [path])
    assert _utc(con, "arrival") == "2026-10-01T13:00"
    assert _utc(con, "ready_to_work") == "2026-10-01T15:00"
    assert store.run(con, "SELECT imo, vessel_type, nox_tier, teu, _source_row FROM visits") == [
        ("9321483", "container", 2, 8500.0, 1)
    ]


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet(con, tmp_path):
    rows = [good_visit(), good_visit(visit_id="V2", imo="9074728")]
    path = tmp_path / "visits.xlsx"
    pl.DataFrame(rows).write_excel(path)
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [path])
    assert [(e.file, e.row, e.column) for e in rejected.value.errors] == [("visits.xlsx", 3, "imo")]
    load_files(con, "visits", [path], quarantine=True)
    assert _utc(con, "arrival") == "2026-10-01T13:00"


def test_xlsx_with_an_empty_column_loads_without_the_readers_log(con, tmp_path, caplog):
    # a header whose column holds no value (an optional column of the template left empty):
    # the reader logged "Could not determine dtype for column 12, falling back to string" on
    # standard error, about a numbered column, in words that are not berthcheck's and for
    # what is no problem (every cell is read as text)
    import xlsxwriter

    header = [*good_visit(), "nox_tier"]
    path = tmp_path / "visits.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("Calls")
        sheet.write_row(0, 0, header)
        sheet.write_row(1, 0, list(good_visit().values()))
    load_files(con, "visits", [path])
    assert [m for m in caplog.messages if "dtype" in m] == []
    assert store.run(con, "SELECT visit_id, nox_tier FROM visits") == [("V1", None)]


def test_unknown_columns_are_kept_not_read(con, tmp_path):
    row = {**good_visit(), "Pilot Company": "Jacobsen & Sons"}
    load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    assert store.scalar(con, "SELECT extra FROM visits") == '{"Pilot Company": "Jacobsen & Sons"}'


def test_missing_required_column_names_the_column(con, tmp_path):
    row = good_visit()
    del row["berth"]
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [row])])
    [error] = rejected.value.errors
    assert (error.row, error.column, error.reason) == (1, "berth", "required column is missing")


# --- reloads, history, quarantine, atomicity -------------------------------------------------------


def test_reloading_the_same_file_changes_nothing(con, tmp_path):
    path = write_csv(tmp_path / "v.csv", [good_visit()])
    load_files(con, "visits", [path])
    before = snapshot(con)
    report = load_files(con, "visits", [path])
    assert report.files[0].batch_id is None and report.files[0].unchanged == 1
    assert snapshot(con) == before


def test_same_values_written_differently_are_unchanged(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit()])])
    before = snapshot(con)
    same = good_visit(arrival="2026-10-01T13:00:00Z", vessel_type="Container", imo="IMO 9321483")
    report = load_files(con, "visits", [write_csv(tmp_path / "b.csv", [same])])
    assert report.files[0].unchanged == 1
    assert snapshot(con) == before


def test_changed_row_needs_replace_and_history_is_kept(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit()])])
    changed = write_csv(tmp_path / "b.csv", [good_visit(departure="2026-10-03 07:00")])
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [changed])
    [error] = rejected.value.errors
    assert "--replace" in error.reason and "a.csv row 2" in error.reason

    report = load_files(con, "visits", [changed], replace=True)
    assert report.files[0].replaced == 1
    assert _utc(con, "departure") == "2026-10-03T14:00"
    history = store.run(
        con,
        "SELECT _batch_id, _source_file, _replaced_by, strftime(departure, '%H:%M') "
        "FROM visits_versions ORDER BY _batch_id",
    )
    assert history == [(1, "a.csv", 2, "13:00"), (2, "b.csv", None, "14:00")]


def test_quarantine_keeps_bad_rows_with_reasons(con, tmp_path):
    rows = [good_visit(), good_visit(visit_id="V2", imo="9074728", vessel_name="<b>X</b>")]
    report = load_files(con, "visits", [write_csv(tmp_path / "v.csv", rows)], quarantine=True)
    assert (report.files[0].inserted, report.files[0].quarantined) == (1, 1)
    [(row, column, value, record)] = store.run(
        con, "SELECT source_row, column_name, value, record FROM quarantine"
    )
    assert (row, column, value) == (3, "imo", "9074728")
    assert '"vessel_name": "<b>X</b>"' in record
    log = store.run(con, "SELECT rows_in_file, rows_inserted, rows_quarantined FROM load_batches")
    assert log == [(2, 1, 1)]


def test_rejected_load_leaves_the_database_byte_for_byte(db_path, tmp_path):
    con = store.connect(db_path)
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit()])])
    con.close()
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
    con = store.connect(db_path)
    before = snapshot(con)
    rows = [good_visit(visit_id="V2", imo="9074729", arrival="2026-10-05 06:00",
                       ready_to_work="", pilot_on_board="", departure="2026-10-06 06:00"),
            good_visit(visit_id="V3", imo="bad")]
    with pytest.raises(InputRejected):
        load_files(con, "visits", [write_csv(tmp_path / "b.csv", rows)])
    assert snapshot(con) == before
    con.close()
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest


def test_several_files_are_all_or_nothing(con, tmp_path):
    good = write_csv(tmp_path / "good.csv", [good_visit()])
    bad = write_csv(tmp_path / "bad.csv", [good_visit(visit_id="V2", imo="123")])
    before = snapshot(con)
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [good, bad])
    assert {e.file for e in rejected.value.errors} == {"bad.csv"}
    assert snapshot(con) == before


# --- the command ---------------------------------------------------------------------------------


def test_cli_rejection_exit_1_without_traceback(runner, db_path, tmp_path):
    path = write_csv(tmp_path / "v.csv", [good_visit(imo="9321484")])
    result = runner.invoke(app, ["load", "visits", str(path), "--db", str(db_path)])
    assert result.exit_code == 1
    assert "v.csv, row 2, column imo: '9321484'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [["load", "cargo", "x.csv"], ["load", "visits"], ["load", "visits", "missing.csv"],
     ["load", "visits", "notes.docx"]],
    ids=["unknown-kind", "no-file", "missing-file", "unsupported-type"],
)
def test_cli_usage_errors_exit_2(runner, db_path, tmp_path, args):
    (tmp_path / "notes.docx").write_text("x")
    args = [a if not a.endswith((".csv", ".docx")) else str(tmp_path / a) for a in args]
    result = runner.invoke(app, [*args, "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_a_folder_given_as_a_file_is_said_to_be_one(runner, db_path, tmp_path):
    """Before: `load visits FOLDER` said "FOLDER: no such file", which it is not."""
    folder = tmp_path / "month"
    folder.mkdir()
    result = runner.invoke(app, ["load", "visits", str(folder), "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert f"{folder}: is a folder, not a file" in result.stderr
    assert f"berthcheck load-dir {folder}" in result.stderr
    result = runner.invoke(app, ["load", "dcsa-jit", str(folder), "--db", str(db_path)])
    assert result.exit_code == 2 and f"{folder}: is a folder, not a file" in result.stderr


def test_a_file_whose_name_holds_a_control_character_is_refused(runner, db_path, tmp_path):
    """Before: `vis<ESC>its.csv` loaded and its name, with the invisible ESC, was stored with
    every row (`_source_file`) and printed raw to the terminal."""
    path = write_csv(tmp_path / "vis\x1bits.csv", [good_visit()])
    result = runner.invoke(app, ["load", "visits", str(path), "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert "vis\\x1bits.csv: the file's path holds the control character U+001B" in (
        result.stderr)
    assert "\x1b" not in result.output
    result = runner.invoke(app, ["load", "dcsa-jit", str(path), "--db", str(db_path)])
    assert result.exit_code == 2 and "U+001B (ESC)" in result.stderr


def test_second_writer_gets_database_in_use(runner, db_path, tmp_path):
    store.connect(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); print('ready', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        path = write_csv(tmp_path / "v.csv", [good_visit()])
        started = time.monotonic()
        result = runner.invoke(app, ["load", "visits", str(path), "--db", str(db_path)])
        assert result.exit_code == 3  # the database, not the input: README's exit codes
        assert "is in use by another" in result.stderr
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_overlap_with_already_loaded_rows_is_caught(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit()])])
    earlier = good_visit(visit_id="V0", arrival="2026-09-30 06:00", ready_to_work="",
                         pilot_on_board="", departure="2026-10-01 07:00")
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "b.csv", [earlier])])
    [error] = rejected.value.errors
    assert "visit V1 at the same time (already loaded)" in error.reason
    sp1 = {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-01 12:00",
           "disconnected": "2026-10-02 09:00"}
    load_files(con, "shore-power", [write_csv(tmp_path / "s1.csv", [sp1])])
    sp0 = {**sp1, "session_id": "S0", "connected": "2026-10-01 09:00",
           "disconnected": "2026-10-01 12:01"}
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "shore-power", [write_csv(tmp_path / "s0.csv", [sp0])])
    [error] = rejected.value.errors
    assert error.reason == "overlaps session S1 (an already loaded session) on the same visit"
    touching = {**sp0, "disconnected": "2026-10-01 12:00"}  # half-open: touching is fine
    load_files(con, "shore-power", [write_csv(tmp_path / "s0b.csv", [touching])])


@pytest.mark.parametrize("pool", ["the file's groups", "every stored row"])
def test_overlaps_are_found_among_the_stored_rows_of_the_files_groups(con, tmp_path,
                                                                      monkeypatch, pool):
    """A vessel's visits, a visit's sessions: the stored rows of other vessels and visits are
    left out of the overlap pools, which finds the same overlaps as pooling every stored row."""
    from berthcheck.ingest import cross_rows

    if pool == "every stored row":
        monkeypatch.setattr(cross_rows, "_OF_STAGED", "TRUE")
    other = good_visit(visit_id="V9", imo="9000003")  # another ship at the same time
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit(), other])])
    sessions = [{"session_id": f"S{v}", "visit_id": v, "connected": "2026-10-01 12:00",
                 "disconnected": "2026-10-02 09:00"} for v in ("V1", "V9")]
    load_files(con, "shore-power", [write_csv(tmp_path / "s1.csv", sessions)])
    again = good_visit(visit_id="V2", arrival="2026-10-02 06:00", ready_to_work="",
                       pilot_on_board="", departure="2026-10-04 06:00")
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "b.csv", [again])])
    assert [e.reason for e in rejected.value.errors] == [
        "vessel IMO 9321483 is at berth in visit V1 at the same time (already loaded)"]
    late = {**sessions[0], "session_id": "S2", "connected": "2026-10-02 08:00"}
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "shore-power", [write_csv(tmp_path / "s2.csv", [late])])
    assert [e.reason for e in rejected.value.errors] == [
        "overlaps session SV1 (an already loaded session) on the same visit"]


def test_the_overlap_query_runs_only_when_a_pair_is_possible(con, tmp_path, monkeypatch):
    """A small file whose rows are each alone in their group (one visit per vessel, one session
    per visit) with no stored row of those groups can overlap nothing: its window query (about
    5 ms of planning, most of a one-row load's checks) is not run. Two rows of one group in the
    file, or a stored row of a file's group, still run it and find the overlap."""
    from berthcheck.ingest import cross_rows

    asked = []
    real = cross_rows._overlapping_pairs
    monkeypatch.setattr(cross_rows, "_overlapping_pairs",
                        lambda *a: asked.append(a[2]) or real(*a))
    other = good_visit(visit_id="V9", imo="9000003")
    load_files(con, "visits", [write_csv(tmp_path / "a.csv", [good_visit(), other])])
    sessions = [{"session_id": f"S{v}", "visit_id": v, "connected": "2026-10-01 12:00",
                 "disconnected": "2026-10-02 09:00"} for v in ("V1", "V9")]
    load_files(con, "shore-power", [write_csv(tmp_path / "s1.csv", sessions)])
    assert asked == []
    later = good_visit(visit_id="V2", arrival="2026-10-05 06:00", ready_to_work="",
                       pilot_on_board="", departure="2026-10-06 06:00")
    load_files(con, "visits", [write_csv(tmp_path / "b.csv", [later])])  # a stored vessel
    assert asked == ["imo"]
    twice = [later | {"visit_id": "V3", "imo": "9000015"},
             later | {"visit_id": "V4", "imo": "9000015", "arrival": "2026-10-05 07:00"}]
    with pytest.raises(InputRejected) as rejected:
        load_files(con, "visits", [write_csv(tmp_path / "c.csv", twice)])
    assert [e.reason for e in rejected.value.errors] == [
        "vessel IMO 9000015 is at berth in visit V3 at the same time (row 2 of this file)"]
    assert asked == ["imo", "imo"]


def test_a_file_with_a_header_alone_is_said_to_have_no_rows(runner, db_path, tmp_path):
    # a template loaded as it is, or a month without captures: "0 rows, all already loaded"
    # told the user their rows were in the database already
    empty = write_csv(tmp_path / "capture.csv", [], header=["visit_id", "system_id", "started",
                                                           "ended"])
    result = runner.invoke(app, ["load", "capture", str(empty), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "capture.csv: no rows below the header; nothing changed" in result.output
    assert "already loaded" not in result.output


def test_load_json_reports_each_file_and_every_quarantined_problem(runner, db_path, tmp_path):
    # what a script needs without parsing the lines meant for people: rows per outcome, the
    # batch, and each quarantined row's file, row, column, value and reason
    good = write_csv(tmp_path / "v.csv", [good_visit(), good_visit(visit_id="V2",
                                                                   departure="not a time")])
    result = runner.invoke(app, ["load", "visits", str(good), "--quarantine", "--json",
                                 "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["kind"] == "visits"
    assert out["files"] == [{"file": "v.csv", "kind": "visits", "rows": 2, "new": 1,
                             "unchanged": 0, "replaced": 0, "quarantined": 1, "batch": 1,
                             "warnings": [], "notes": [], "unread_columns": [],
                             "unread_meant": {}}]
    assert out["written_files"] == []  # no --errors file
    [problem] = out["quarantined_problems"]
    assert (problem["file"], problem["row"], problem["column"], problem["value"]) == (
        "v.csv", 3, "departure", "not a time")
    again = runner.invoke(app, ["load", "visits", str(good), "--quarantine", "--json",
                                "--db", str(db_path)])
    assert json.loads(again.stdout)["files"][0]["batch"] is None  # nothing changed


def test_the_overlap_window_finds_every_pair_whatever_the_order_of_equal_starts():
    """`_overlapping_pairs` sorts each group's rows by start alone (no string tie-break):
    every overlapping pair (half-open spans) is still found, exactly those, whichever order
    rows of one start come in (its docstring's argument). Checked against every pair, on
    groups full of equal starts and of spans inside others, their rows stored in shuffled
    orders."""
    import random

    import duckdb

    from berthcheck.ingest.cross_rows import _overlapping_pairs

    con = duckdb.connect()
    rng = random.Random(16)
    rows = []  # 300 small groups (`g`) in one pool: each group's pairs are its own
    for case in range(300):
        for i in range(rng.randint(2, 14)):
            start = rng.choice([0, 0, 1, 2, 2, 3, 5, 8])
            end = start + rng.choice([1, 1, 2, 4, 9])
            rows.append((f"id{rng.randint(0, 10**6)}-{case}-{i}",
                         f"{case}{rng.choice('ab')}", start, end, 2 + len(rows),
                         rng.random() < 0.7))
    pool = pl.DataFrame(rng.sample(rows, len(rows)), orient="row",
                        schema=["id", "g", "s", "e", "row", "new"])
    con.register("p", pool.to_arrow())
    found = _overlapping_pairs(con, "SELECT id, id AS label, g, s, e, row, new FROM p", "g")
    groups: dict[str, list[tuple]] = {}
    for r in rows:
        groups.setdefault(r[1], []).append(r)
    expected = sorted(
        (a[4], a[0], a[0], b[0], b[5], b[4]) for group in groups.values()
        for a in group for b in group
        if a[0] != b[0] and a[2] < b[3] and b[2] < a[3] and a[5] and (not b[5] or a[4] > b[4]))
    assert len(expected) > 1000
    assert found == sorted(expected, key=lambda p: (p[0], p[3]))
