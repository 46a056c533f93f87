"""`load-dir --encoding/--sheet/--delimiter`, plain (every file of that format) or FILE=VALUE
(one file of the folder): a folder with a Latin-1 CSV and a workbook whose data is on its
second sheet loads in one command (before: no such options; the folder could only be loaded
file by file). berthcheck/ingest/folder_options.py."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.cli import app
from tests.conftest import good_visit, write_csv


def _month(folder):
    """visits.csv in Windows-1252 (an accented name), shore_power.xlsx with a cover sheet
    first and the sessions on the second sheet, "Sessions"."""
    import xlsxwriter

    folder.mkdir()
    visits = write_csv(folder / "visits.csv", [good_visit(vessel_name="CAP SAN ANTÔNIO")])
    visits.write_bytes(visits.read_text(encoding="utf-8").encode("cp1252"))
    with xlsxwriter.Workbook(str(folder / "shore_power.xlsx")) as book:
        book.add_worksheet("Cover").write_row(0, 0, ["Shore power sessions, October"])
        sessions = book.add_worksheet("Sessions")
        sessions.write_row(0, 0, ["visit_id", "connected", "disconnected"])
        sessions.write_row(1, 0, ["V1", "2026-10-01 09:00", "2026-10-03 04:00"])
    return folder


def _load(runner, db, folder, *options):
    return runner.invoke(app, ["load-dir", str(folder), "--db", str(db), "--quiet", *options])


def _assert_month_loaded(db) -> None:
    """The month's one visit, its name read as cp1252, and its one session from the sheet."""
    con = store.connect(db, read_only=True)
    try:
        assert store.run(con, "SELECT vessel_name FROM visits") == [("CAP SAN ANTÔNIO",)]
        assert store.scalar(con, "SELECT count(*) FROM shore_power") == 1
    finally:
        con.close()


def test_per_file_encoding_and_sheet_load_the_folder_in_one_command(runner, tmp_path):
    folder = _month(tmp_path / "month")
    db = tmp_path / "s.duckdb"
    result = _load(runner, db, folder, "--encoding", "visits.csv=cp1252",
                   "--sheet", "shore_power.xlsx=Sessions")
    assert result.exit_code == 0, result.output
    _assert_month_loaded(db)


def test_the_plain_form_is_every_file_of_its_format(runner, tmp_path):
    # --encoding reads the CSV files, --sheet the workbooks: neither is refused for the other
    result = _load(runner, tmp_path / "s.duckdb", _month(tmp_path / "month"),
                   "--encoding", "cp1252", "--sheet", "Sessions")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("options", "message"), [
    (["--encoding", "berths.csv=cp1252"],
     "--encoding 'berths.csv=cp1252': no file 'berths.csv' in {folder} that load-dir loads "
     "(FILE is a file's name in the folder: shore_power.xlsx, visits.csv)"),
    (["--encoding", "notes.txt=cp1252"],
     "--encoding 'notes.txt=cp1252': load-dir does not load notes.txt (its name is not a "
     "kind, e.g. visits.csv)"),
    (["--sheet", "visits.csv=Sessions"],
     "--sheet 'visits.csv=Sessions': --sheet applies to XLSX workbooks only, and visits.csv "
     "is not one"),
    (["--encoding", "visits.csv=cp1252", "--encoding", "visits.csv=latin-1"],
     "--encoding is given twice for visits.csv ('cp1252' and 'latin-1')"),
    (["--encoding", "cp1252", "--encoding", "latin-1"],
     "--encoding 'cp1252' and --encoding 'latin-1': give the plain form once (for every "
     "file), and --encoding FILE=VALUE for a file of its own"),
    (["--sheet", "shore_power.xlsx="], "--sheet 'shore_power.xlsx=': no value after '=' for "
     "shore_power.xlsx"),
    # the value itself, checked before the database is made and named with its file (was:
    # "--encoding 'nosuchenc' is not an encoding ..." naming no file, after the database was
    # made)
    (["--encoding", "visits.csv=nosuchenc"], "--encoding 'visits.csv=nosuchenc': 'nosuchenc' "
     "is not an encoding Python knows (e.g. utf-8, cp1252, latin-1, utf-16)"),
    (["--encoding", "nosuchenc"], "--encoding 'nosuchenc': 'nosuchenc' is not an encoding "
     "Python knows (e.g. utf-8, cp1252, latin-1, utf-16)"),
    (["--delimiter", "visits.csv=;;"], "--delimiter 'visits.csv=;;': the delimiter is one "
     "character (or 'tab'), not ';;'"),
    # was: "--delimiter '=': no file '' in ... that load-dir loads", saying neither how the
    # value was read nor how a delimiter '=' is given
    (["--delimiter", "="], "--delimiter '=' is read as FILE=VALUE, split at the first '=' "
     "(FILE '', VALUE ''): no FILE is named; a delimiter '=' is given to one file as FILE== "
     "(e.g. --delimiter visits.csv==), file by file: there is no plain form of it for every "
     "file"),
    (["--sheet", "=Data"], "--sheet '=Data' is read as FILE=VALUE, split at the first '=' "
     "(FILE '', VALUE 'Data'): no FILE is named; a value holding '=' is given to one file as "
     "FILE=VALUE (e.g. --sheet shore_power.xlsx=VALUE), file by file"),
])
def test_a_file_option_that_names_no_file_of_the_folder_is_a_usage_error(runner, tmp_path,
                                                                          options, message):
    folder = _month(tmp_path / "month")
    (folder / "notes.txt").write_text("not a kind", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    result = _load(runner, db, folder, *options)
    assert result.exit_code == 2, result.output
    assert f"error: {message.format(folder=folder)}" in result.stderr
    assert "Traceback" not in result.output
    assert not db.exists()  # refused before the database is made


def test_without_the_options_the_refusal_says_them_in_load_dirs_form(runner, tmp_path):
    result = _load(runner, tmp_path / "s.duckdb", _month(tmp_path / "month"),
                   "--encoding", "visits.csv=cp1252")
    assert result.exit_code == 1, result.output
    assert "say which to read with --sheet NAME" in result.stderr
    assert "for this file give load-dir --sheet shore_power.xlsx=NAME" in result.stderr


def test_a_plain_option_for_a_format_the_folder_has_no_file_of_is_a_usage_error(runner,
                                                                                 tmp_path):
    # it read nothing and was said nowhere: `--sheet Sessions` for a folder of CSV files
    # loaded them with exit 0, as if the option had been used
    folder = tmp_path / "month"
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit()])
    db = tmp_path / "s.duckdb"
    result = _load(runner, db, folder, "--sheet", "Sessions")
    assert result.exit_code == 2, result.output
    assert ("error: --sheet 'Sessions': --sheet applies to XLSX workbooks only, and load-dir "
            f"loads none from {folder}") in result.stderr
    assert not db.exists()


