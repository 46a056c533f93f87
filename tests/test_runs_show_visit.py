"""`runs show RUN --visit VISIT_ID`: from a visit's result and findings to the input rows
they were computed from (table, load batch, source file, source row, row hash), as the run
read them, without SQL on `<table>_versions`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
VISIT = "LAX-2610-00064"  # one visit row, two shore-power sessions and one event
PER_VISIT_FILES = {"visits": "visits.csv", "shore_power": "shore_power.csv",
                   "capture": "capture.csv", "events": "events.csv"}


@pytest.fixture(scope="module")
def checked(sample_month_checked, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the checked sample month and its run id."""
    db = copy_store(sample_month_checked[0], tmp_path_factory.mktemp("visit") / "bc.duckdb")
    return db, sample_month_checked[1].run_id


def _run(db: Path, *args: str):
    return runner.invoke(app, [*args, "--db", str(db)])


def _trace(db: Path, run_id: str, visit: str = VISIT) -> dict:
    result = _run(db, "runs", "show", run_id, "--visit", visit, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _file_rows(visit: str) -> list[tuple[str, str, int]]:
    """(table, file, row number as in the file, header = 1) of every line of the sample's
    per-visit files that belongs to `visit`: read with Python's csv, not through berthcheck."""
    out = []
    for table, name in PER_VISIT_FILES.items():
        with (SAMPLE / name).open(encoding="utf-8", newline="") as fh:
            for number, row in enumerate(csv.DictReader(fh), start=2):
                if row["visit_id"] == visit:
                    out.append((table, name, number))
    return sorted(out)


def test_a_visit_is_traced_to_the_exact_file_rows_it_was_computed_from(checked):
    db, run_id = checked
    trace = _trace(db, run_id)
    assert trace["run_id"] == run_id and trace["visit_id"] == VISIT
    rows = trace["input_rows"]
    assert sorted((r["table"], r["source_file"], r["source_row"]) for r in rows) == \
        _file_rows(VISIT)
    assert rows[0]["table"] == "visits"  # the visit's own row first
    con = duckdb.connect(str(db), read_only=True)
    try:
        for r in rows:  # the row hash is the one stored, the batch the one that loaded it
            stored = con.execute(
                f"SELECT _row_hash, _batch_id FROM {r['table']}_versions "  # noqa: S608
                "WHERE _source_file = ? AND _source_row = ?",
                [r["source_file"], r["source_row"]]).fetchall()
            assert stored == [(r["row_hash"], r["batch_id"])]
            assert r["seal"] == "match" and r["replaced_later_by"] is None
            assert r["in_manifest"] is True  # among the rows the run's manifest lists
            assert r["values"]["visit_id"] == VISIT
        verdict, findings = con.execute(
            "SELECT verdict, findings FROM run_results WHERE run_id = ? AND visit_id = ?",
            [run_id, VISIT]).fetchone()
        stored_findings = con.execute(
            "SELECT finding_id, rule_id, severity, message, evidence FROM run_findings "
            "WHERE run_id = ? AND visit_id = ? ORDER BY rule_id, finding_id",
            [run_id, VISIT]).fetchall()
    finally:
        con.close()
    assert trace["result"]["verdict"] == verdict and trace["result"]["findings"] == findings
    assert [(f["finding_id"], f["rule_id"], f["severity"], f["message"], f["evidence"])
            for f in trace["findings"]] == stored_findings
    # each finding's rule, worded by the pack the run used (same hash)
    for f in trace["findings"]:
        rule = trace["rules"][f["rule_id"]]
        assert rule["title"] and rule["pack_as_run"] is True and rule["note"] is None
    # reference tables are named, never listed row by row
    refs = {t["table"]: t["rows"] for t in trace["reference_tables"]}
    assert {"berths", "terminals", "allowances"} <= set(refs) and refs["berths"] > 0
    assert not set(refs) & set(PER_VISIT_FILES)


def test_the_table_output_names_each_row_and_the_reference_tables(checked):
    db, run_id = checked
    trace = _trace(db, run_id)
    result = _run(db, "runs", "show", run_id, "--visit", VISIT)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for r in trace["input_rows"]:
        assert any(r["table"] in line and r["source_file"] in line and r["row_hash"] in line
                   and f" {r['source_row']} " in line for line in lines), r
    for f in trace["findings"]:
        assert f["finding_id"] in result.stdout and f"evidence {f['finding_id']}" in result.stdout
    assert "reference tables read (not per visit): allowances (" in result.stdout


def test_the_json_is_the_same_in_any_session_time_zone(checked):
    from berthcheck import store
    from berthcheck.audit.visit_trace import visit_trace

    db, run_id = checked
    texts = []
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        con = store.connect(db)
        try:
            store.run(con, f"SET TimeZone = '{zone}'")
            texts.append(json.dumps(visit_trace(con, run_id, VISIT), sort_keys=True))
        finally:
            con.close()
    assert texts[0] == texts[1] == texts[2]
    assert '"window_start": "2026-10-' in texts[0] and 'Z"' in texts[0]


def test_a_row_replaced_after_the_run_shows_as_it_was_read(sample_month_checked, tmp_path):
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    run_id = sample_month_checked[1].run_id
    before = _trace(db, run_id)
    visit_row = before["input_rows"][0]
    with (SAMPLE / "visits.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        row = next(r for r in reader if r["visit_id"] == VISIT)
    row["vessel_name"] = "RENAMED AFTER THE RUN"
    fix = tmp_path / "visits_fix.csv"
    with fix.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    loaded = _run(db, "load", "visits", str(fix), "--replace", "--json")
    assert loaded.exit_code == 0, loaded.output

    after = _trace(db, run_id)
    read = after["input_rows"][0]
    assert read["table"] == "visits" and read["values"]["vessel_name"] != "RENAMED AFTER THE RUN"
    assert {k: read[k] for k in ("batch_id", "source_file", "source_row", "row_hash", "values")} \
        == {k: visit_row[k] for k in ("batch_id", "source_file", "source_row", "row_hash",
                                      "values")}
    assert read["replaced_later_by"] > after["as_of_batch"]
    assert read["replaced_later_in"] == "visits_fix.csv"
    text = _run(db, "runs", "show", run_id, "--visit", VISIT).stdout
    assert f"replaced later by batch {read['replaced_later_by']} (visits_fix.csv)" in text
    assert "RENAMED" not in json.dumps(after)


def test_a_value_edited_in_place_after_the_run_differs_from_its_seal(sample_month_checked,
                                                                    tmp_path):
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    run_id = sample_month_checked[1].run_id
    con = duckdb.connect(str(db))
    con.execute("UPDATE shore_power_versions SET energy_kwh = energy_kwh + 1 "
                "WHERE visit_id = ?", [VISIT])
    con.close()
    trace = _trace(db, run_id)
    assert {r["table"]: r["seal"] for r in trace["input_rows"]}["shore_power"] == "differs"
    assert "differs from its seal" in _run(db, "runs", "show", run_id, "--visit", VISIT).stdout


def test_a_row_whose_lineage_was_edited_is_not_among_the_manifests_rows(sample_month_checked,
                                                                      tmp_path):
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    run_id = sample_month_checked[1].run_id
    con = duckdb.connect(str(db))
    con.execute("UPDATE events_versions SET _source_row = 9999 WHERE visit_id = ?", [VISIT])
    con.close()
    event = next(r for r in _trace(db, run_id)["input_rows"] if r["table"] == "events")
    assert event["source_row"] == 9999 and event["in_manifest"] is False
    assert event["seal"] == "none"  # no seal was written for that row number
    text = _run(db, "runs", "show", run_id, "--visit", VISIT).stdout
    assert "not among the rows the run's manifest lists" in text and "no seal" in text


def test_a_rule_is_worded_by_the_pack_found_now_and_says_when_that_is_not_the_runs():
    from berthcheck.audit.visit_trace import _rules

    run = {"pack": "carb-at-berth-2020", "pack_hash": "0" * 64, "custom_pack": False,
           "pack_path": None}
    rules = _rules(run, ["AB09", "ZZ99"])
    assert rules["AB09"]["title"] and rules["AB09"]["pack_as_run"] is False
    assert "is not the run's (its hash differs)" in rules["AB09"]["note"]
    assert rules["ZZ99"]["title"] is None and "has no rule ZZ99" in rules["ZZ99"]["note"]


def test_a_visit_not_in_the_run_is_a_clear_error(checked):
    db, run_id = checked
    con = duckdb.connect(str(db), read_only=True)
    outside = con.execute(
        "SELECT min(visit_id) FROM visits WHERE visit_id NOT IN "
        "(SELECT visit_id FROM run_results WHERE run_id = ?)", [run_id]).fetchone()[0]
    con.close()
    assert outside  # the sample loads visits the October run does not judge

    result = _run(db, "runs", "show", run_id, "--visit", outside)
    assert result.exit_code == 2, result.output
    assert f"visit {outside!r} is not in run {run_id}" in result.stderr
    assert "it is loaded, but outside the run's period or scope" in result.stderr
    assert "Traceback" not in result.output

    typo = _run(db, "runs", "show", run_id, "--visit", "LAX-2610-0064", "--json")
    assert typo.exit_code == 2 and typo.stdout == ""
    assert "no visit of that id is loaded" in typo.stderr and "'LAX-2610-00064'" in typo.stderr

    # an id that is SQL is just an id (bound, never spliced in)
    odd = _run(db, "runs", "show", run_id, "--visit", "x' OR '1'='1")
    assert odd.exit_code == 2 and "is not in run" in odd.stderr

    unknown = _run(db, "runs", "show", "0000000000000000", "--visit", VISIT)
    assert unknown.exit_code == 2 and "no run '0000000000000000'" in unknown.stderr
