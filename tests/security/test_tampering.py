"""Issue 15, item 2: a stored run, its views and its history cannot be edited unnoticed."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app

from ..conftest import good_visit, write_csv

V2 = dict(visit_id="V2", arrival="2026-10-05 06:00", ready_to_work="2026-10-05 08:00",
          pilot_on_board="2026-10-06 05:00", departure="2026-10-06 06:00")


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A database with one stored run (two visits, one late connection) and a quarantined row."""
    tmp = tmp_path_factory.mktemp("tamper")
    path = tmp / "bc.duckdb"
    assert _cli("load", "visits", write_csv(tmp / "visits.csv", [
        good_visit(), good_visit(**V2), good_visit(visit_id="BAD", imo="1234568")]),
        "--db", path, "--quarantine").exit_code == 0
    sp = write_csv(tmp / "sp.csv", [
        {"visit_id": "V1", "connected": "2026-10-01 10:00", "disconnected": "2026-10-03 05:00"},
        {"visit_id": "V2", "connected": "2026-10-05 08:30", "disconnected": "2026-10-06 05:30"},
    ])
    assert _cli("load", "shore-power", sp, "--db", path).exit_code == 0
    result = _cli("check", "--db", path, "--period", "2026-10")
    assert result.exit_code == 0, result.output
    con = store.connect(path)
    run_id = store.scalar(con, "SELECT run_id FROM runs")
    assert store.scalar(con, "SELECT count(*) FROM run_findings") >= 1
    con.close()
    return path, run_id


@pytest.fixture
def db(pristine, tmp_path):
    path, run_id = pristine
    copy = tmp_path / "bc.duckdb"
    shutil.copy(path, copy)
    return copy, run_id


def _edit(path, *statements):
    con = store.connect(path)
    try:
        for sql in statements:
            sql, params = sql if isinstance(sql, tuple) else (sql, None)
            store.run(con, sql, params)
    finally:
        con.close()


def _verify(path, run_id):
    return _cli("audit", "verify", run_id, "--db", path)


def test_untouched_run_verifies(db):
    path, run_id = db
    result = _verify(path, run_id)
    assert result.exit_code == 0, result.output
    assert "stored results: match" in result.output


def test_edited_verdict_and_hours_are_named_by_visit_and_column(db):
    path, run_id = db
    _edit(path, "UPDATE run_results SET verdict = 'non_compliant', uncontrolled_hours = 5 "
                "WHERE visit_id = 'V1'")
    result = _verify(path, run_id)
    assert result.exit_code == 1, result.output
    assert "stored results" in result.output and "changed after the run was stored" in result.output
    line = next(x for x in result.output.splitlines() if "visit V1:" in x)
    assert "verdict stored non_compliant, recomputed compliant" in line
    assert "uncontrolled_hours stored 5.000000, recomputed 0.000000" in line


def test_deleted_and_rewritten_findings_are_named(db):
    path, run_id = db
    con = store.connect(path)
    fid, rule, visit = store.run(
        con, "SELECT finding_id, rule_id, visit_id FROM run_findings ORDER BY 1")[0]
    con.close()
    _edit(path, ("DELETE FROM run_findings WHERE finding_id = ?", [fid]))  # noqa: S608
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert f"finding {fid} ({rule}, visit {visit}): recomputed but not stored" in result.output

    _edit(path, ("INSERT INTO run_findings SELECT * REPLACE ('rewritten' AS message) "
                 "FROM run_findings WHERE run_id = ? LIMIT 1", [run_id]))
    result = _verify(path, run_id)
    assert "message stored rewritten" in result.output


def test_a_later_check_refuses_to_overwrite_a_tampered_run(db):
    path, run_id = db
    _edit(path, "UPDATE run_results SET uncontrolled_hours = 7 WHERE visit_id = 'V1'")
    result = _cli("check", "--db", path, "--period", "2026-10")
    assert result.exit_code == 1
    assert f"run {run_id} is stored" in result.output and "refusing to overwrite" in result.output
    con = store.connect(path)
    try:  # the tampered record is still there for the auditor
        assert store.scalar(con, "SELECT uncontrolled_hours FROM run_results "
                                 "WHERE visit_id = 'V1'") == 7
    finally:
        con.close()
    report = _cli("report", "--db", path, "--period", "2026-10", "--out", path.with_suffix(".html"))
    assert report.exit_code == 1 and "refusing to overwrite" in report.output
    assert not path.with_suffix(".html").exists()


