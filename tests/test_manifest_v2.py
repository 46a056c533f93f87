"""Issue 16, items 1-2: manifest version 2 (fingerprints from load-time digests, typed-row
hashes, runs stored in typed tables) and version 3 (the same fingerprints and tables, results
and findings hashed over a binary canonical form of their columns), with version-1 and
version-2 runs still verified and diffed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import CheckResult, check
from berthcheck.engine.schemas import RESULT_COLUMNS
from tests.conftest import copy_store
from tests.legacy_runs import store_v1_run, store_v2_run
from tests.test_audit import _compliant_controlled_visit, _replace_vessel_type

runner = CliRunner()
PERIOD = "2026-10"


def _cli(*args):
    return runner.invoke(app, [*map(str, args)])


@pytest.fixture(scope="module")
def with_old_runs(sample_month_checked, tmp_path_factory) -> tuple[Path, str, str, CheckResult]:
    """The sample month loaded and checked (stored) as today, version 3 (conftest's
    `sample_month_checked`, checked once per worker: the tests that need a version-3 run of the
    untouched month read this one), and that check's outcome stored again as version 1
    stored it and as version 2 did. The month is not checked again here: this fixture checked
    it twice (once unstored for versions 1 and 2, once stored) where the worker's check gives
    the same rows, findings and inputs (issue 16, the suite's repeated work)."""
    checked, v3 = sample_month_checked
    path = copy_store(checked, tmp_path_factory.mktemp("v1") / "sample.duckdb")
    con = store.connect(path)
    try:
        v1 = store_v1_run(con, v3)
        v2 = store_v2_run(con, v3)
    finally:
        con.close()
    return path, v1, v2, v3


@pytest.fixture()
def db(with_old_runs, tmp_path) -> tuple[Path, str]:
    """A copy of the store; the version-1 run's id."""
    path, run_id, _v2, _v3 = with_old_runs
    copy = tmp_path / "bc.duckdb"
    shutil.copy(path, copy)
    return copy, run_id


@pytest.fixture()
def v2_run(with_old_runs, db) -> str:
    """The version-2 run's id (in `db`'s copy)."""
    return with_old_runs[2]


@pytest.fixture()
def v3(with_old_runs, db) -> CheckResult:
    """The version-3 check of the untouched month (its run stored in `db`'s copy): read only."""
    return with_old_runs[3]


def _check(db) -> str:
    result = _cli("check", "--db", db, "--period", PERIOD)
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if "; run " in line).rsplit(" ", 1)[1]


def _manifest(path, run_id) -> dict:
    con = store.connect(path)
    try:
        return json.loads(store.scalar(con, "SELECT manifest FROM runs WHERE run_id = ?",
                                       [run_id]))
    finally:
        con.close()


def test_version_1_2_and_3_runs_all_verify(db, v2_run, v3):
    path, old = db
    new = v3.run_id
    assert len({old, v2_run, new}) == 3  # the manifest version is part of the run id
    for run_id, version in ((old, 1), (v2_run, 2), (new, 3)):
        manifest = _manifest(path, run_id)
        assert manifest["manifest_version"] == version
        result = _cli("audit", "verify", run_id, "--db", path)
        assert result.exit_code == 0, result.output
        assert "MISMATCH" not in result.output
    v2, v3 = _manifest(path, v2_run), _manifest(path, new)
    # versions 2 and 3 read the same inputs the same way; only the output digests differ
    assert v2["inputs"] == v3["inputs"] and v2["load_batches"] == v3["load_batches"]
    assert v2["results_sha256"] != v3["results_sha256"]
    assert v2["findings_sha256"] != v3["findings_sha256"]


def _verdict_tampered_is_named(path, run_id: str) -> None:
    """A stored non-compliant verdict edited to compliant: verify fails and names it."""
    con = store.connect(path)
    try:
        store.run(con, "UPDATE run_results SET verdict = 'compliant' WHERE run_id = ? "
                       "AND verdict = 'non_compliant'", [run_id])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", path)
    assert result.exit_code == 1
    assert "stored results: sha256" in result.output
    assert "verdict stored compliant, recomputed non_compliant" in result.output


