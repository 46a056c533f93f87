"""Issue 15, item 4: input that would be stored damaged is refused, clearly, or read as told."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from berthcheck import store
from berthcheck.errors import InputRejected, UsageError
from berthcheck.ingest.load import load_files
from berthcheck.ingest.read import ReadOptions

from .conftest import good_visit, snapshot


def _csv_text(rows: list[dict], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter,
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _rejected(con, path, kind="visits", **options) -> InputRejected:
    before = snapshot(con)
    with pytest.raises(InputRejected) as exc:
        load_files(con, kind, [path], read_options=ReadOptions(**options))
    assert snapshot(con) == before
    return exc.value


def _message(exc: InputRejected) -> str:
    return "\n".join([exc.headline, *map(str, exc.errors)])


def test_latin1_is_refused_with_byte_offset_then_read_with_encoding(con, tmp_path):
    text = _csv_text([good_visit(vessel_name="CAP SAN ANTÔNIO")])
    path = tmp_path / "visits.csv"
    path.write_bytes(text.encode("cp1252"))
    message = _message(_rejected(con, path))
    offset = text.encode("cp1252").index("Ô".encode("cp1252"))
    assert f"not UTF-8 at byte {offset} (row 2" in message and "--encoding" in message
    load_files(con, "visits", [path], read_options=ReadOptions(encoding="cp1252"))
    assert store.scalar(con, "SELECT vessel_name FROM visits") == "CAP SAN ANTÔNIO"


def test_windows_1252_read_as_latin_1_is_refused_not_stored_as_control_characters(con,
                                                                                 tmp_path):
    """Before: `--encoding latin-1` (the README names it beside cp1252) on a Windows-1252 file
    stored O’BRIEN's curly quote and the dash as the invisible controls U+0092 and U+0097:
    silent damage. Latin-1 text itself (no byte 0x80-0x9F) still loads as it is."""
    text = _csv_text([good_visit(vessel_name="O’BRIEN — ÅS", operator="x"),
                      good_visit(visit_id="V2", imo="9074729", berth="B139")])
    path = tmp_path / "visits.csv"
    path.write_bytes(text.encode("cp1252"))
    for encoding in ("latin-1", "iso-8859-15"):
        assert _rejected(con, path, encoding=encoding).headline == (
            f"visits.csv: row 2 holds U+0092, a control character no text holds, as read "
            f"with --encoding {encoding}; the file is most likely Windows-1252: give "
            "--encoding cp1252; nothing was loaded")
    load_files(con, "visits", [path], read_options=ReadOptions(encoding="cp1252"))
    assert store.scalar(con, "SELECT vessel_name FROM visits WHERE visit_id = 'V1'") == (
        "O’BRIEN — ÅS")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(_csv_text([good_visit(visit_id="V3", imo="9337638", berth="B140", vessel_name="ÅS")]).encode("latin-1"))
    load_files(con, "visits", [latin], read_options=ReadOptions(encoding="latin-1"))
    assert store.scalar(con, "SELECT vessel_name FROM visits WHERE visit_id = 'V3'") == "ÅS"


def test_gb18030_is_refused_with_a_chinese_hint_then_read_with_encoding(con, tmp_path):
    # A Shanghai terminal's export in GBK / GB18030 was refused as "looks like cp1252
    # (Latin-1/Windows-1252)": following that hint loads mojibake. The hint names gb18030.
    text = _csv_text([good_visit(vessel_name="中远海运白羊座", terminal="洋山四期")])
    path = tmp_path / "visits.csv"
    path.write_bytes(text.encode("gb18030"))
    message = _message(_rejected(con, path))
    assert "--encoding gb18030" in message and "GBK" in message
    assert "cp1252" not in message and "latin-1" not in message
    load_files(con, "visits", [path], read_options=ReadOptions(encoding="gb18030"))
    assert store.scalar(con, "SELECT vessel_name FROM visits") == "中远海运白羊座"


def test_accented_latin_still_gets_the_cp1252_hint(con, tmp_path):
    for name in ("SÉVILLE ÅLESUND", "CAP SAN ANTÔNIO"):
        path = tmp_path / "visits.csv"
        path.write_bytes(_csv_text([good_visit(vessel_name=name)]).encode("cp1252"))
        message = _message(_rejected(con, path))
        assert "Latin-1/Windows-1252" in message and "gb18030" not in message, name


def test_utf16_gets_a_clear_message(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(_csv_text([good_visit()]).encode("utf-16"))
    assert "UTF-16" in _rejected(con, path).headline
    load_files(con, "visits", [path], read_options=ReadOptions(encoding="utf-16"))
    assert store.scalar(con, "SELECT count(*) FROM visits") == 1


def test_cr_only_line_ends_are_an_error(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(_csv_text([good_visit()]).replace("\n", "\r").encode())
    assert "carriage return only" in _rejected(con, path).headline


def test_bytes_after_the_header_that_give_no_row_are_an_error(con, tmp_path, monkeypatch):
    path = tmp_path / "visits.csv"
    header = ",".join(good_visit())
    path.write_text(header + "\n\"unterminated\n", encoding="utf-8")
    exc = _rejected(con, path)  # named: row, column and the quote never closed
    assert [(e.row, e.column, e.value) for e in exc.errors] == [(2, "visit_id", '"unterminated')]
    assert "a quoted value is never closed" in exc.errors[0].reason
    # a reader that returns no rows for bytes it did not understand is caught too
    import berthcheck.ingest.read as read

    path.write_text(header + "\nsomething\n", encoding="utf-8")
    monkeypatch.setattr(read.pl, "read_csv", lambda *a, **k: pl.DataFrame(
        {c: [] for c in good_visit()}, schema={c: pl.String for c in good_visit()}))
    assert "no data rows could be read" in _rejected(con, path).headline


def test_semicolon_files_get_a_hint_and_read_with_delimiter(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit()], delimiter=";"), encoding="utf-8")
    assert "--delimiter ';'" in _rejected(con, path).headline
    load_files(con, "visits", [path], read_options=ReadOptions(delimiter=";"))
    assert store.scalar(con, "SELECT count(*) FROM visits") == 1


def test_tab_files_get_a_hint_too(con, tmp_path):
    # Excel's "Unicode Text" export is UTF-16 and tab-separated: with --encoding utf-16 alone
    # it gave one "required column is missing" per required column and no hint
    path = tmp_path / "visits.txt"
    path.write_bytes(_csv_text([good_visit()], delimiter="\t").replace("\n", "\r\n")
                     .encode("utf-16"))
    headline = _rejected(con, path, encoding="utf-16").headline
    assert "looks separated by tabs; give --delimiter tab" in headline
    load_files(con, "visits", [path], read_options=ReadOptions(encoding="utf-16",
                                                               delimiter="tab"))
    assert store.scalar(con, "SELECT count(*) FROM visits") == 1


def test_a_header_that_appears_twice_is_an_error(con, tmp_path):
    path = tmp_path / "visits.csv"
    text = _csv_text([good_visit()])
    lines = text.splitlines()
    path.write_text(lines[0] + ",remarks,Remarks\n" + lines[1] + ",a,b\n", encoding="utf-8")
    errors = _rejected(con, path).errors
    assert errors[0].row == 1 and "header appears twice" in errors[0].reason


def test_empty_lines_are_skipped_and_later_rows_keep_their_numbers(con, tmp_path):
    # a trailing blank line (most editors leave one), a CRLF blank line and a line of
    # separators only (a spreadsheet's formatted empty row) hold no value: they were each
    # read as a row with every required column empty, rejecting the whole file
    lines = _csv_text([good_visit(), good_visit(visit_id="V2", imo="9074729",
                                                 berth="B999")]).splitlines()
    width = len(good_visit()) - 1
    path = tmp_path / "visits.csv"
    path.write_bytes("\r\n".join([lines[0], lines[1], "", "," * width, lines[2], "", ""]).encode())
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT visit_id, _source_row FROM visits ORDER BY visit_id") == [
        ("V1", 2), ("V2", 5)]
    # a bad row after empty lines is named by its own line of the file
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], "", lines[2].replace("B999", "")]) + "\n\n",
                   encoding="utf-8")
    errors = _rejected(con, bad).errors
    assert [(e.row, e.column) for e in errors] == [(3, "berth")]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_row_with_more_fields_than_the_header_is_named(con, tmp_path, delimiter):
    # an unquoted separator inside a value ("Smith, Jones Shipping"): polars' message named
    # no row, so the user had to hunt through the file
    lines = _csv_text([good_visit(), good_visit(visit_id="V2")], delimiter=delimiter).splitlines()
    wide = lines[2].replace("EVER GIVEN", f"EVER{delimiter} GIVEN")
    path = tmp_path / "visits.csv"
    path.write_text("\n".join([lines[0], lines[1], "", wide]) + "\n", encoding="utf-8")
    exc = _rejected(con, path, delimiter=delimiter)
    width = len(good_visit())
    assert [(e.row, e.column, e.value) for e in exc.errors] == [
        (4, f"field {width + 1}", lines[2].split(delimiter)[-1])]
    assert f"{width + 1} fields, the header {width}" in exc.errors[0].reason


def test_empty_spreadsheet_rows_are_skipped(con, tmp_path):
    header = list(good_visit())
    rows = [header, list(good_visit().values()), [None] * len(header),
            list(good_visit(visit_id="V2", imo="9074729").values())]
    path = _xlsx(tmp_path / "visits.xlsx", {"Calls": rows})
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT visit_id, _source_row FROM visits ORDER BY visit_id") == [
        ("V1", 2), ("V2", 4)]


def test_rows_of_spaces_only_are_skipped_as_empty(con, tmp_path):
    """Before: a spreadsheet row that looks empty but holds a space (a cell someone cleared
    with the space bar), or a CSV line of separators and spaces, was refused as "port: is
    required but empty" for a row the user sees blank. Its cells hold no value once trimmed;
    a row with one value among spaces is still a row (and refused for its empty cells)."""
    header = list(good_visit())
    rows = [header, list(good_visit().values()), [" "] + [None] * (len(header) - 1),
            list(good_visit(visit_id="V2", imo="9074729").values()), ["  ", "\t"] * 2]
    path = _xlsx(tmp_path / "visits.xlsx", {"Calls": rows})
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT visit_id, _source_row FROM visits ORDER BY visit_id") == [
        ("V1", 2), ("V2", 4)]
    lines = _csv_text([good_visit(visit_id="V3", imo="9337638", berth="B140")]).splitlines()
    csv_path = tmp_path / "more.csv"
    csv_path.write_text("\n".join([lines[0], " , ,", lines[1], "  ,x"]) + "\n",
                        encoding="utf-8")
    errors = _rejected(con, csv_path).errors
    assert {e.row for e in errors} == {4}  # the row holding x; the row of spaces is skipped


def test_xlsx_whose_header_is_below_empty_rows_is_numbered_as_the_sheet(con, tmp_path):
    # the reader takes the first row with a value as the header: with the header on sheet
    # row 3, the first data row (sheet row 4) was named and stored as row 2
    import xlsxwriter

    path = tmp_path / "visits.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("Calls")
        sheet.write_row(2, 1, list(good_visit()))
        sheet.write_row(3, 1, list(good_visit(berth="").values()))
        sheet.write_row(5, 1, list(good_visit(visit_id="V2", imo="9074729").values()))
    errors = _rejected(con, path).errors
    assert [(e.row, e.column) for e in errors] == [(4, "berth")]
    path.unlink()
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("Calls")
        sheet.write_row(2, 1, list(good_visit()))
        sheet.write_row(3, 1, list(good_visit().values()))
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT visit_id, _source_row FROM visits") == [("V1", 4)]


def _xlsx(path, sheets: dict[str, list[list]], formula_cell: str | None = None):
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
            if formula_cell and name == next(iter(sheets)):
                sheet.write_formula(formula_cell, "=1+1")
    if formula_cell:
        _drop_cached_values(path)
    return path


def _drop_cached_values(path):
    """Remove formulas' cached values, as writers that do not calculate leave them
    (xlsxwriter writes a placeholder 0)."""
    import zipfile

    members = {}
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            members[name] = book.read(name)
    with zipfile.ZipFile(path, "w") as book:
        for name, data in members.items():
            if name.startswith("xl/worksheets/"):
                data = data.replace(b"</f><v>0</v>", b"</f>")
            book.writestr(name, data)


def test_xlsx_with_several_sheets_needs_sheet(con, tmp_path):
    rows = [list(good_visit()), list(good_visit().values())]
    path = _xlsx(tmp_path / "visits.xlsx", {"Calls": rows, "Notes": [["x"]]})
    headline = _rejected(con, path).headline
    assert "2 sheets ('Calls', 'Notes')" in headline and "--sheet" in headline
    with pytest.raises(UsageError, match="no sheet 'Nope'"):
        load_files(con, "visits", [path], read_options=ReadOptions(sheet="Nope"))
    load_files(con, "visits", [path], read_options=ReadOptions(sheet="Calls"))
    assert store.scalar(con, "SELECT _source_file FROM visits") == "visits.xlsx[Calls]"


def test_xlsx_formula_without_cached_value_is_named(con, tmp_path):
    header = list(good_visit()) + ["gross_tonnage"]
    rows = [header, [*good_visit().values(), None]]
    path = _xlsx(tmp_path / "visits.xlsx", {"Calls": rows},
                 formula_cell=f"{chr(ord('A') + len(header) - 1)}2")
    exc = _rejected(con, path)
    assert "without a saved value" in exc.headline
    assert exc.errors[0].row == 2 and exc.errors[0].column == "cell M2"


@pytest.mark.parametrize("column, formula, shown", [
    ("ready_to_work", "=VLOOKUP(A2,Sheet2!A:B,2,FALSE)", "#N/A"),
    ("shore_power_capable", "=VLOOKUP(A2,Sheet2!A:C,3,FALSE)", "#N/A"),
    ("gross_tonnage", "=1/0", "#DIV/0!"),
])
def test_xlsx_error_value_is_refused_not_read_as_empty(con, tmp_path, column, formula, shown):
    """Before: a cell showing a spreadsheet error (a lookup that found nothing, `#N/A`) was
    read as an empty cell, with no word: a `ready_to_work` of `#N/A` made the visit
    insufficient_data, a `shore_power_capable` of `#N/A` false, where the same sheet saved as
    CSV is refused naming the value."""
    import xlsxwriter

    header = list(good_visit()) + ["gross_tonnage"]
    values = [*good_visit().values(), "80000"]
    where = header.index(column)
    path = tmp_path / "visits.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("Calls")
        sheet.write_row(0, 0, header)
        sheet.write_row(1, 0, values)
        sheet.write_formula(1, where, formula, None, shown)
    exc = _rejected(con, path)
    cell = f"{chr(ord('A') + where)}2"
    assert "spreadsheet error" in exc.headline
    assert [(e.row, e.column, e.value) for e in exc.errors] == [(2, f"cell {cell}", shown)]
    assert "never read as empty" in exc.errors[0].reason


def test_parquet_nested_types_are_refused(con, tmp_path):
    frame = pl.DataFrame({k: [v] for k, v in good_visit().items()}).with_columns(
        pl.Series("tags", [["a", "b"]]))
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)
    errors = _rejected(con, path).errors
    assert errors[0].column == "tags" and "nested" in errors[0].reason


@pytest.mark.parametrize("overrides, column, words", [
    ({"gross_tonnage": "9e9"}, "gross_tonnage", "at most 500 000"),
    ({"departure": "9999-12-31T00:00Z"}, "departure", "year outside 1990-2100"),
    ({"arrival": "1900-01-01T00:00Z"}, "arrival", "year outside 1990-2100"),
    ({"vessel_name": "X" * 1001}, "vessel_name", "longer than 1000 characters"),
    ({"aux_power_kw": "250000"}, "aux_power_kw", "at most 100 000"),
])
def test_plausibility_bounds(con, tmp_path, overrides, column, words):
    row = good_visit()
    row.update(overrides)
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([row]), encoding="utf-8")
    errors = _rejected(con, path).errors
    assert any(e.column == column and words in e.reason for e in errors), errors


def test_unknown_port_is_an_error_even_with_offsets(con, tmp_path):
    row = good_visit(port="USZZZ", arrival="2026-10-01T06:00-07:00",
                     ready_to_work="2026-10-01T08:00-07:00",
                     pilot_on_board="2026-10-03T05:00-07:00", departure="2026-10-03T06:00-07:00")
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([row]), encoding="utf-8")
    errors = _rejected(con, path).errors
    assert [(e.column, e.value) for e in errors] == [("port", "USZZZ")]
    assert "not in the ports table" in errors[0].reason


def test_the_byte_offset_is_exact_past_the_first_mebibyte(tmp_path):
    from berthcheck.ingest.text_encoding import scan_utf8 as _scan_utf8

    path = tmp_path / "visits.csv"
    line = "V,é,x\n".encode()  # a two-byte character on every line
    body = b"a,b,c\n" + line * ((1 << 20) // len(line) + 10)
    at = len(body) + 2
    path.write_bytes(body + b"V," + "é".encode("latin-1") + b",x\n")
    with pytest.raises(InputRejected) as exc:
        _scan_utf8(path, "visits.csv")
    row = body.count(b"\n") + 1
    assert f"not UTF-8 at byte {at} (row {row}, byte 0xE9)" in exc.value.headline


# --- control characters: never stored (README, "No silent damage") ------------------------------


def _second_visit(**overrides) -> dict[str, str]:
    return good_visit(visit_id="V2", imo="9074729", berth="B139", **overrides)


@pytest.mark.parametrize("value, shown, named", [
    ("NUL\x00SHIP", "NUL\\x00SHIP", "U+0000 (NUL) at character 4"),
    ("EVER\x1bGIVEN", "EVER\\x1bGIVEN", "U+001B (ESC) at character 5"),
    ("EVER GIVEN\x7f", "EVER GIVEN\\x7f", "U+007F (DEL) at character 11"),
    ("O\x92BRIEN", "O\\x92BRIEN", "U+0092 (C1; Windows-1252's '’' read as Latin-1?)"),
    ("NEL\x85", "NEL\\x85", "U+0085 (C1"),  # a Unicode space: stripped, it vanished
])
def test_a_control_character_in_a_utf8_cell_is_a_row_error(con, tmp_path, value, shown, named):
    """Before: a UTF-8 file whose vessel name held a NUL (or ESC, DEL, a C1 control) loaded
    with exit 0, and the invisible character reached the terminal table, the results CSV and
    the report. Now the cell is a row error naming row, column and the value, escaped."""
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit(), _second_visit(vessel_name=value)]),
                    encoding="utf-8")
    errors = _rejected(con, path).errors
    assert [(e.file, e.row, e.column, e.value) for e in errors] == [
        ("visits.csv", 3, "vessel_name", shown)]
    assert errors[0].reason.startswith("holds the control character " + named)
    assert repr(shown) in str(errors[0])  # the terminal shows it escaped, never the character


def test_quarantine_keeps_the_row_with_a_control_character_and_loads_the_rest(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit(), _second_visit(vessel_name="C1\x85SHIP")]),
                    encoding="utf-8")
    load_files(con, "visits", [path], quarantine=True)
    assert store.run(con, "SELECT visit_id FROM visits") == [("V1",)]
    row, column, value, record = store.run(
        con, "SELECT source_row, column_name, value, record FROM quarantine")[0]
    assert (row, column, value) == (3, "vessel_name", "C1\\x85SHIP")
    # the record is the row as written (JSON), the character escaped in the JSON text
    assert "\x85" not in record and json.loads(record)["vessel_name"] == "C1\x85SHIP"


def test_tab_line_feed_and_carriage_return_inside_a_quoted_cell_still_load(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit(vessel_name="EVER\tGIVEN",
                                          operator="Line one\r\nline two\nthree")]),
                    encoding="utf-8")
    load_files(con, "visits", [path])
    assert store.run(con, "SELECT vessel_name, operator FROM visits") == [
        ("EVER\tGIVEN", "Line one\r\nline two\nthree")]


def test_a_control_character_in_a_number_cell_is_said_once(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit(gross_tonnage="80\x00120")]), encoding="utf-8")
    errors = _rejected(con, path).errors
    assert [(e.column, e.value) for e in errors] == [("gross_tonnage", "80\\x00120")]
    assert "U+0000 (NUL)" in errors[0].reason


def test_a_control_character_in_an_unread_column_or_a_header_is_refused(con, tmp_path):
    """An unread column's cells are stored (in `extra`), so they are checked as well; a
    header holding one refuses the file, as a header given twice does."""
    path = tmp_path / "visits.csv"
    path.write_text(_csv_text([good_visit(notes="ok"), _second_visit(notes="bell\x07")]),
                    encoding="utf-8")
    errors = _rejected(con, path).errors
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "notes", "bell\\x07")]
    header = tmp_path / "header.csv"
    header.write_text(_csv_text([good_visit(**{"no\x1btes": "x"})]), encoding="utf-8")
    errors = _rejected(con, header).errors
    assert [(e.row, e.column, e.value) for e in errors] == [(1, "no\\x1btes", "no\\x1btes")]


def test_a_control_character_read_with_encoding_is_a_row_error(con, tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(_csv_text([good_visit(vessel_name="CAP SAN ANTÔNIO\x07")]).encode("cp1252"))
    errors = _rejected(con, path, encoding="cp1252").errors
    assert [(e.row, e.column, e.value) for e in errors] == [
        (2, "vessel_name", "CAP SAN ANTÔNIO\\x07")]


def test_a_control_character_in_xlsx_and_parquet_cells_is_a_row_error(con, tmp_path):
    rows = [good_visit(), _second_visit(vessel_name="NUL\x00SHIP", terminal="TRA\x1bPAC")]
    book = _xlsx(tmp_path / "visits.xlsx", {"Calls": [list(rows[0]),
                                                      *(list(r.values()) for r in rows)]})
    errors = _rejected(con, book).errors
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, "terminal", "TRA\\x1bPAC"), (3, "vessel_name", "NUL\\x00SHIP")]
    parquet = tmp_path / "visits.parquet"
    pl.DataFrame(rows).with_columns(gross_tonnage=pl.lit(80120)).write_parquet(parquet)
    errors = _rejected(con, parquet).errors
    assert [(e.row, e.column, e.value) for e in errors] == [
        (2, "terminal", "TRA\\x1bPAC"), (2, "vessel_name", "NUL\\x00SHIP")]


@pytest.mark.parametrize("chunks, found", [
    ([b"a,b\n", b"x\ty\r\n", "é°\u00a0".encode()], False),  # tab, CR, LF, U+00A0: text
    ([b"a,b\n", b"x\x00y\n"], True),
    ([b"a,b\n", b"x\x7f"], True),
    (["a,°,\u0092".encode()], True),  # U+0092 is 0xC2 0x92 in UTF-8
    ([b"a,b\xc2", b"\x85c\n"], True),  # a C1 character across two chunks
    ([b"a,b\xc2", b"\xa0c\n"], False),  # U+00A0 across two chunks
])
def test_the_byte_scan_finds_every_control_character_and_only_those(chunks, found):
    from berthcheck.ingest.control_chars import ByteScan

    scan = ByteScan()
    for chunk in chunks:
        scan.feed(chunk)
    assert scan.found is found


def test_a_row_whose_only_cell_is_a_c1_space_is_refused_not_skipped_as_empty(con, tmp_path):
    """U+0085 (NEL) is a Unicode space: a row holding it alone looked empty and was skipped,
    so the character was dropped without a word; the row is refused, and counted."""
    path = tmp_path / "visits.csv"
    text = _csv_text([good_visit(), _second_visit()])
    head, first, second = text.splitlines(keepends=True)
    path.write_text(head + first + "\x85" + "," * (len(good_visit()) - 1) + "\n" + second,
                    encoding="utf-8")
    report = load_files(con, "visits", [path], quarantine=True)
    assert (report.files[0].rows_in_file, report.inserted, report.files[0].quarantined) == (
        3, 2, 1)
    assert ("visits.csv", 3, "visit_id", "\\x85") in {
        (e.file, e.row, e.column, e.value) for e in report.errors}
