"""Files as port staff really get them (spreadsheet exports, web pages saved as .xls, wrapped
headers): each loads as meant or is refused naming file, row, column and value, nothing
written."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files
from berthcheck.ingest.read import ReadOptions

from .conftest import good_visit, snapshot


def _rejected(con, path, kind="visits", **options) -> InputRejected:
    before = snapshot(con)
    with pytest.raises(InputRejected) as exc:
        load_files(con, kind, [path], read_options=ReadOptions(**options))
    assert snapshot(con) == before
    return exc.value


def _message(exc: InputRejected) -> str:
    return "\n".join([exc.headline, *map(str, exc.errors)])


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
