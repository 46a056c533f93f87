"""Issue 15, item 7 (and the writer items of the newcomer issue): every output is written
whole or not at all, never collides with another output or an input, and reads the same."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import atomic
from berthcheck.cli import app
from berthcheck.errors import BerthcheckError

from .conftest import good_visit, write_csv


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outputs")
    path = tmp / "bc.duckdb"
    assert _cli("load", "visits", write_csv(tmp / "visits.csv", [good_visit()]),
                "--db", path).exit_code == 0
    return path


def test_missing_folder_is_an_error_unless_mkdir(db, tmp_path):
    out = tmp_path / "no" / "such" / "res.csv"
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out)
    assert result.exit_code == 2
    assert "does not exist" in result.output and "--mkdir" in result.output
    assert not (tmp_path / "no").exists()
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out, "--mkdir")
    assert result.exit_code == 0, result.output
    assert out.is_file() and (out.parent / "findings.csv").is_file()


def test_results_and_findings_on_one_path_is_a_usage_error(db, tmp_path):
    out = tmp_path / "same.csv"
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out, "--findings", out)
    assert result.exit_code == 2 and "are the same file" in result.output
    assert not out.exists()


def test_an_output_that_is_an_input_is_a_usage_error(db, tmp_path):
    out = tmp_path / "run.json"
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out, "--manifest", out)
    assert result.exit_code == 2 and "are the same file" in result.output
    assert not out.exists()
    visits = write_csv(tmp_path / "visits.csv", [good_visit(imo="1")])
    result = _cli("load", "visits", visits, "--db", tmp_path / "x.duckdb", "--errors", visits)
    assert result.exit_code == 2 and "is an input file" in result.output
    assert "1" in visits.read_text()  # the input is untouched


def test_a_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    target = tmp_path / "res.csv"

    def full_disk(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"half a fi")
        raise OSError(28, "No space left on device")

    with pytest.raises(BerthcheckError, match="No space left on device"):
        atomic.write_with(target, full_disk)
    assert os.listdir(tmp_path) == []  # neither the target nor the temporary file


def test_a_write_into_an_unwritable_place_is_one_clear_line(db):
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", "/proc/berthcheck.csv")
    assert result.exit_code == 1, result.output
    assert "cannot write results /proc/berthcheck.csv" in result.output
    assert "Traceback" not in result.output
    assert not os.path.exists("/proc/berthcheck.csv")


def test_results_and_findings_appear_together_or_not_at_all(db, tmp_path):
    out = tmp_path / "res.csv"
    out.write_text("old results\n")
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", out,
                  "--findings", "/proc/berthcheck-findings.csv")
    assert result.exit_code == 1, result.output
    assert "cannot write findings /proc/berthcheck-findings.csv" in result.output
    # the results file was written first; it must not replace the old one alone
    assert out.read_text() == "old results\n"
    assert sorted(os.listdir(tmp_path)) == ["res.csv"]  # no temporary file left either


def test_write_all_leaves_every_target_as_it_was_when_one_writer_fails(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    second.write_text("old b\n")

    def full_disk(tmp):
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(BerthcheckError, match=r"cannot write export .*b\.csv: No space"):
        atomic.write_all([(first, lambda tmp: tmp.write_bytes(b"new a\n"), "export"),
                          (second, full_disk, "export")])
    assert sorted(os.listdir(tmp_path)) == ["b.csv"] and second.read_text() == "old b\n"
    assert atomic.write_all([(first, lambda tmp: tmp.write_bytes(b"a\n"), "export"),
                             (second, lambda tmp: tmp.write_bytes(b"b\n"), "export")]) \
        == [first, second]
    assert (first.read_text(), second.read_text()) == ("a\n", "b\n")


def test_an_existing_file_is_replaced_only_when_the_new_one_is_complete(tmp_path):
    target = tmp_path / "res.csv"
    target.write_text("old\n")
    with pytest.raises(BerthcheckError):
        atomic.write_with(target, lambda tmp: (_ for _ in ()).throw(OSError(5, "I/O error")))
    assert target.read_text() == "old\n"
    atomic.write_bytes(target, b"new\n")
    assert target.read_text() == "new\n"


def test_out_dash_writes_csv_or_json_to_stdout(db):
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", "-")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["visit_id"] for r in rows] == ["V1"]
    assert "compliance rate" not in result.stdout  # the summary goes to standard error
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", "-", "--format", "json")
    assert json.loads(result.stdout)[0]["visit_id"] == "V1"


def test_findings_json_carries_evidence_as_an_object(db, tmp_path):
    out = tmp_path / "res.json"
    assert _cli("check", "--db", db, "--period", "2026-10", "--out", out).exit_code == 0
    findings = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert findings and all(isinstance(f["evidence"], dict) for f in findings)


def test_xlsx_is_one_workbook_with_frozen_header_and_filter(db, tmp_path):
    import zipfile

    out = tmp_path / "res.xlsx"
    assert _cli("check", "--db", db, "--period", "2026-10", "--out", out).exit_code == 0
    assert not (tmp_path / "findings.xlsx").exists()
    csv_out = tmp_path / "res.csv"
    assert _cli("check", "--db", db, "--period", "2026-10", "--out", csv_out).exit_code == 0
    assert pl.read_excel(out, sheet_name="Results").columns == pl.read_csv(csv_out).columns
    assert (pl.read_excel(out, sheet_name="Findings").columns
            == pl.read_csv(tmp_path / "findings.csv").columns)
    with zipfile.ZipFile(out) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert 'state="frozen"' in sheet and "<autoFilter" in sheet


def test_an_output_that_is_the_database_is_refused(db, tmp_path):
    # `audit manifest RUN --out`, `runs export --out`, the exports and `load --errors` given
    # the database's own name replaced the whole store (every input and run) with a JSON or
    # CSV file, exit 0; `check` and `report` already refused it
    import shutil

    store_file = tmp_path / "store.csv"  # a database any name may hold
    shutil.copy(db, store_file)
    checked = _cli("check", "--db", store_file, "--period", "2026-10")
    assert checked.exit_code == 0, checked.output
    run_id = re.search(r"run ([0-9a-f]{16})", checked.output).group(1)
    content = store_file.read_bytes()
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    for args in (["audit", "manifest", run_id, "--out", store_file],
                 ["runs", "export", run_id, "--out", store_file],
                 ["runs", "export", run_id, "--out", tmp_path / "r.csv", "--findings", store_file],
                 ["export", "carb-visit-report", "--party", "vessel", "--period", "2026-10",
                  "--out", store_file],
                 ["export", "wharfinger", "--year", "2026", "--port", "USLAX", "--out", store_file],
                 ["export", "indicators", "--period", "2026-10", "--out",
                  tmp_path / "store.csv.wal"],
                 ["load", "visits", visits, "--errors", store_file],
                 ["load-dir", tmp_path, "--quarantine", "--errors", store_file]):
        result = _cli(*args, "--db", store_file)
        assert result.exit_code == 2, (args, result.output)
        assert "is the database (--db)" in result.output, (args, result.output)
        assert store_file.read_bytes() == content, args
    assert not (tmp_path / "store.csv.wal").exists()


def test_an_output_onto_a_file_a_load_read_without_changing_anything_is_refused(tmp_path):
    # a load whose rows were all already loaded (or a header alone) makes no load batch, so
    # the outputs' guard, which knew the batches' files only, did not know its file:
    # `load visits again.csv` ("all already loaded; nothing changed") then `check --out
    # again.csv` replaced the user's data file with the results, exit 0
    import shutil

    from berthcheck import store

    db = tmp_path / "bc.duckdb"
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    assert _cli("load", "visits", visits, "--db", db).exit_code == 0
    checked = _cli("check", "--db", db, "--period", "2026-10")
    assert checked.exit_code == 0, checked.output
    run_id = re.search(r"run ([0-9a-f]{16})", checked.output).group(1)
    con = store.connect(db, read_only=True)
    log = store.run(con, "SELECT * FROM load_batches")
    con.close()
    again = tmp_path / "again.csv"
    shutil.copy(visits, again)
    header = tmp_path / "header.csv"
    header.write_text(visits.read_text(encoding="utf-8").splitlines()[0] + "\n",
                      encoding="utf-8")
    folder = tmp_path / "month"
    folder.mkdir()
    shutil.copy(visits, folder / "visits.csv")
    for args in (["load", "visits", again], ["load", "visits", header],
                 ["load-dir", folder]):
        result = _cli(*args, "--db", db)
        assert result.exit_code == 0, result.output
        assert "nothing changed" in result.output
    # the batches, which run ids, manifests and input fingerprints are made from, are as
    # they were: the same check gives the same run
    con = store.connect(db, read_only=True)
    assert store.run(con, "SELECT * FROM load_batches") == log
    con.close()
    checked = _cli("check", "--db", db, "--period", "2026-10")
    assert f"run {run_id}" in checked.output, checked.output
    contents = {p: p.read_bytes() for p in (again, header, folder / "visits.csv")}
    for loaded in contents:
        for args in (["check", "--period", "2026-10", "--out", loaded],
                     ["runs", "export", run_id, "--out", loaded],
                     ["export", "carb-visit-report", "--party", "vessel", "--period",
                      "2026-10", "--out", loaded],
                     ["load", "visits", visits, "--errors", loaded],
                     ["load-dir", folder, "--quarantine", "--errors", loaded]):
            result = _cli(*args, "--db", db)
            assert result.exit_code == 2, (args, result.output)
            assert f"{loaded} is a file loaded into the database" in result.output, (
                args, result.output)
    # a load's --errors knew only the database and the load's own files: a file an earlier
    # load stored rows from was replaced with the errors CSV, exit 0
    contents[visits] = visits.read_bytes()
    result = _cli("load", "visits", again, "--errors", visits, "--db", db)
    assert result.exit_code == 2, result.output
    assert f"--errors {visits} is a file loaded into the database" in result.output
    assert {p: p.read_bytes() for p in contents} == contents
    assert _cli("audit", "verify", run_id, "--db", db).exit_code == 0


def test_stream_writer_writes_what_a_short_write_left():
    # a buffered standard output may take part of a large write and return the count, no
    # error (a pipe whose reader left half-way): the rest is written again, every byte, so a
    # reader that is gone is the BrokenPipeError the command ends on (exit 141)
    from berthcheck.engine.export import csv_bytes, write_stream

    class ShortWrites(io.BytesIO):
        def write(self, data) -> int:
            return super().write(bytes(data)[:1000])

    frame = pl.DataFrame({"visit_id": [f"V{i}" for i in range(3000)], "hours": [0.5] * 3000})
    stream = ShortWrites()
    write_stream(frame, stream, "csv")
    assert stream.getvalue() == csv_bytes(frame)

    class ReaderGone(io.BytesIO):
        def write(self, data) -> int:
            if self.tell():
                raise BrokenPipeError(32, "Broken pipe")
            return super().write(bytes(data)[:1000])

    with pytest.raises(BrokenPipeError):
        write_stream(frame, ReaderGone(), "csv")
