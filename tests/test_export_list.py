"""`export list`: `--json` as every listing command takes it, and an unknown `--run` is a usage
error (exit 2) naming the run, not "no exports recorded"; an export whose files could not be
written is not listed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()
VISITS = ("visit_id,imo,vessel_name,vessel_type,operator,port,terminal,berth,arrival,departure,"
          "gross_tonnage,aux_power_kw\n"
          "V1,9321483,Vessel V1,container,Line A,NLRTM,T1,B1,2030-06-03T06:00:00+02:00,"
          "2030-06-04T06:30:00+02:00,70000,1000\n")


def _cli(*args):
    return runner.invoke(app, [*map(str, args)])


def test_export_list_json_and_an_unknown_run(exported, exported_once):
    # the visit loaded, checked and exported once for the module (`exported_once`, below): a
    # private copy of its store; its calls.csv stays beside the original
    db, _ = exported
    out = exported_once[0].parent / "calls.csv"

    listed = _cli("export", "list", "--db", db, "--json")
    assert listed.exit_code == 0, listed.output
    (record,) = json.loads(listed.stdout)
    assert record["kind"] == "fueleu-calls"
    assert record["files"]["calls.csv"] == hashlib.sha256(out.read_bytes()).hexdigest()
    same_run = _cli("export", "list", "--db", db, "--run", record["run_id"], "--json")
    assert json.loads(same_run.stdout) == [record]

    unknown = _cli("export", "list", "--db", db, "--run", "0000000000000000")
    assert unknown.exit_code == 2
    assert "no run '0000000000000000'" in unknown.stderr


def test_an_export_that_cannot_be_written_is_not_recorded(tmp_path):
    db = tmp_path / "bc.duckdb"
    (tmp_path / "visits.csv").write_text(VISITS, encoding="utf-8")
    assert _cli("load", "--db", db, "visits", tmp_path / "visits.csv").exit_code == 0
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export's folder would be", encoding="utf-8")
    failed = _cli("export", "fueleu-calls", "--db", db, "--period", "2030-06", "--out",
                  blocker / "calls.csv")
    assert failed.exit_code == 2, failed.output  # the folder is a file: a usage error
    assert "cannot write" in failed.stderr
    # `export list` (and `audit verify`) never name files that were not written
    listed = _cli("export", "list", "--db", db, "--json")
    assert json.loads(listed.stdout) == []


def test_export_list_of_a_database_that_does_not_exist_creates_none(tmp_path):
    """`export list` only reads: a mistyped --db is exit 3 as for `runs list`, and no empty
    store is left behind under that name."""
    db = tmp_path / "typo.duckdb"
    result = _cli("export", "list", "--db", db)
    assert result.exit_code == 3, result.output
    assert "does not exist" in result.output
    assert not db.exists()


@pytest.fixture(scope="module")
def exported_once(tmp_path_factory) -> tuple[Path, dict]:
    """A store with one visit loaded, checked and exported (`export fueleu-calls`), and its
    export record: made once for the tests below, to which the export is a precondition
    (each loaded, checked and exported the same visit before). Never written to."""
    folder = tmp_path_factory.mktemp("exported")
    db = folder / "bc.duckdb"
    (folder / "visits.csv").write_text(VISITS, encoding="utf-8")
    assert _cli("load", "--db", db, "visits", folder / "visits.csv").exit_code == 0
    made = _cli("export", "fueleu-calls", "--db", db, "--period", "2030-06", "--out",
                folder / "calls.csv")
    assert made.exit_code == 0, made.output
    (record,) = json.loads(_cli("export", "list", "--db", db, "--json").stdout)
    return db, record


@pytest.fixture()
def exported(exported_once, tmp_path) -> tuple[Path, dict]:
    """A private copy of `exported_once`'s store (the tests edit its export record), and the
    record."""
    db, record = exported_once
    return copy_store(db, tmp_path / "bc.duckdb"), record


def _edit_exports(db, sql):
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_a_damaged_export_record_is_named_by_list_and_verify(exported):
    """An `exports` row edited outside berthcheck into text that is not JSON: `export list`
    still lists (marking it) and `audit verify` names it, exit 1; neither says 'a bug'."""
    db, record = exported
    _edit_exports(db, "UPDATE exports SET files = '{bad'")
    listed = _cli("export", "list", "--db", db)
    assert listed.exit_code == 0, listed.output
    assert record["export_id"] in listed.output and "damaged" in listed.output
    assert _cli("export", "list", "--db", db, "--json").exit_code == 0
    verified = _cli("audit", "verify", record["run_id"], "--db", db)
    assert verified.exit_code == 1, verified.output
    assert f"export {record['export_id']} (fueleu-calls): its record is damaged" \
        in verified.output
    assert "bug in berthcheck" not in verified.output


def test_verify_names_an_export_whose_parameters_were_edited(exported):
    """An export's id is a hash of its run, kind and parameters: parameters edited in the
    store no longer match it, and verify says so (not only that the files differ)."""
    db, record = exported
    _edit_exports(db, "UPDATE exports SET parameters = replace(parameters, '2030-06', "
                      "'2030-07')")
    verified = _cli("audit", "verify", record["run_id"], "--db", db)
    assert verified.exit_code == 1, verified.output
    assert "its id does not match its run, kind and parameters" in verified.output


def test_export_list_csv_is_one_line_per_file_with_the_json_facts(exported):
    """`export list --csv`: a header, then one line per written file with its export, run,
    kind and parameters (as JSON text); a damaged record keeps a line, marked."""
    import csv
    import io

    from berthcheck.cli_export import EXPORT_CSV_COLUMNS

    db, record = exported
    listed = _cli("export", "list", "--db", db, "--csv")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0] == ",".join(EXPORT_CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert rows == [{"export_id": record["export_id"], "run_id": record["run_id"],
                     "kind": "fueleu-calls",
                     "parameters": json.dumps(record["parameters"], sort_keys=True),
                     "file": name, "sha256": digest, "damaged": ""}
                    for name, digest in sorted(record["files"].items())]
    assert json.loads(rows[0]["parameters"]) == record["parameters"]
    both = _cli("export", "list", "--db", db, "--csv", "--json")
    assert both.exit_code == 2 and "--json or --csv" in both.stderr

    _edit_exports(db, "UPDATE exports SET files = '{bad'")
    (damaged,) = csv.DictReader(io.StringIO(_cli("export", "list", "--db", db, "--csv").stdout))
    assert damaged["export_id"] == record["export_id"] and damaged["file"] == ""
    assert damaged["damaged"] == "its files are not a JSON object"