def test_a_version_2_run_names_a_tampered_verdict(db, v2_run):
    _verdict_tampered_is_named(db[0], v2_run)


def test_a_version_3_run_names_a_stored_hour_edited_below_the_csvs_decimals(db, v3):
    """Version 3 hashes a float's bits: an hour made longer by about a microsecond (version
    2's micro-units and the CSV's six decimals would not show it) fails verify, named."""
    path, _old = db
    new = v3.run_id
    con = store.connect(path)
    try:
        visit = store.scalar(con, "SELECT min(visit_id) FROM run_results WHERE run_id = ? AND "
                                  "controlled_hours > 1", [new])
        store.run(con, "UPDATE run_results SET controlled_hours = controlled_hours + 3e-10 "
                       "WHERE run_id = ? AND visit_id = ?", [new, visit])
    finally:
        con.close()
    result = _cli("audit", "verify", new, "--db", path)
    assert result.exit_code == 1
    assert "stored results: sha256" in result.output
    assert f"visit {visit}: controlled_hours stored" in result.output
    assert "findings: match the hash recorded" in result.output


def test_a_version_1_run_verifies_after_a_later_replace_and_names_a_tampered_verdict(db, tmp_path):
    path, old = db
    visit_id, _row = _compliant_controlled_visit(path)
    _replace_vessel_type(path, tmp_path, visit_id, "bulk")
    assert _cli("audit", "verify", old, "--db", path).exit_code == 0
    _verdict_tampered_is_named(path, old)


def test_diff_across_the_version_boundary_is_a_manifest_change_not_an_input_change(db, v3,
                                                                                   tmp_path):
    path, old = db
    new = v3.run_id
    same = _cli("audit", "diff", old, new, "--db", path, "--json")
    data = json.loads(same.output)
    assert data["inputs_changed"] == {}
    assert data["visits_changed"] == []
    assert data["manifest_changes"][0].startswith("manifest version 1 -> 3")
    shown = _cli("audit", "diff", old, new, "--db", path).output
    assert "manifest: changed" in shown and "inputs: unchanged" in shown

    visit_id, _row = _compliant_controlled_visit(path)
    _replace_vessel_type(path, tmp_path, visit_id, "bulk")
    con = store.connect(path)
    try:  # the replacing batch digested the row it inserted and the one it retired
        pieces = store.run(con, "SELECT replaced_by IS NULL, rows FROM batch_digests WHERE "
                                "table_name = 'visits' AND (batch_id = (SELECT max(batch_id) "
                                "FROM load_batches) OR replaced_by IS NOT NULL) ORDER BY 1")
    finally:
        con.close()
    assert pieces == [(False, 1), (True, 1)]
    newer = _check(path)
    data = json.loads(_cli("audit", "diff", old, newer, "--db", path, "--json").output)
    assert list(data["inputs_changed"]) == ["visits"]
    assert data["inputs_changed"]["visits"]["rows_changed"] == 1
    assert {v["visit_id"]: v["cause"] for v in data["visits_changed"]} == {visit_id: "input"}


def test_diff_from_version_2_to_3_names_the_manifest_version_not_the_inputs(db, v2_run, v3,
                                                                           tmp_path):
    path, _old = db
    new = v3.run_id
    data = json.loads(_cli("audit", "diff", v2_run, new, "--db", path, "--json").output)
    assert data["inputs_changed"] == {} and data["visits_changed"] == []
    assert data["pack_changed"] is False
    assert len(data["manifest_changes"]) == 1
    assert data["manifest_changes"][0].startswith("manifest version 2 -> 3: result and finding "
                                                  "hashes and so run ids")
    shown = _cli("audit", "diff", v2_run, new, "--db", path).output
    assert "manifest: changed" in shown and "  manifest version 2 -> 3" in shown
    assert "inputs: unchanged" in shown and "pack: unchanged" in shown

    visit_id, _row = _compliant_controlled_visit(path)
    _replace_vessel_type(path, tmp_path, visit_id, "bulk")
    newer = _check(path)
    data = json.loads(_cli("audit", "diff", v2_run, newer, "--db", path, "--json").output)
    assert list(data["inputs_changed"]) == ["visits"]
    assert data["inputs_changed"]["visits"]["rows_changed"] == 1
    assert {v["visit_id"]: v["cause"] for v in data["visits_changed"]} == {visit_id: "input"}