def test_a_redefined_view_is_a_finding_and_not_trusted(db):
    path, run_id = db
    _edit(path, "CREATE OR REPLACE VIEW visits AS SELECT * FROM visits_versions "
                "WHERE _replaced_by IS NULL AND visit_id <> 'V1'")
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert "view visits was redefined" in result.output
    # the recomputation used berthcheck's own definition: results and inputs still match
    assert "MISMATCH  results" not in result.output
    assert "MISMATCH  input table visits" not in result.output


def test_replaced_by_a_batch_that_does_not_exist_is_a_finding(db):
    path, run_id = db
    _edit(path, "UPDATE shore_power_versions SET _replaced_by = 999 WHERE visit_id = 'V1'")
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert "shore_power_versions is marked as replaced by batch 999" in result.output


def test_a_wiped_quarantine_is_a_finding(db):
    path, run_id = db
    _edit(path, "DELETE FROM quarantine")
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert "quarantine: batch 1 (visits.csv) recorded 1 row, the table holds 0" in result.output


def test_a_dropped_result_column_table_is_named_not_a_traceback(db):
    path, run_id = db
    _edit(path, f"DROP TABLE run_columns_{run_id}")
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert "stored results: sha256" in result.output and "Traceback" not in result.output
    report = _cli("report", "--db", path, "--period", "2026-10", "--out", path.with_suffix(".html"))
    assert report.exit_code == 1 and "Traceback" not in report.output
    assert "refusing to overwrite" in report.output


def test_a_run_from_before_the_new_input_tables_still_verifies(db):
    """Runs made before migration 7 have no visit_counts/coverage in their manifest: an input
    table that is empty now and absent then is no difference."""
    import json

    path, run_id = db
    con = store.connect(path)
    manifest = json.loads(store.scalar(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id]))
    con.close()
    for table in ("visit_counts", "coverage"):
        assert manifest["inputs"].pop(table)["rows"] == 0
    from berthcheck.audit import manifest_text

    _edit(path, ("UPDATE runs SET manifest = ? WHERE run_id = ?",
                 [manifest_text(manifest), run_id]))
    result = _verify(path, run_id)
    assert result.exit_code == 0, result.output


def test_an_edited_run_record_is_named_by_column(db):
    """What `runs list` and `runs show` print (the `runs` row's counts, period, hashes) is
    checked against the run's manifest: an edited summary is not 'verified'."""
    path, run_id = db
    _edit(path, ("UPDATE runs SET visits = 5, counts = '{\"compliant\": 5}', period = '2026-11', "
                 "results_sha256 = 'deadbeef' WHERE run_id = ?", [run_id]))
    shown = _cli("runs", "show", run_id, "--db", path)
    assert "deadbeef" in shown.output  # what an auditor reading `runs show` would see
    result = _verify(path, run_id)
    assert result.exit_code == 1, result.output
    assert "NOT verified" in result.output
    assert "the run's record (what `runs list` and `runs show` print)" in result.output
    for detail in ("visits: 5 in the record, 2 in the manifest",
                   "period: '2026-11' in the record, '2026-10' in the manifest",
                   "results_sha256: 'deadbeef' in the record"):
        assert detail in result.output, result.output


