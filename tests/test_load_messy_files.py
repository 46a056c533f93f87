"""Files as port staff really get them (spreadsheet exports, web pages saved as .xls, wrapped
headers): each loads as meant or is refused naming file, row, column and value, nothing
written."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import UsageError
from berthcheck.ingest.load import load_files

from .conftest import good_visit
from .test_input_damage import _message, _rejected


def _workbook(path, rows: dict[int, list], serials: dict[tuple[int, int], float] | None = None):
    """`path` as a one-sheet workbook ("Calls"): each list of cells at its 0-based row, and each
    (row, column) of `serials` an Excel date-time serial shown as yyyy-mm-dd hh:mm."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("Calls")
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for at, cells in rows.items():
            sheet.write_row(at, 0, cells)
        for (at, column), serial in (serials or {}).items():
            sheet.write_number(at, column, serial, stamp)
    return path


def test_a_wrapped_or_non_breaking_header_is_still_its_column(con, tmp_path):
    # Excel's wrapped header ("Ready to" Alt-Enter "work") and a non-breaking space pasted
    # from a web page were unknown columns: kept in `extra`, the column read as empty, every
    # visit then judged insufficient_data without a word
    row = good_visit()
    header = ["Ready to\nwork" if h == "ready_to_work" else
              "Departure\u00a0Time" if h == "departure" else h for h in row]
    path = tmp_path / "visits.csv"
    lines = [",".join(f'"{h}"' for h in header), ",".join(row.values())]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT ready_to_work IS NOT NULL, extra FROM visits") == [(True, None)]


def test_trailing_empty_columns_of_a_spreadsheet_export_are_ignored(con, tmp_path):
    # Excel's "Save as CSV" of a sheet with formatted empty columns ends every line with
    # commas: the empty headers were "a header that appears twice" and the file refused
    row = good_visit()
    path = tmp_path / "visits.csv"
    path.write_text(",".join(row) + ",,,\n" + ",".join(row.values()) + ",,,\n",
                    encoding="utf-8")
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT visit_id, extra FROM visits") == [("V1", None)]


def test_a_column_without_a_header_but_with_values_is_named(con, tmp_path):
    row = good_visit()
    path = tmp_path / "visits.csv"
    path.write_text(",".join(row) + ",,\n" + ",".join(row.values()) + ",,17\n",
                    encoding="utf-8")
    exc = _rejected(con, path)
    assert [(e.file, e.row, e.value) for e in exc.errors] == [("visits.csv", 2, "17")]
    assert exc.errors[0].column == f"{len(row) + 2} (no header)"
    assert "without a header" in exc.errors[0].reason


def test_an_xlsx_column_without_a_header_but_with_values_is_named(con, tmp_path):
    row = good_visit()
    path = _workbook(tmp_path / "visits.xlsx",
                     {0: list(row), 1: [*row.values(), None, "total 1"]})
    exc = _rejected(con, path)
    assert [(e.row, e.column, e.value) for e in exc.errors] == [
        (2, "N (no header)", "total 1")]
    assert "without a header" in exc.errors[0].reason


_HTML = ("<html><head><meta charset='utf-8'></head><body><table><tr><th>visit_id</th></tr>"
         "<tr><td>V1</td></tr></table></body></html>")


@pytest.mark.parametrize("name", ["visits.xlsx", "visits.csv"])
def test_a_web_page_saved_as_a_spreadsheet_is_named_for_what_it_is(con, tmp_path, name):
    # a terminal's "export to Excel" is often an HTML table with a spreadsheet's name: it was
    # "Zip error: invalid Zip archive: Could not find EOCD", or nine missing columns
    path = tmp_path / name
    path.write_text(_HTML, encoding="utf-8")
    message = _message(_rejected(con, path))
    assert f"{name}: the file is a web page (HTML)" in message
    assert "save it as .xlsx or CSV" in message


def test_an_xls_file_says_how_to_make_it_readable(con, tmp_path):
    page = tmp_path / "visits.xls"
    page.write_text(_HTML, encoding="utf-8")
    with pytest.raises(UsageError, match=r"visits.xls: the file is a web page \(HTML\)"):
        load_files(con, "visits", [page])
    old = tmp_path / "calls.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(UsageError, match="Excel 97-2003 workbook.*save it as .xlsx"):
        load_files(con, "visits", [old])