def _text(value) -> str:
    """docs/reliability.md's canonical text of one typed value, written independently."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # micro-units, rounded half away from zero, exactly
        micro = Decimal(value * 1_000_000)  # the product in double arithmetic, as documented
        return str(int(micro.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _digest(frame, columns, order) -> str:
    rows = sorted(frame.select(columns).rows(named=True),
                  key=lambda r: [r[k].encode("utf-8") for k in order])
    text = "\t".join(columns) + "\n" + "".join(
        "\t".join(_text(r[c]) for c in columns) + "\n" for r in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_results_and_findings_hashes_follow_the_documented_serialisations(v3):
    """Version 3's digests (the manifest) and version 2's (kept to verify version-2 runs),
    each recomputed in plain Python from docs/reliability.md."""
    from berthcheck.engine.manifest import output_hashes_v2
    from tests.test_digest_v3 import reference_digest

    outcome = v3
    results, findings = outcome.results, outcome.findings
    columns = [*RESULT_COLUMNS, *(c for c in results.columns if c not in RESULT_COLUMNS)]
    assert len(columns) > 30 and results.height > 100
    finding_columns = ["finding_id", "rule_id", "visit_id", "severity", "message", "evidence",
                       "minutes"]
    assert outcome.manifest["manifest_version"] == 3
    assert outcome.manifest["results_sha256"] == reference_digest(results, columns, ["visit_id"])
    assert outcome.manifest["findings_sha256"] == reference_digest(
        findings, finding_columns, ["visit_id", "rule_id", "finding_id"])
    assert output_hashes_v2(results, findings) == (
        _digest(results, columns, ["visit_id"]),
        _digest(findings, finding_columns, ["visit_id", "rule_id", "finding_id"]))


def test_a_run_is_stored_in_typed_tables_and_read_back_unchanged(db, v3):
    path, _old = db
    outcome = v3  # stored in this copy of the store
    con = store.connect(path)
    try:
        from berthcheck.engine.runs import load_run

        results, findings = load_run(con, outcome.run_id)
        blobs = store.scalar(con, "SELECT count(*) FROM run_result_columns WHERE run_id = ?",
                             [outcome.run_id])
        types = dict(store.run(con, "SELECT column_name, data_type FROM duckdb_columns() "
                                    "WHERE table_name = ?", [f"run_columns_{outcome.run_id}"]))
    finally:
        con.close()
    assert blobs == 0
    assert "DOUBLE" in types.values()
    assert results.equals(outcome.results) and results.schema == outcome.results.schema
    assert findings.equals(outcome.findings)


def test_a_check_never_overwrites_a_load_digest_that_no_longer_matches(db, v3):
    """Rows deleted behind berthcheck's back: the check digests the batch from what is left
    (its run id changes), but the digest made at load stays, as evidence for `audit verify`."""
    path, _old = db
    before = v3  # the month checked before the rows went, stored in this copy
    con = store.connect(path)
    try:
        batch, rows = store.run(con, "SELECT batch_id, rows FROM batch_digests WHERE table_name = "
                                     "'visits' AND replaced_by IS NULL ORDER BY batch_id")[0]
        store.run(con, "DELETE FROM visits_versions WHERE _batch_id = ? AND _source_row = "
                       "(SELECT max(_source_row) FROM visits_versions WHERE _batch_id = ?)",
                  [batch, batch])
        after = check(con, period=PERIOD)
        kept = store.run(con, "SELECT rows FROM batch_digests WHERE table_name = 'visits' "
                              "AND batch_id = ? AND replaced_by IS NULL", [batch])
    finally:
        con.close()
    assert after.run_id != before.run_id
    assert after.manifest["inputs"]["visits"]["rows"] == rows - 1
    assert kept == [(rows,)]
    result = _cli("audit", "verify", before.run_id, "--db", path)
    assert result.exit_code == 1 and "input table visits" in result.output