@pytest.mark.parametrize("damage", ["{bad", "[]", '{"run_id": "0"}'])
def test_a_damaged_stored_manifest_is_named_not_a_bug(db, damage):
    """A run whose stored manifest was edited into something that is not a manifest: `runs
    list` still lists every run, and each command that needs the manifest says which run's
    manifest is damaged (exit 1), never 'a bug in berthcheck' or a JSON parser's words."""
    path, run_id = db
    _edit(path, ("UPDATE runs SET manifest = ? WHERE run_id = ?", [damage, run_id]))
    listed = _cli("runs", "list", "--db", path)
    assert listed.exit_code == 0 and run_id in listed.output, listed.output
    assert _cli("runs", "show", run_id, "--db", path).exit_code == 0
    commands = [("audit", "verify", run_id), ("audit", "manifest", run_id),
                ("audit", "diff", run_id, run_id),
                ("report", "--run", run_id, "--out", path.with_suffix(".html"))]
    if not damage.startswith('{"'):  # an object reads as a version-1 run's, whose hash fails
        commands.append(("runs", "export", run_id, "--out", path.with_suffix(".csv")))
    for args in commands:
        result = _cli(*args, "--db", path)
        assert result.exit_code == 1, (args, result.output)
        assert f"run {run_id}: its stored manifest is damaged" in result.output, (args, result.output)
        assert "bug in berthcheck" not in result.output


def test_a_run_record_with_damaged_json_columns_still_lists(db):
    """A `runs` row whose scope or counts were edited into text that is not JSON: `runs list`
    and `runs show` still print (every other run too), marking what is damaged, and `audit
    verify` names the columns."""
    path, run_id = db
    _edit(path, ("UPDATE runs SET scope = '{bad', counts = '[1]' WHERE run_id = ?", [run_id]))
    listed = _cli("runs", "list", "--db", path)
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.output.splitlines() if x.startswith(run_id))
    assert "damaged" in line and "?" in line, line
    shown = _cli("runs", "show", run_id, "--db", path)
    assert shown.exit_code == 0, shown.output
    assert "damaged" in shown.output
    assert _cli("runs", "list", "--db", path, "--json").exit_code == 0
    result = _verify(path, run_id)
    assert result.exit_code == 1
    assert "scope: '{bad' in the record" in result.output


@pytest.mark.parametrize("edit", [
    "UPDATE runs SET counts = '{\"compliant\": 2}'",
    "UPDATE runs SET manifest = '{bad'",
])
def test_a_later_check_refuses_to_overwrite_an_edited_run_record(db, edit):
    """The same check again would replace the run's `runs` row: one whose record or manifest
    was edited is evidence too, and stays for the auditor."""
    path, run_id = db
    _edit(path, edit)
    result = _cli("check", "--db", path, "--period", "2026-10")
    assert result.exit_code == 1, result.output
    assert f"run {run_id} is stored" in result.output and "refusing to overwrite" in result.output
    con = store.connect(path)
    try:
        counts, manifest = store.run(con, "SELECT counts, manifest FROM runs")[0]
    finally:
        con.close()
    assert counts == '{"compliant": 2}' or manifest == "{bad"


def test_a_later_check_refuses_to_overwrite_counts_edited_alike_in_record_and_manifest(db):
    """Counts edited the same way in the `runs` row and its manifest agree with each other,
    but not with the stored results, which still hash to what the manifest records: the same
    check again used to store the run afresh (same id, right counts, new created_at), erasing
    the evidence. It refuses, naming the run, what differs and `audit verify`, and writes
    nothing."""
    import json

    from berthcheck.engine import manifest as run_manifest

    path, run_id = db
    con = store.connect(path)
    try:
        text, created = store.run(con, "SELECT manifest, created_at FROM runs")[0]
    finally:
        con.close()
    manifest = json.loads(text)
    counts = manifest["counts"]
    assert counts["compliant"] >= 1
    counts["compliant"] -= 1
    counts["non_compliant"] += 1
    edited = json.dumps(counts, sort_keys=True, separators=(",", ":"))
    _edit(path, ("UPDATE runs SET counts = ?, manifest = ?",
                 [edited, run_manifest.manifest_text(manifest)]))
    out, kept = path.with_name("results.csv"), path.with_name("kept.json")
    result = _cli("check", "--db", path, "--period", "2026-10", "--out", out,
                  "--manifest", kept)
    assert result.exit_code == 1, result.output
    assert f"run {run_id} is stored" in result.output and "refusing to overwrite" in result.output
    assert "$.counts.compliant is" in result.output and "in the run's stored results" in result.output
    assert not out.exists() and not kept.exists()
    assert f"berthcheck audit verify {run_id}" in result.output
    assert "Traceback" not in result.output
    con = store.connect(path)
    try:
        assert store.run(con, "SELECT counts, created_at FROM runs") == [(edited, created)]
    finally:
        con.close()


