"""`berthcheck load-dir DIR`: dependency order, one all-or-nothing unit, and what the empty
kinds mean for the verdicts (the same lines `check` prints)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files
from berthcheck.ingest.load_dir import kind_of, plan
from tests.conftest import good_visit, write_csv

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("visits.csv", "visits"),
        ("Visits 2026-10.xlsx", "visits"),
        ("visit_counts.csv", "visit-counts"),  # never taken for visits
        ("shore-power.csv", "shore-power"),
        ("ShorePower.parquet", "shore-power"),
        ("shore_power_october.csv", "shore-power"),
        ("caecs.csv", "caecs"),
        ("README.md", None),
        ("visitsextra.csv", None),
    ],
)
def test_file_names_map_to_kinds(name, kind):
    assert kind_of(Path(name)) == kind


def test_plan_follows_dependency_order(tmp_path):
    for name in ("events.csv", "visits.csv", "shore_power.csv", "berths.csv", "notes.txt"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    files, skipped = plan(tmp_path)
    assert list(files) == ["berths", "visits", "shore-power", "events"]
    assert [p.name for p in skipped] == ["notes.txt"]


def test_load_dir_loads_the_sample_month_and_names_empty_kinds(tmp_path):
    db = tmp_path / "bc.duckdb"
    result = runner.invoke(app, ["load-dir", str(SAMPLE), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "visits       visits.csv: 202 rows -> 202 new" in result.stdout
    assert "skipped README.md" in result.stderr
    # sample_data's coverage file is empty (one month is never a complete year)
    assert "warning: no visit-counts table:" not in result.stderr
    assert "warning: no coverage table:" in result.stderr
    assert "no capture table" not in result.stderr
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT count(*) FROM shore_power") == 110
    finally:
        con.close()


def test_one_bad_row_anywhere_leaves_the_database_as_it_was(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE / "berths.csv", folder / "berths.csv")
    write_csv(folder / "visits.csv", [good_visit()])
    write_csv(folder / "shore_power.csv", [{
        "visit_id": "V1", "connected": "2026-10-01 09:00", "disconnected": "not a time"}])
    db = tmp_path / "bc.duckdb"
    result = runner.invoke(app, ["load-dir", str(folder), "--db", str(db)])
    assert result.exit_code == 1
    assert "shore_power.csv, row 2, column disconnected" in result.stderr
    con = store.connect(db)
    try:  # berths and visits were loaded before the bad file, and rolled back with it
        assert store.scalar(con, "SELECT count(*) FROM berths") == 0
        assert store.scalar(con, "SELECT count(*) FROM visits") == 0
        assert store.scalar(con, "SELECT count(*) FROM load_batches") == 0
    finally:
        con.close()


def test_check_warns_about_empty_tables_its_pack_reads(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit()])
    db = tmp_path / "bc.duckdb"
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    checked = runner.invoke(app, ["check", "--db", str(db)])
    assert checked.exit_code == 0, checked.output
    for line in ("no capture table: no visit is credited with capture-and-control",
                 "no terminals table: low-activity status comes from visit-counts",
                 "no shore-power table", "no events table", "no allowances table"):
        assert f"warning: {line}" in checked.stderr
        assert f"warning: {line}" in loaded.stderr  # the same words in both commands
    # the CARB pack counts history from visit-counts and coverage: check names them too
    assert "warning: no visit-counts table:" in checked.stderr
    assert "warning: no coverage table:" in checked.stderr
    # ... and the FuelEU pack reads neither: its check does not mention them
    fueleu = runner.invoke(app, ["check", "--db", str(db), "--pack", "fueleu-art6"])
    assert fueleu.exit_code == 0, fueleu.output
    assert "visit-counts" not in fueleu.stderr and "coverage" not in fueleu.stderr


def test_not_a_folder_or_no_known_file_is_a_usage_error(tmp_path):
    missing = runner.invoke(app, ["load-dir", str(tmp_path / "nope"), "--db", str(tmp_path / "d.duckdb")])
    assert missing.exit_code == 2 and "is not a folder" in missing.stderr
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    none = runner.invoke(app, ["load-dir", str(tmp_path), "--db", str(tmp_path / "d.duckdb")])
    assert none.exit_code == 2 and "no file named after a kind" in none.stderr


def test_a_folder_without_california_visits_is_not_warned_about_carb_tables(tmp_path):
    # a Rotterdam month: terminals, CAECS, allowances, visit-counts and coverage are read only
    # by the CARB pack, which judges none of these calls; warning about them was noise
    folder = tmp_path / "eu"
    assert runner.invoke(app, ["sample", "--port", "NLRTM", "--out", str(folder)]).exit_code == 0
    result = runner.invoke(app, ["load-dir", str(folder), "--db", str(tmp_path / "bc.duckdb")])
    assert result.exit_code == 0, result.output
    for table in ("terminals", "caecs", "allowances", "visit-counts", "coverage"):
        assert f"warning: no {table} table" not in result.stderr, result.stderr
    assert "warning: no ports table" in result.stderr  # still said: the built-in ports are used


def test_a_skipped_file_whose_name_holds_a_control_character_is_shown_escaped(tmp_path):
    """`skipped NAME` printed the file's name as it is: an ESC in it reached the terminal raw
    (a colour or cursor sequence of the name's choosing). It is shown as \\x1b."""
    folder = tmp_path / "month"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.md", "*.csv"))
    shutil.copy(SAMPLE / "visits.csv", folder / "visits.csv")
    (folder / "notes\x1b[31mred.txt").write_text("not a kind\n", encoding="utf-8")
    result = runner.invoke(app, ["load-dir", str(folder), "--db", str(tmp_path / "bc.duckdb")])
    assert "\x1b" not in result.stderr, result.stderr
    assert "skipped notes\\x1b[31mred.txt: its name is not a kind" in result.stderr


def test_load_dir_json_reports_each_kind_skipped_files_and_empty_kinds(tmp_path):
    result = runner.invoke(app, ["load-dir", str(SAMPLE), "--json",
                                 "--db", str(tmp_path / "bc.duckdb")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [load["kind"] for load in out["loads"]][:2] == ["berths", "terminals"]
    visits = next(load for load in out["loads"] if load["kind"] == "visits")
    assert visits["files"][0]["file"] == "visits.csv"
    assert visits["files"][0]["rows"] == visits["files"][0]["new"] == 202
    assert out["skipped"] == ["README.md"]
    # sample_data's coverage file is empty (one month is never a complete year)
    assert "coverage" in out["empty_kinds"] and "capture" not in out["empty_kinds"]
    assert any(w.startswith("no coverage table: ") for w in out["warnings"])
    assert result.stderr == ""  # everything is in the JSON


def test_a_folder_whose_visits_are_in_a_file_load_dir_skips_says_so(tmp_path):
    """Before: a JIT month's folder (`sample --format dcsa-jit`: jit.json, details.csv, ...)
    was refused as every capture row's "no such visit is loaded (load the visits first)",
    never naming jit.json, which load-dir skips (it lists skipped files only after a load that
    succeeds). The message now names the skipped files and how a JIT extract is loaded."""
    folder = tmp_path / "jit-month"
    folder.mkdir()
    (folder / "jit.json").write_text("{}", encoding="utf-8")
    write_csv(folder / "shore_power.csv", [{"visit_id": "t1/B1", "connected":
                                            "2026-10-01 09:00", "disconnected":
                                            "2026-10-02 09:00"}])
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["load-dir", str(folder), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == (
        "error: shore_power.csv: rejected, 1 bad row (1 problem); nothing was loaded; the "
        "folder has no visits file and load-dir skipped jit.json (not named after a kind): "
        "load a DCSA JIT extract (.json) with `berthcheck load dcsa-jit FILE` (`--details`, "
        "`--terminal-aliases`) first, then load-dir the folder")
    assert not db.exists()
    # with a visits file the folder's own rows are at fault: no such hint
    write_csv(folder / "visits.csv", [good_visit()])
    again = runner.invoke(app, ["load-dir", str(folder), "--db", str(db)])
    assert again.exit_code == 1 and "skipped" not in again.stderr.splitlines()[0]


def test_a_session_of_a_quarantined_visit_names_the_visit_row_not_a_missing_load(tmp_path):
    """`load-dir --quarantine` of a folder whose visits row is refused (a bad IMO check digit):
    its shore power session was quarantined as "no such visit is loaded (load the visits
    first)", though the folder's visits file was loaded one step before; the report's data
    quality chapter said the same. The reason now names the quarantined visits row and why."""
    folder = tmp_path / "month"
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit(imo="9321484"),
                                      good_visit(visit_id="V2", imo="9337638")])
    write_csv(folder / "shore_power.csv", [
        {"visit_id": "V1", "connected": "2026-10-01 09:00", "disconnected": "2026-10-03 04:00"},
        {"visit_id": "NO-SUCH", "connected": "2026-10-01 09:00",
         "disconnected": "2026-10-03 04:00"}])
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["load-dir", str(folder), "--db", str(db), "--quarantine",
                                 "--json"])
    assert result.exit_code == 0, result.output
    problems = {p["value"]: p for p in json.loads(result.stdout)["loads"][1]["quarantined_problems"]}
    assert problems["V1"]["file"] == "shore_power.csv" and problems["V1"]["row"] == 2
    assert problems["V1"]["reason"] == (
        "no such visit is loaded: its visits row was quarantined (visits.csv row 2, column "
        "imo: not a valid IMO number (7 digits with a correct check digit)); correct that "
        "row, then load it and this row again")
    # a visit no file gave keeps the words it had
    assert problems["NO-SUCH"]["reason"] == "no such visit is loaded (load the visits first)"


def test_two_contents_of_one_load_name_the_columns_that_differ(tmp_path, con):
    """Before: the refusal named both files and rows but not what differs, unlike a key given
    twice in one file (row_problems.py); a user compared the two rows cell by cell. Now the
    same words: the columns read, then the unread ones (kept in extra)."""
    first = write_csv(tmp_path / "visits.csv", [{**good_visit(), "agent": "Inchcape"}])
    second = write_csv(tmp_path / "visits-2.csv", [
        {**good_visit(berth="B139", departure="2026-10-03 07:00"), "agent": "GAC"}])
    with pytest.raises(InputRejected) as exc:
        load_files(con, "visits", [first, second])
    assert [(e.file, e.row, e.value) for e in exc.value.errors] == [("visits-2.csv", 2, "V1")]
    assert exc.value.errors[0].reason.startswith(
        "given with other content by visits.csv row 2 of this same load (other values in "
        "column berth, departure; and in column agent, not read by any rule, kept in extra): ")


def test_two_files_of_one_load_giving_a_row_two_contents_are_refused(tmp_path):
    """Before: a folder with visits.csv and its correction visits-2.csv loaded visits-2.csv
    first (by name), then refused visits.csv's older row as "already loaded with different
    content; use --replace to load the new version" — and with --replace the older row replaced
    the correction without a word. Neither file is taken for the newer: the row is refused,
    naming both, with --replace too; a row both give alike loads once."""
    folder = tmp_path / "month"
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit(), good_visit(visit_id="V2", imo="9074729",
                                                               berth="B139")])
    write_csv(folder / "visits-2.csv", [good_visit(shore_power_capable="no")])
    db = tmp_path / "s.duckdb"
    for extra in ([], ["--replace"]):
        result = runner.invoke(app, ["load-dir", str(folder), "--db", str(db), *extra])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines()[1] == (
            "  visits.csv, row 2, column visit_id: 'V1': given with other content by "
            "visits-2.csv row 2 of this same load (other values in column "
            "shore_power_capable): keep the right one of the two rows "
            "(--replace replaces a row an earlier load stored, never another file's of this "
            "load)")
        assert not db.exists()
    # `load` of the two files in one command: the same
    both = runner.invoke(app, ["load", "visits", str(folder / "visits-2.csv"),
                               str(folder / "visits.csv"), "--db", str(db), "--replace"])
    assert both.exit_code == 1 and "of this same load" in both.stderr
    # the correction loaded by a later command replaces as ever
    write_csv(folder / "visits-2.csv", [good_visit()])
    same = runner.invoke(app, ["load-dir", str(folder), "--db", str(db)])
    assert same.exit_code == 0, same.output
    write_csv(tmp_path / "fix.csv", [good_visit(shore_power_capable="no")])
    fixed = runner.invoke(app, ["load", "visits", str(tmp_path / "fix.csv"), "--db", str(db),
                                "--replace"])
    assert fixed.exit_code == 0, fixed.output
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT shore_power_capable FROM visits "
                                 "WHERE visit_id = 'V1'") is False
    finally:
        con.close()


def test_quarantine_errors_onto_a_file_of_the_folder_is_refused(tmp_path):
    # with --quarantine the folder's loads are given no --errors (load-dir writes it once),
    # so none checked it against the folder's own files: `load-dir DIR --quarantine --errors
    # DIR/visits.csv` loaded the visits, then replaced visits.csv with the errors CSV, exit 0
    folder = tmp_path / "month"
    folder.mkdir()
    visits = write_csv(folder / "visits.csv", [good_visit()])
    content = visits.read_bytes()
    db = tmp_path / "bc.duckdb"
    result = CliRunner().invoke(app, ["load-dir", str(folder), "--quarantine", "--errors",
                                      str(visits), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert f"--errors {visits} is an input file" in result.output
    assert visits.read_bytes() == content
    assert not db.exists()  # refused before anything is loaded