def test_load_dir_refuses_a_kind_file_it_cannot_read_instead_of_skipping_it(runner, db_path,
                                                                             tmp_path):
    # visits.xls was "skipped: its name is not a kind" (printed only after a load that then
    # failed on every shore-power row: "no such visit is loaded")
    folder = tmp_path / "month"
    folder.mkdir()
    (folder / "visits.xls").write_text(_HTML, encoding="utf-8")
    (folder / "berths.csv").write_text("port,terminal,berth\nUSLAX,TRAPAC,B136\n",
                                       encoding="utf-8")
    result = runner.invoke(app, ["--db", str(db_path), "load-dir", str(folder), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "visits.xls" in result.output and "web page (HTML)" in result.output
    assert "Traceback" not in result.output
    assert not db_path.exists() or store.scalar(
        store.connect(db_path), "SELECT count(*) FROM berths") == 0


def test_a_decimal_comma_gets_a_hint(con, tmp_path):
    path = tmp_path / "shore_power.csv"
    load_files(con, "visits", [_visits(tmp_path)])
    path.write_text("visit_id;connected;disconnected;energy_kwh\n"
                    "V1;2026-10-01 09:00;2026-10-02 09:00;51421,7\n", encoding="utf-8")
    exc = _rejected(con, path, kind="shore-power", delimiter=";")
    assert [(e.row, e.column, e.value) for e in exc.errors] == [(2, "energy_kwh", "51421,7")]
    assert "decimal comma" in exc.errors[0].reason and "51421.7" in exc.errors[0].reason


def _visits(tmp_path):
    from .conftest import write_csv

    return write_csv(tmp_path / "visits.csv", [good_visit()])


def test_a_header_with_units_or_dots_is_its_column(con, tmp_path):
    # "Energy (kWh)" and "IMO No." were unknown columns: the energy read as empty, the
    # required imo missing
    load_files(con, "visits", [_visits(tmp_path)])
    path = tmp_path / "shore_power.csv"
    path.write_text("Visit ID,Connected,Disconnected,Energy (kWh)\n"
                    "V1,2026-10-01 09:00,2026-10-02 09:00,51421.7\n", encoding="utf-8")
    load_files(con, "shore-power", [path])
    assert store.run(con, "SELECT energy_kwh, extra FROM shore_power") == [(51421.7, None)]
    row = good_visit(visit_id="V2", imo="9074729", berth="B137")
    header = ["IMO No." if h == "imo" else h for h in row]
    visits = tmp_path / "visits2.csv"
    visits.write_text(",".join(header) + "\n" + ",".join(row.values()) + "\n",
                      encoding="utf-8")
    load_files(con, "visits", [visits])
    assert store.scalar(con, "SELECT imo FROM visits WHERE visit_id = 'V2'") == "9074729"


def test_load_says_which_columns_it_does_not_read(runner, db_path, tmp_path):
    # a column berthcheck does not know was kept in `extra` without a word: a misspelt
    # optional column ("Redy to work") read as empty, every visit insufficient_data. The line
    # names the column it looks like (it was only "name it as `schema` does"), never one the
    # file has (`Vessel Nme` beside vessel_name), and never reads it as that column
    row = {**good_visit(), "Redy to work": "2026-10-01 08:00", "Pilot Company": "Jacobsen",
           "Vessel Nme": "X"}
    del row["ready_to_work"]
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [row])
    result = runner.invoke(app, ["--db", str(db_path), "load", "visits", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert ("visits.csv: 3 columns not read by any rule (kept in extra): 'Redy to work' "
            "(ready_to_work?), 'Pilot Company', 'Vessel Nme'; if one is meant as a visits "
            "column, name it as `berthcheck schema visits` does") in result.output
    result = runner.invoke(app, ["--db", str(db_path), "load", "visits", str(path), "--json",
                                 "--replace"])
    import json

    loaded = json.loads(result.output)["files"][0]
    assert loaded["unread_columns"] == ["Redy to work", "Pilot Company", "Vessel Nme"]
    # and which column such a header looks like, as the line says (--json gave no hint)
    assert loaded["unread_meant"] == {"Redy to work": "ready_to_work"}


def test_contact_columns_the_exports_read_are_not_called_unread(runner, db_path, tmp_path):
    # a line's visits file with its operator's contact details (README, export
    # carb-visit-report) was told they are "not read by any rule; if one is meant as a visits
    # column, name it as `berthcheck schema visits` does", as if they were misspelt
    row = {**good_visit(), "Operator Address": "1 Harbor Way", "operator_email": "ops@x.example",
           "Terminal Operator": "TraPac LLC", "Pilot Company": "Jacobsen"}
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [row])
    result = runner.invoke(app, ["--db", str(db_path), "load", "visits", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert ("visits.csv: contact details kept for `export carb-visit-report` and `export "
            "wharfinger` (no rule reads them): 'Operator Address', 'operator_email', "
            "'Terminal Operator'") in result.stderr
    assert ("visits.csv: 1 column not read by any rule (kept in extra): 'Pilot Company'; "
            "if one is meant") in result.stderr


@pytest.mark.parametrize("above", [["October 2026 vessel calls"], ["Vessel", None, None, "Times"]])
def test_a_title_row_above_the_header_is_named_as_such(con, tmp_path, above):
    row = good_visit()
    path = _workbook(tmp_path / "visits.xlsx", {0: above, 2: list(row), 3: list(row.values())})
    exc = _rejected(con, path)
    assert exc.headline.startswith(f"visits.xlsx: the header row (row 1: {above[0]!r}")
    assert "title or merged cells above the header" in exc.headline
    assert {e.row for e in exc.errors} == {3}  # the real header's row, cell by cell


def test_an_excel_date_time_a_hair_below_the_minute_is_the_minute(con, tmp_path):
    # a serial written to seven decimals (46294.3694444, as several export tools write it)
    # is 08:51:59.996: Excel shows 08:52, berthcheck stored 08:51:59.996, a few milliseconds
    # that can flip a comparison at a rule's exact limit
    row = good_visit()
    path = _workbook(tmp_path / "visits.xlsx", {0: list(row), 1: list(row.values())},
                     {(1, list(row).index("ready_to_work")): 46296.3333333})
    load_files(con, "visits", [path])
    assert store.scalar(con, "SELECT strftime(ready_to_work AT TIME ZONE 'America/Los_Angeles',"
                             " '%Y-%m-%d %H:%M:%S.%f') FROM visits") == "2026-10-01 08:00:00.000000"


def test_load_dir_says_how_to_load_a_file_that_needs_an_option_it_lacks(runner, db_path,
                                                                        tmp_path):
    # load-dir's refusal said "give --encoding cp1252", an option it had not (exit 2); it has
    # them now per file (FILE=VALUE, tests/test_load_dir_options.py): said in that form
    from .conftest import write_csv

    folder = tmp_path / "month"
    folder.mkdir()
    text = (folder / "visits.csv")
    write_csv(text, [good_visit(vessel_name="CAP SAN ANTÔNIO")])
    text.write_bytes(text.read_text(encoding="utf-8").encode("cp1252"))
    result = runner.invoke(app, ["--db", str(db_path), "load-dir", str(folder), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "not UTF-8 at byte" in result.output
    assert "for this file give load-dir --encoding visits.csv=latin-1" in result.output
    assert f"berthcheck load visits {text} --encoding latin-1" in result.output


def test_a_date_time_cell_in_a_column_mixing_text_is_read_to_the_second_too(con, tmp_path):
    # a column of date-time cells and text cells is read as text, the date-time cells
    # written out by the reader with their milliseconds (07:59:59.997)
    first, second = good_visit(), good_visit(visit_id="V2", imo="9074729", berth="B137")
    # the second row's ready_to_work stays text
    path = _workbook(tmp_path / "visits.xlsx",
                     {0: list(first), 1: list(first.values()), 2: list(second.values())},
                     {(1, list(first).index("ready_to_work")): 46296.3333333})
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT strftime(ready_to_work AT TIME ZONE 'America/Los_Angeles', "
                          "'%H:%M:%S.%f') FROM visits ORDER BY visit_id") == [
        ("08:00:00.000000",), ("08:00:00.000000",)]


def test_a_csv_title_line_above_the_header_is_named_as_such(con, tmp_path):
    # every row was "the row has 12 fields, the header 1 (a value holding ',' must be
    # quoted)": true, but the cause is the title line
    row = good_visit()
    path = tmp_path / "visits.csv"
    path.write_text("Vessel calls October 2026\n\n" + ",".join(row) + "\n"
                    + ",".join(row.values()) + "\n", encoding="utf-8")
    exc = _rejected(con, path)
    assert exc.headline.startswith(
        "visits.csv: the first line ('Vessel calls October 2026') has 1 field and every "
        f"row below it {len(row)}: is it a title above the header?")
    assert [e.row for e in exc.errors] == [3, 4]


@pytest.mark.parametrize(("value", "words"), [
    ("2026-10-01 08:00 PM", "12-hour time with AM/PM"),
    ("10/01/2026 8:00 pm", "12-hour time with AM/PM"),
])
def test_a_12_hour_time_says_what_to_write(con, tmp_path, value, words):
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [good_visit(ready_to_work=value)])
    [error] = _rejected(con, path).errors
    assert (error.row, error.column, error.value) == (2, "ready_to_work", value)
    assert words in error.reason and "2026-10-03 14:20" in error.reason


_NEVER_GUESSED = ("not an ISO 8601 date: the day and month order of a date with slashes or "
                  "dots is never guessed; write ")


@pytest.mark.parametrize(("value", "reading"), [
    # before, each of these was told "the day and month order of 10/03/2026 is ambiguous":
    # another date than the one written, even where the order can only be one
    ("09/30/2026 06:00", "YYYY-MM-DD hh:mm: this one can only be 2026-09-30 06:00 "
                         "(month/day/year)"),
    ("30.09.2026 06:00", "YYYY-MM-DD hh:mm: this one can only be 2026-09-30 06:00 "
                         "(day/month/year)"),
    ("10/01/2026 08:00", "YYYY-MM-DD hh:mm: this one is 2026-01-10 08:00 (day/month/year) or "
                         "2026-10-01 08:00 (month/day/year)"),
    ("1/2/2026", "YYYY-MM-DD hh:mm: this one is 2026-02-01 (day/month/year) or 2026-01-02 "
                 "(month/day/year)"),
    ("10/01/26 08:00", "YYYY-MM-DD hh:mm, e.g. 2026-10-03 14:20"),  # a two-digit year
    ("40/40/2026 08:00", "YYYY-MM-DD hh:mm, e.g. 2026-10-03 14:20"),  # no date at all
    # nor these, in either order: they were told "this one can only be 2026-02-30" (and
    # 2026-04-31), a date the load then refuses in turn
    ("30/02/2026 08:00", "YYYY-MM-DD hh:mm, e.g. 2026-10-03 14:20"),
    ("04/31/2026", "YYYY-MM-DD hh:mm, e.g. 2026-10-03 14:20"),
    ("29.02.2028 08:00", "YYYY-MM-DD hh:mm: this one can only be 2028-02-29 08:00 "
                         "(day/month/year)"),  # a leap day is one
])
def test_a_slashed_date_says_its_own_readings(con, tmp_path, value, reading):
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [good_visit(ready_to_work=value)])
    [error] = _rejected(con, path).errors
    assert (error.row, error.column, error.value) == (2, "ready_to_work", value)
    assert error.reason == _NEVER_GUESSED + reading


def test_a_slashed_date_of_a_date_column_says_its_readings(con, tmp_path):
    from .conftest import write_csv

    path = write_csv(tmp_path / "caecs.csv", [
        {"system_id": "EO-1", "approved_from": "01/31/2024", "approved_to": ""},
        {"system_id": "EO-2", "approved_from": "1.2.2023", "approved_to": "2023-13-01"},
        {"system_id": "EO-3", "approved_from": "29/02/2023", "approved_to": ""}])
    errors = _rejected(con, path, kind="caecs").errors
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "approved_from", _NEVER_GUESSED + "YYYY-MM-DD: this one can only be 2024-01-31 "
                                              "(month/day/year)"),
        (3, "approved_from", _NEVER_GUESSED + "YYYY-MM-DD: this one is 2023-02-01 "
                                              "(day/month/year) or 2023-01-02 (month/day/year)"),
        (3, "approved_to", "not a date (expected YYYY-MM-DD)"),
        (4, "approved_from", _NEVER_GUESSED + "YYYY-MM-DD, e.g. 2026-10-03")]


def test_a_point_that_may_separate_thousands_is_warned_of_in_a_semicolon_file(con, tmp_path):
    """A European export (`;`-separated) writes 80 120 GT as `80.120`, read as 80.12 without a
    word: a ship under FuelEU's 5 000 GT. The value is still read as written (never guessed),
    and the load says so per value; a `,`-separated file's point is a decimal point."""
    from berthcheck.ingest.read import ReadOptions

    header = ("visit_id;imo;vessel_name;vessel_type;port;terminal;berth;arrival;"
              "ready_to_work;pilot_on_board;departure;shore_power_capable;gross_tonnage\n")
    times = "2026-10-01 06:00;2026-10-01 08:00;2026-10-03 05:00;2026-10-03 06:00"
    path = tmp_path / "visits.csv"
    path.write_text(header
                    + f"V1;9321483;A;container;USLAX;TRAPAC;B136;{times};yes;80.120\n"
                    + f"V2;9074729;B;container;USLAX;TRAPAC;B137;{times};yes;5000.5\n",
                    encoding="utf-8")
    (report,) = load_files(con, "visits", [path], read_options=ReadOptions(delimiter=";")).files
    assert [(w.row, w.column, w.value) for w in report.warnings] == [
        (2, "gross_tonnage", "80.120")]
    assert "if 80120 is meant, write it without the point" in report.warnings[0].reason
    assert store.run(con, "SELECT gross_tonnage FROM visits ORDER BY visit_id") == [
        (80.12,), (5000.5,)]
    assert store.scalar(con, "SELECT count(*) FROM load_warnings") == 1
    comma = tmp_path / "comma.csv"
    comma.write_text(path.read_text(encoding="utf-8").replace(";", ",").replace("V1,", "V3,")
                     .replace("V2,", "V4,").replace("2026-10-0", "2026-10-1"), encoding="utf-8")
    (plain,) = load_files(con, "visits", [comma]).files
    assert plain.warnings == []


def test_a_repeated_row_says_whether_it_repeats_the_whole_record(con, tmp_path):
    """Before: both were "duplicate of row 2 in this file", so a team could not tell an export
    that wrote a row twice (delete one) from two records of one visit id (which is right?)."""
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [
        good_visit(gross_tonnage="50000"),
        good_visit(visit_id="V2", imo="9074729", berth="B139", gross_tonnage="50000"),
        good_visit(gross_tonnage="50000"),  # the same record again (its times written otherwise: the same instants)
        good_visit(visit_id="V2", imo="9074729", berth="B139", shore_power_capable="false",
                   gross_tonnage="51000")])
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("2026-10-01 08:00", "2026-10-01T08:00")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    errors = _rejected(con, path).errors
    assert [(e.row, e.column, e.value, e.reason) for e in errors] == [
        (4, "visit_id", "V1", "duplicate of row 2 in this file (the same values in every "
                              "column: delete one of the two rows)"),
        (5, "visit_id", "V2", "duplicate of row 3 in this file (other values in column "
                              "shore_power_capable, gross_tonnage)")]


def test_a_repeated_row_differing_only_in_an_unread_column_names_it(con, tmp_path):
    """A column no rule reads is still kept (in `extra`, and in the row's hash): two rows of one
    visit id differing only there were "the same values in every column: delete one of the two
    rows", and deleting the one the team picked lost the other's note."""
    from .conftest import write_csv

    path = write_csv(tmp_path / "visits.csv", [
        {**good_visit(), "berth_note": "fender 3 damaged"},
        {**good_visit(), "berth_note": "fender 4 damaged"},
        {**good_visit(), "berth_note": "fender 3 damaged"}])
    errors = _rejected(con, path).errors
    assert [(e.row, e.reason) for e in errors] == [
        (3, "duplicate of row 2 in this file (other values in column berth_note, not read by "
            "any rule, kept in extra)"),
        (4, "duplicate of row 2 in this file (the same values in every column: delete one of "
            "the two rows)")]


@pytest.mark.parametrize(("cell", "words"), [
    ('"MARE NOSTRUM', "a quoted value is never closed"),
    ('"MARE" NOSTRUM', "text follows a quoted value's closing quote"),
])
def test_a_badly_quoted_value_names_its_row_and_column(con, tmp_path, cell, words):
    # polars said only "cannot be read as CSV: could not parse `"MARE NOSTRUM,...` as dtype"
    # cut at the value's first line: no row, and for an unclosed quote a piece of the rest of
    # the file; a quoted value holding a line break above it must not shift the row
    rows = [good_visit(visit_id="V1", operator="Line one\nline two"),
            good_visit(visit_id="V2"), good_visit(visit_id="V3")]
    path = tmp_path / "visits.csv"
    lines = [",".join(rows[0])]
    for row in rows:
        lines.append(",".join(
            cell if name == "vessel_name" and row["visit_id"] == "V3"
            else f'"{value}"' if "\n" in value else value for name, value in row.items()))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    exc = _rejected(con, path)
    # the value as read: an unclosed quote takes in the rest of its line
    assert [(e.row, e.column, e.value[:len(cell)]) for e in exc.errors] == [
        (4, "vessel_name", cell)]
    assert words in exc.errors[0].reason