def test_an_edited_input_digest_is_named_before_a_later_check_reads_it(db):
    """`batch_digests` holds each load batch's digest of its rows, which a check takes as its
    inputs' fingerprint without reading the rows: one edited there changes nothing a run read,
    but every later check would record it. verify names it, not only when a later run's inputs
    then fail to match."""
    path, run_id = db
    _edit(path, "UPDATE batch_digests SET sha256 = repeat('0', 64) "
                "WHERE table_name = 'visits' AND replaced_by IS NULL")
    result = _verify(path, run_id)
    assert result.exit_code == 1, result.output
    assert "batch_digests" in result.output
    assert "visits batch 1 (the rows it inserted): stored sha256 000000000000..." in result.output
    later = _cli("check", "--db", path, "--period", "2026-10", "--port", "USLAX")
    assert later.exit_code == 0, later.output
    later_id = later.output.rsplit("; run ", 1)[1].split()[0]
    result = _verify(path, later_id)
    assert result.exit_code == 1 and "batch_digests" in result.output, result.output


def test_an_input_digest_edited_in_its_last_digit_is_shown_differing(db):
    """A stored batch digest and its rows' digest that share their first 12 digits are shown
    to as many digits as tell them apart (as `audit verify` shows a run's digests), not as
    the same 12 digits twice."""
    path, run_id = db
    _edit(path, "UPDATE batch_digests SET sha256 = left(sha256, 63) || "
                "CASE WHEN right(sha256, 1) = '0' THEN '1' ELSE '0' END "
                "WHERE table_name = 'visits' AND replaced_by IS NULL")
    result = _verify(path, run_id)
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.output.splitlines() if "visits batch 1 (the rows" in x]
    stored = line.split("stored sha256 ", 1)[1].split(" over ", 1)[0]
    now = line.split("its rows digest to ", 1)[1].split(" over ", 1)[0]
    assert stored != now and len(stored) == len(now) == 64, line


@pytest.mark.parametrize("manifest", [None, "[1]"], ids=["missing", "not-an-object"])
@pytest.mark.parametrize("command", [
    ("runs", "export", "{run}", "--out", "{dir}/results.csv"),
    ("report", "--run", "{run}", "--out", "{dir}/report.html"),
    ("report", "--period", "2026-10", "--out", "{dir}/report.html"),
    ("export", "carb-visit-report", "--party", "vessel", "--period", "2026-10",
     "--out", "{dir}/visits.csv"),
    ("check", "--period", "2026-10", "--out", "{dir}/results.csv"),
], ids=["runs-export", "report-run", "report-period", "export", "check"])
def test_a_run_whose_stored_manifest_is_missing_is_one_message(db, tmp_path, manifest,
                                                                command):
    """A stored run is read by its manifest's version (which tables, which digest): with
    `runs.manifest` emptied, reading a version-3 run used to fail in polars ("error inferring
    JSON", shown as a berthcheck bug). Every command that reads a stored run says the
    manifest is missing or damaged and how to verify the run with the file kept from the
    check, exits 1 and writes nothing."""
    path, run_id = db
    _edit(path, ("UPDATE runs SET manifest = ?", [manifest]))
    out = tmp_path / "out"
    out.mkdir()
    result = _cli(*(a.format(run=run_id, dir=out) for a in command), "--db", path)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "Traceback" not in text and "bug" not in text, text
    what = "missing" if manifest is None else "damaged"
    assert f"run {run_id}" in text and f"its stored manifest is {what}" in text, text
    assert f"berthcheck audit verify {run_id} --manifest" in text, text
    assert list(out.iterdir()) == []
    con = store.connect(path)
    try:
        assert store.scalar(con, "SELECT manifest FROM runs") == manifest
    finally:
        con.close()