def test_a_delimiter_equals_sign_is_given_file_by_file(runner, tmp_path):
    # the way the refusal of `--delimiter =` names: FILE==
    folder = tmp_path / "month"
    folder.mkdir()
    visits = write_csv(folder / "visits.csv", [good_visit()])
    visits.write_text(visits.read_text(encoding="utf-8").replace(",", "="), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    result = _load(runner, db, folder, "--delimiter", "visits.csv==")
    assert result.exit_code == 0, result.output
    con = store.connect(db, read_only=True)
    try:
        assert store.run(con, "SELECT visit_id FROM visits") == [("V1",)]
    finally:
        con.close()


def test_a_file_whose_name_holds_an_equals_sign_is_named_whole(runner, tmp_path):
    """The folder's own file names decide where FILE ends: was "... split at the first '='
    (FILE 'visits_2026', VALUE '10.csv=cp1252'), so a file whose name holds '=' cannot be
    named: rename visits_2026=10.csv", exit 2."""
    import xlsxwriter

    folder = tmp_path / "month"
    folder.mkdir()
    visits = write_csv(folder / "visits_2026=10.csv", [good_visit(vessel_name="CAP SAN ANTÔNIO")])
    visits.write_bytes(visits.read_text(encoding="utf-8").encode("cp1252"))
    with xlsxwriter.Workbook(str(folder / "shore_power_2026=10.xlsx")) as book:
        book.add_worksheet("Cover").write_row(0, 0, ["Shore power sessions, October"])
        sessions = book.add_worksheet("a=b")  # a sheet whose name holds '=' too
        sessions.write_row(0, 0, ["visit_id", "connected", "disconnected"])
        sessions.write_row(1, 0, ["V1", "2026-10-01 09:00", "2026-10-03 04:00"])
    db = tmp_path / "s.duckdb"
    result = _load(runner, db, folder, "--encoding", "visits_2026=10.csv=cp1252",
                   "--sheet", "shore_power_2026=10.xlsx=a=b")
    assert result.exit_code == 0, result.output
    _assert_month_loaded(db)


def test_a_file_option_two_file_names_fit_is_refused_as_ambiguous(tmp_path):
    from berthcheck.errors import UsageError
    from berthcheck.ingest.folder_options import _split

    with pytest.raises(UsageError, match=r"could name a\.csv or a\.csv=b\.csv; rename"):
        _split("--encoding", "a.csv=b.csv=cp1252", ["a.csv", "a.csv=b.csv"])
    assert _split("--sheet", "book=1.xlsx=x=y", ["book=1.xlsx"]) == ("book=1.xlsx", "=", "x=y")
    assert _split("--sheet", "book.xlsx=x=y", ["book.xlsx"]) == ("book.xlsx", "=", "x=y")
    assert _split("--delimiter", "=", ["v.csv"]) == ("", "=", "")
