"""Audit trail (issue 6): run manifests, `audit verify`, `audit diff`."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck import audit, store
from berthcheck.cli import app
from berthcheck.ingest.load import load_files
from berthcheck.resources import rules_dir, sample_data_dir
from tests.conftest import copy_store
from tests.helpers_store import put_tables, visit

runner = CliRunner()
PERIOD = "2026-10"


def _cli(*args):
    return runner.invoke(app, [*map(str, args)], catch_exceptions=False)


def _check(db, *args) -> str:
    """Run `check` and return its run id."""
    result = _cli("check", "--db", db, "--period", PERIOD, *args)
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if "; run " in line).rsplit(" ", 1)[1]


@pytest.fixture()
def db(sample_month, tmp_path) -> Path:
    """A private copy of the sample month's store (copied from the never-opened session file;
    no module-level copy in between)."""
    return copy_store(sample_month, tmp_path / "bc.duckdb")


@pytest.fixture()
def checked(sample_month_checked, tmp_path) -> tuple[Path, str]:
    """A private copy of the sample month's store with the month checked (a stored run and its
    manifest: conftest's `sample_month_checked`, checked once per worker), and the run's id:
    where most tests below start."""
    path, outcome = sample_month_checked
    return copy_store(path, tmp_path / "bc.duckdb"), outcome.run_id


@pytest.fixture()
def rules_copy(tmp_path, monkeypatch) -> Path:
    """The shipped rules folder copied, and pointed at through $BERTHCHECK_RULES_DIR."""
    target = tmp_path / "rules"
    shutil.copytree(rules_dir(), target)
    monkeypatch.setenv("BERTHCHECK_RULES_DIR", str(target))
    return target


def _compliant_controlled_visit(db) -> tuple[str, int]:
    """A visit judged compliant with shore power, and its row number in visits.csv."""
    con = store.connect(db)
    try:
        row = store.run(
            con,
            "SELECT r.visit_id, v._source_row FROM run_results r JOIN visits v USING (visit_id) "
            "WHERE r.verdict = 'compliant' AND r.basis = 'controlled' AND v.vessel_type = "
            "'container' AND v._source_file = 'visits.csv' ORDER BY r.visit_id LIMIT 1",
        )
    finally:
        con.close()
    assert row, "the sample month has a compliant controlled container visit"
    return row[0]


def _replace_vessel_type(db, tmp_path, visit_id: str, vessel_type: str) -> Path:
    """Load a one-row visits file that changes one visit's vessel type, with --replace."""
    with open(sample_data_dir() / "visits.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        rows = [r for r in reader if r["visit_id"] == visit_id]
    rows[0]["vessel_type"] = vessel_type
    path = tmp_path / "visits_fix.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    con = store.connect(db)
    try:
        report = load_files(con, "visits", [path], replace=True)
    finally:
        con.close()
    assert report.files[0].replaced == 1
    return path


# --- manifests ----------------------------------------------------------------------------------


def test_manifest_file_is_the_stored_manifest_and_describes_the_run(db, tmp_path):
    target = tmp_path / "out" / "manifest.json"
    run_id = _check(db, "--manifest", target, "--mkdir")  # the folder "out" is made
    text = target.read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert manifest["run_id"] == run_id
    assert manifest["pack"]["id"] == "carb-at-berth-2020"
    assert manifest["pack"]["files"]["pack.toml"]
    assert "stages/50_control.sql" in manifest["pack"]["files"]
    assert manifest["period"] == PERIOD
    assert manifest["parameters"]["parameters"]["connect_after_ready_to_work_hours"] == 2.0
    assert manifest["inputs"]["visits"]["rows"] > 100
    assert manifest["manifest_version"] == 3
    for table, entry in manifest["inputs"].items():
        assert len(entry["sha256"]) == 64, table
    visits_batch = next(b for b in manifest["load_batches"] if b["table"] == "visits")
    assert visits_batch["source_file"] == "visits.csv"
    assert visits_batch["source_rows"] == f"2-{visits_batch['rows'] + 1}"
    assert visits_batch["inserted_rows"] == visits_batch["rows"]
    assert visits_batch["replaced"] == []
    assert len(visits_batch["content_sha256"]) == len(visits_batch["sha256"]) == 64
    assert manifest["as_of_batch"] == max(b["batch_id"] for b in manifest["load_batches"])
    assert len(manifest["results_sha256"]) == len(manifest["findings_sha256"]) == 64
    assert str(tmp_path) not in text  # no machine paths
    # the same bytes are stored with the run
    shown = _cli("audit", "manifest", run_id, "--db", db)
    assert shown.exit_code == 0
    assert shown.output == text
    # and the runs table keeps the two hashes apart
    con = store.connect(db)
    try:
        row = store.run(con, "SELECT results_sha256, findings_sha256 FROM runs WHERE run_id = ?",
                        [run_id])[0]
    finally:
        con.close()
    assert row == (manifest["results_sha256"], manifest["findings_sha256"])


def test_migrations_are_numbered_in_order():
    numbers = [n for n, _title, _make in store.MIGRATIONS]
    assert numbers == sorted(set(numbers))
    assert 4 in numbers


# --- verify ---------------------------------------------------------------------------------------


def test_verify_passes_on_an_untouched_run(checked):
    db, run_id = checked
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    assert "MISMATCH" not in result.output
    as_json = _cli("audit", "verify", run_id, "--db", db, "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["verified"] is True


def test_verify_of_an_old_run_still_passes_after_a_later_replace(checked, tmp_path):
    db, old_run = checked
    visit_id, _row = _compliant_controlled_visit(db)
    _replace_vessel_type(db, tmp_path, visit_id, "bulk")

    result = _cli("audit", "verify", old_run, "--db", db)
    assert result.exit_code == 0, result.output

    new_run = _check(db)
    assert new_run != old_run
    assert _cli("audit", "verify", new_run, "--db", db).exit_code == 0
    assert _cli("audit", "verify", old_run, "--db", db).exit_code == 0
    listed = _cli("runs", "list", "--db", db).output
    assert old_run in listed and new_run in listed


def test_verify_names_a_row_edited_in_place(checked):
    db, run_id = checked
    visit_id, source_row = _compliant_controlled_visit(db)
    con = store.connect(db)
    try:  # tamper: edit a stored value without going through the loader
        store.run(con, "UPDATE visits_versions SET vessel_type = 'bulk' WHERE visit_id = ?",
                  [visit_id])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "input table visits" in out
    # a version-3 manifest has one digest per table: no empty "content -..." beside it
    line = next(x for x in out.splitlines() if "input table visits" in x)
    assert "content" not in line, line
    assert f"changed: visits '{visit_id}' (visits.csv row {source_row}" in out
    assert "edited after the run read them" in out
    # the consequence is named too: the visit's verdict differs
    assert f"{visit_id}: verdict compliant -> not_applicable" in out
    assert "NOT verified" in out
    assert "Traceback" not in out


def test_verify_names_a_row_dropped_from_the_history(checked):
    db, run_id = checked
    con = store.connect(db)
    try:  # tamper: pretend the batch that loaded the sessions had been replaced early on
        row = store.run(con, "SELECT session_id, _source_row FROM shore_power_versions "
                             "ORDER BY _source_row LIMIT 1")[0]
        store.run(con, "UPDATE shore_power_versions SET _replaced_by = 1 WHERE session_id = ?",
                  [row[0]])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["verified"] is False
    inputs = [m for m in report["mismatches"] if m["what"] == "inputs"]
    assert [m["subject"] for m in inputs] == ["shore_power"]
    assert any(f"removed: shore_power '{row[0]}' (shore_power.csv row {row[1]}" in d
               for d in inputs[0]["details"])


def test_verify_fails_naming_the_pack_file_that_changed(checked, rules_copy):
    db, run_id = checked
    assert _cli("audit", "verify", run_id, "--db", db).exit_code == 0
    stage = rules_copy / "carb-at-berth-2020" / "stages" / "40_window.sql"
    stage.write_text(stage.read_text(encoding="utf-8") + "\n-- an innocent-looking edit\n",
                     encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    assert "pack carb-at-berth-2020@1.2.15 differs" in result.output
    assert "file stages/40_window.sql changed" in result.output
    # only the pack: the inputs and the recomputed results still match
    assert "ok        inputs" in result.output
    assert "ok        results" in result.output


def test_verify_names_a_changed_parameter(checked, rules_copy):
    db, run_id = checked
    toml = rules_copy / "carb-at-berth-2020" / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[parameters.connect_after_ready_to_work_hours]\nvalue = 2.0",
                                 "[parameters.connect_after_ready_to_work_hours]\nvalue = 3.0"),
                    encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1
    assert "file pack.toml changed" in result.output
    assert "parameter connect_after_ready_to_work_hours: 2.0 -> 3.0" in result.output


def test_verify_names_a_changed_emission_factor_file(checked, rules_copy):
    pytest.importorskip("berthcheck.emissions")
    db, run_id = checked
    manifest = json.loads(_cli("audit", "manifest", run_id, "--db", db).output)
    assert "factors.toml" in manifest["factors"]["files"]
    toml = rules_copy / "factors" / "factors.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# edited after the run\n",
                    encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1
    assert "the emission factor tables differ from the run's" in result.output
    assert "file factors.toml changed" in result.output



def test_verify_of_a_custom_pack_run_says_its_folder_is_gone(checked, tmp_path):
    """A run made with a pack folder (`--pack PATH`) whose folder no longer holds a pack is
    compared with the pack of that id found now, and verify says so: the differences are not
    edits to the run's own pack."""
    db, _run_id = checked
    folder = tmp_path / "review" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('\nversion = "1.', '\nversion = "9.', 1), encoding="utf-8")
    run_id = _check(db, "--pack", folder)
    shutil.rmtree(folder)
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    assert f"the run read pack carb-at-berth-2020 from {folder}, which holds no pack now" \
        in result.output, result.output
    assert f"compared with carb-at-berth-2020 from {rules_dir() / 'carb-at-berth-2020'}" \
        in result.output

def test_a_run_without_a_manifest_cannot_be_verified(checked, tmp_path):
    """A run stored before the audit trail (no manifest, no findings hash, its columns as JSON)
    cannot be verified; one stored with a manifest that is now NULL was told the same, "check
    again", though its hashes and column table say it had one, and a check again now refuses
    it (docs/reliability.md 3): it is a missing manifest, verified with the kept file."""
    db, run_id = checked
    emptied = tmp_path / "emptied.duckdb"
    shutil.copy(db, emptied)
    con = store.connect(emptied)
    try:
        store.run(con, "UPDATE runs SET manifest = NULL WHERE run_id = ?", [run_id])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", emptied)
    assert result.exit_code == 1, result.output
    assert f"run {run_id}: its stored manifest is missing (runs.manifest is NULL)" \
        in result.output, result.output
    assert f"berthcheck audit verify {run_id} --manifest KEPT.json" in result.output
    assert "recorded before berthcheck kept run manifests" not in result.output

    con = store.connect(db)
    try:  # as a run stored before the audit trail existed
        table = store.scalar(con, "SELECT table_name FROM duckdb_tables() WHERE table_name "
                                  "LIKE '%' || ?", [run_id])
        store.run(con, f"DROP TABLE {table}")
        store.run(con, "UPDATE runs SET manifest = NULL, findings_sha256 = NULL "
                       "WHERE run_id = ?", [run_id])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1
    assert "recorded before berthcheck kept run manifests" in result.output


def test_counts_edited_alike_in_the_record_and_its_manifest_are_a_mismatch(checked, tmp_path):
    """The counts by verdict `runs list` and `runs show` print, edited in the run's
    record and its stored manifest alike (4 compliant visits made non-compliant): the stored
    results still hashed as recorded, the record agreed with its manifest, and verify said
    "verified", though the recomputation counts otherwise. The run's visits, findings and
    counts are compared with the recomputation's, by JSON path; a manifest kept as a file
    before the edit names the same values."""
    from berthcheck.engine.manifest import manifest_text

    db, run_id = checked
    kept = tmp_path / "kept.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", kept).exit_code == 0
    con = store.connect(db)
    try:
        counts, text = store.run(con, "SELECT counts, manifest FROM runs WHERE run_id = ?",
                                 [run_id])[0]
        counts = json.loads(counts)
        was = dict(counts)
        counts["compliant"] -= 4
        counts["non_compliant"] += 4
        manifest = json.loads(text)
        manifest["counts"] = counts
        manifest["findings"] += 1
        store.run(con, "UPDATE runs SET counts = ?, findings = findings + 1, manifest = ? "
                  "WHERE run_id = ?", [json.dumps(counts), manifest_text(manifest), run_id])
    finally:
        con.close()
    listed = _cli("runs", "list", "--db", db, "--json")
    assert json.loads(listed.output)[0]["counts"]["compliant"] == was["compliant"] - 4

    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    head = lines.index("MISMATCH  the run's summary (what `runs list` and `runs show` print) "
                       "is not what its results recompute to")
    assert lines[head + 1:head + 4] == [
        f"counts: $.counts.compliant is {was['compliant'] - 4} at the run, {was['compliant']} "
        "recomputed",
        f"counts: $.counts.non_compliant is {was['non_compliant'] + 4} at the run, "
        f"{was['non_compliant']} recomputed",
        f"findings: {manifest['findings']} at the run, {manifest['findings'] - 1} recomputed"]
    assert "MISMATCH  record" not in result.output  # the record says what its manifest says
    data = json.loads(_cli("audit", "verify", run_id, "--db", db, "--json").output)
    assert [m["what"] for m in data["mismatches"]] == ["summary"]

    against_kept = _cli("audit", "verify", run_id, "--db", db, "--manifest", kept)
    assert against_kept.exit_code == 1
    assert (f"counts: differs at $.counts.compliant is {was['compliant'] - 4} in the database, "
            f"{was['compliant']} in the file") in against_kept.output, against_kept.output


@pytest.mark.parametrize("damage", ["UPDATE runs SET manifest = '{not json' WHERE run_id = ?",
                                    "UPDATE runs SET manifest = NULL WHERE run_id = ?",
                                    "DELETE FROM runs WHERE run_id = ?"])
def test_a_kept_manifest_verifies_a_run_whose_stored_manifest_is_damaged_or_gone(
        checked, tmp_path, damage):
    """README: keep the manifest file elsewhere, `audit verify --manifest FILE` compares with
    that copy. Where the database's copy was the thing edited (not JSON, emptied) or the run's
    record deleted, verify stopped at the database's copy (exit 1 or 2: "its stored manifest
    is damaged", "no run"), and the kept file, made for exactly this, could not be used. It
    now recomputes the run from the inputs against the file, says the database's copy cannot
    be read as one mismatch among the rest, and exit 1."""
    db, run_id = checked
    kept = tmp_path / "kept.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", kept).exit_code == 0
    con = store.connect(db)
    try:
        store.run(con, damage, [run_id])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", kept)
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[0].startswith(f"run {run_id}: carb-at-berth-2020@"), result.output
    assert any(line.startswith("MISMATCH  the database's manifest of this run cannot be read "
                               "(") and line.endswith("); compared with the file given")
               for line in lines), result.output
    # the recomputation from the inputs as they stood is the file's run
    assert any(line.startswith("ok        results: ") for line in lines), result.output
    assert any(line.startswith("ok        findings: ") for line in lines), result.output
    assert "Traceback" not in result.output
    data = json.loads(_cli("audit", "verify", run_id, "--db", db, "--manifest", kept,
                           "--json").output)
    assert data["verified"] is False and data["mismatches"][0]["what"] == "manifest"
    # without the file: as before, the damaged copy is all there is
    alone = _cli("audit", "verify", run_id, "--db", db)
    assert alone.exit_code in (1, 2) and "compared with the file given" not in alone.output


def test_verify_against_a_manifest_file(checked, tmp_path):
    # the run's manifest kept as a file (`audit manifest --out` writes the bytes `check
    # --manifest` writes: test_manifest_file_is_the_stored_manifest_and_describes_the_run)
    db, run_id = checked
    target = tmp_path / "manifest.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", target).exit_code == 0
    assert _cli("audit", "verify", run_id, "--db", db, "--manifest", target).exit_code == 0
    forged = json.loads(target.read_text(encoding="utf-8"))
    forged["results_sha256"] = "0" * 64
    forged_path = tmp_path / "forged.json"
    forged_path.write_text(json.dumps(forged), encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", forged_path)
    assert result.exit_code == 1
    assert "differs from the file given" in result.output
    # the file given differs from the database's manifest: its value is named as the file's
    assert "results: sha256 000000000000... in the file given" in result.output



@pytest.mark.parametrize(("edit", "path"), [
    (lambda m: m.pop("pack"), "$.pack"),
    (lambda m: m.update(pack="carb"), "$.pack"),
    (lambda m: m.update(as_of_batch="abc"), "$.as_of_batch"),
    (lambda m: m.update(manifest_version="x"), "$.manifest_version"),
    (lambda m: m["scope"].update(start="garbage"), "$.scope.start"),
    (lambda m: m["load_batches"][0].pop("source_rows"), "$.load_batches[0].source_rows"),
    (lambda m: m["inputs"].update(visits=[]), "$.inputs.visits"),
])
def test_a_malformed_manifest_file_is_named_by_json_path(checked, tmp_path, edit, path):
    """A manifest file (`--manifest`) missing a field verify reads, or holding it with the
    wrong type, is one message naming the file and the JSON path: never 'a bug in berthcheck'."""
    db, run_id = checked
    kept = tmp_path / "kept.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", kept).exit_code == 0
    manifest = json.loads(kept.read_text(encoding="utf-8"))
    edit(manifest)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(manifest), encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", broken)
    assert result.exit_code == 2, result.output
    assert f"{broken}" in result.output and path in result.output, result.output
    assert "bug in berthcheck" not in result.output


def test_verify_of_a_database_that_does_not_exist_creates_none(tmp_path):
    """A mistyped --db is exit 3 naming it, as for `runs show`: verify neither says 'no run'
    of an empty store nor leaves that empty store behind."""
    db = tmp_path / "typo.duckdb"
    result = _cli("audit", "verify", "0123456789abcdef", "--db", db)
    assert result.exit_code == 3, result.output
    assert "does not exist" in result.output
    assert not db.exists()

def test_unknown_run_is_a_usage_error(checked):
    db, _run_id = checked
    for args in (("audit", "verify", "0123456789abcdef"),
                 ("audit", "diff", "0123456789abcdef", "fedcba9876543210"),
                 ("audit", "manifest", "0123456789abcdef")):
        result = _cli(*args, "--db", db)
        assert result.exit_code == 2, args
        assert "no run '0123456789abcdef'" in result.output
        assert "Traceback" not in result.output


# --- diff -----------------------------------------------------------------------------------------


def test_diff_attributes_a_changed_verdict_to_the_row_that_changed(checked, tmp_path):
    db, run_a = checked
    visit_id, source_row = _compliant_controlled_visit(db)
    _replace_vessel_type(db, tmp_path, visit_id, "bulk")
    run_b = _check(db)

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output  # the runs differ
    out = result.output
    assert "pack: unchanged" in out
    assert "inputs: visits (1 row changed)" in out
    assert f"{visit_id}: verdict compliant -> not_applicable" in out
    assert "[cause: input]" in out
    assert (f"visits '{visit_id}' changed: vessel_type container -> bulk "
            f"(was visits.csv row {source_row}") in out
    assert "now visits_fix.csv row 2" in out

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    assert data["pack_changed"] is False
    assert list(data["inputs_changed"]) == ["visits"]
    changed = {v["visit_id"]: v for v in data["visits_changed"]}
    assert visit_id in changed
    entry = changed[visit_id]
    assert entry["cause"] == "input"
    assert entry["before"]["verdict"] == "compliant"
    assert entry["after"]["verdict"] == "not_applicable"
    assert "verdict" in entry["changed"]
    (row,) = entry["rows"]
    assert row["table"] == "visits" and row["key"] == visit_id and row["change"] == "changed"
    assert row["columns"] == {"vessel_type": ["container", "bulk"]}
    assert row["before"]["source_file"] == "visits.csv"
    assert row["before"]["source_row"] == source_row
    assert row["after"]["source_file"] == "visits_fix.csv"
    # every other changed visit (if any: allowances, terminal counts) is explained, never blamed
    # on this row
    for other in changed.values():
        if other["visit_id"] != visit_id:
            assert other["rows"] == [] and other["cause"] == "input"


@pytest.fixture(scope="module")
def small_checked(tmp_path_factory) -> tuple[Path, str]:
    """Three visits at one terminal (V1 30 minutes late at the 2 h deadline: non_compliant)
    with October checked under the shipped pack, made once for the module: the run each
    test below compares a later run with (a rules copy byte for byte the shipped one makes the
    same run). Never written to: `small_db` copies it."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    con = store.connect(path)
    put_tables(con, {
        "visits": [visit("V1"), visit("V2"), visit("V3")],
        "shore-power": [
            # 30 minutes late at the 2 h deadline -> non_compliant
            {"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 10:30",
             "disconnected": "2026-10-04 17:00"},
            {"visit_id": "V3", "session_id": "S3", "connected": "2026-10-03 10:00",
             "disconnected": "2026-10-04 17:00"},
        ],
        "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    })
    con.close()
    return path, _check(path)


@pytest.fixture()
def small_db(small_checked, tmp_path) -> tuple[Path, str]:
    """A private copy of `small_checked`'s store, and its run's id."""
    path, run_id = small_checked
    return copy_store(path, tmp_path / "small.duckdb"), run_id


def test_diff_attributes_a_changed_verdict_to_the_pack(small_db, rules_copy):
    small_db, run_a = small_db
    toml = rules_copy / "carb-at-berth-2020" / "pack.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[parameters.connect_after_ready_to_work_hours]\nvalue = 2.0",
            "[parameters.connect_after_ready_to_work_hours]\nvalue = 3.0"),
        encoding="utf-8")
    run_b = _check(small_db)
    assert run_b != run_a

    result = _cli("audit", "diff", run_a, run_b, "--db", small_db)
    assert result.exit_code == 1, result.output  # the runs differ
    assert "pack: changed" in result.output
    assert "file pack.toml changed" in result.output
    assert "parameter connect_after_ready_to_work_hours: 2.0 -> 3.0" in result.output
    assert "inputs: unchanged" in result.output
    assert "V1: verdict non_compliant -> compliant" in result.output
    assert "[cause: pack]" in result.output

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", small_db, "--json").output)
    assert data["pack_changed"] is True
    assert data["inputs_changed"] == {}
    changed = {v["visit_id"]: v for v in data["visits_changed"]}
    assert changed["V1"]["cause"] == "pack"
    assert changed["V1"]["rows"] == []
    assert {v["cause"] for v in changed.values()} == {"pack"}
    assert _cli("audit", "verify", run_a, "--db", small_db).exit_code == 1
    assert _cli("audit", "verify", run_b, "--db", small_db).exit_code == 0


@pytest.fixture(scope="module")
def late_and_bulk(tmp_path_factory) -> tuple[Path, str]:
    """A store of a container visit connected 30 minutes late at the 2 h deadline
    (non_compliant; compliant at 3 h) and two bulk visits (not regulated), checked under the
    shipped pack: the store and its run id, made once for the module (each test below made
    and checked it anew; a rules copy byte for byte the shipped one makes the same run).
    Never written to: `_late_and_bulk_visits` copies it."""
    db = tmp_path_factory.mktemp("late") / "late.duckdb"
    con = store.connect(db)
    put_tables(con, {
        "visits": [visit("V1"), visit("V2", vessel_type="bulk"), visit("V3", vessel_type="bulk")],
        "shore-power": [{"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 10:30",
                         "disconnected": "2026-10-04 17:00"}],
        "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True}],
        "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container",
                       "year": 2026, "regulated": True}],
    })
    con.close()
    return db, _check(db)


def _late_and_bulk_visits(late_and_bulk, tmp_path) -> tuple[Path, str]:
    """A private copy of `late_and_bulk`'s checked store, and its run id."""
    db, run_id = late_and_bulk
    return copy_store(db, tmp_path / "late.duckdb"), run_id


def _next_pack_version(rules: Path, template: str = "", was: str = "", now: str = "") -> str:
    """The CARB pack of `rules` made version 9.9.9 (and `template` with `was` made `now`),
    as a later release is; the version it had."""
    toml = rules / "carb-at-berth-2020" / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    version = text.split('version = "', 1)[1].split('"', 1)[0]
    text = text.replace(f'version = "{version}"', 'version = "9.9.9"', 1)
    if template:
        text = text.replace(template.format(was), template.format(now))
    toml.write_text(text, encoding="utf-8")
    return version


def test_verify_of_a_run_of_an_earlier_pack_version_says_the_findings_only_have_new_ids(
        late_and_bulk, tmp_path, rules_copy):
    """A finding's id carries the pack's version: verify of a run of the previous version
    listed each finding twice, 'only in the run' and 'only recomputed' (the sample month's:
    253 lines, among them the findings a visit judged otherwise really lost). A finding of the
    same visit, rule and message under another id is counted, not listed."""
    db, run_a = _late_and_bulk_visits(late_and_bulk, tmp_path)
    _next_pack_version(rules_copy)
    result = _cli("audit", "verify", run_a, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if "MISMATCH  findings:" in line)
    assert lines[head + 1].strip() == (
        "2 findings under other ids, of the same visit, rule and message (a finding's id "
        "carries the pack's version)")
    assert "only in the run" not in result.output and "only recomputed" not in result.output
    assert "MISMATCH  results: " in result.output
    assert result.output.count("MISMATCH") == 3  # the pack, the results, the findings


@pytest.mark.parametrize(("was", "now", "said"), [
    ("'late connection: '", "'late connect: '",
     "message late connection: 30 min uncontrolled (2026-10-03 10:00 to 20... at the run, "
     "late connect: 30 min uncontrolled (2026-10-03 10:00 to 2026-... recomputed"),
    ("-- severity: violation", "-- severity: warning",
     "severity violation at the run, warning recomputed"),
    ("evidence, minutes\n", "evidence, minutes + 0.5 AS minutes\n",
     "minutes 30 at the run, 30.5 recomputed"),
], ids=["message", "severity", "minutes"])
def test_verify_names_the_column_of_a_finding_whose_id_stays(late_and_bulk, tmp_path, rules_copy,
                                                             was, now, said):
    """A finding's id is made from its rule, the pack's version, its visit and its evidence:
    a rule file edited in its message, severity or minutes (the pack found now is not the
    run's) recomputes findings of the same ids. verify listed such a finding twice under one
    id, 'only in the run' and 'only recomputed', and one whose severity or minutes changed not
    at all: the findings' hash differed and no line said where. It names the finding, its
    visit and rule, and each column with its value at the run and recomputed."""
    db, run = _late_and_bulk_visits(late_and_bulk, tmp_path)
    sql = rules_copy / "carb-at-berth-2020" / "AB06.sql"
    text = sql.read_text(encoding="utf-8")
    assert was in text
    sql.write_text(text.replace(was, now, 1), encoding="utf-8")
    result = _cli("audit", "verify", run, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if "MISMATCH  findings:" in line)
    finding = next(line for line in lines[head + 1:] if "(AB06)" in line).strip()
    assert finding.startswith("V1: finding ") and f"(AB06) differs: {said}" in finding, finding
    assert "only in the run" not in result.output and "only recomputed" not in result.output
    as_json = json.loads(_cli("audit", "verify", run, "--db", db, "--json").output)
    details = next(m["details"] for m in as_json["mismatches"] if m["what"] == "findings")
    assert finding in details


def test_verify_with_a_pack_toml_that_is_not_toml_says_so_first_and_lists_no_file_removed(
        late_and_bulk, tmp_path, rules_copy):
    """An edit that breaks pack.toml (a line that is not TOML appended): verify said `pack
    ... differs from the run's (38 differences)`, then `file AB01.sql removed`, `file AB02.sql
    removed`, ... for every rule and stage file, each still in the folder byte for byte the
    run's, and the reason, `the pack cannot be loaded now: ... not valid TOML ...`, came last,
    behind `... and 18 more`. The reason comes first and the files are compared by their
    bytes: only pack.toml differs."""
    db, run = _late_and_bulk_visits(late_and_bulk, tmp_path)
    toml = rules_copy / "carb-at-berth-2020" / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "-- not a TOML line\n", encoding="utf-8")
    result = _cli("audit", "verify", run, "--db", db)
    assert result.exit_code == 1, result.output
    assert " removed (sha256" not in result.output, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if "MISMATCH  pack " in line)
    assert lines[head].endswith("differs from the run's (2 differences)"), lines[head]
    assert lines[head + 1].strip().startswith(
        f"the pack cannot be loaded now: {toml}: not valid TOML: "), lines[head + 1]
    assert lines[head + 2].strip().startswith("file pack.toml changed (sha256 ")


def test_verify_of_a_run_of_an_earlier_pack_version_says_how_to_verify_it_as_made(
        late_and_bulk, tmp_path, rules_copy, monkeypatch):
    """README (`check`): "`audit verify` of an older run needs that pack version's folder
    (`BERTHCHECK_RULES_DIR`)"; verify said only that the version and pack.toml differ, so an
    auditor holding a run of the previous release was left with three mismatches and no next
    step. It says, once, which version the run needs and how to give it; the earlier version's
    folder so given verifies the run."""
    db, run_a = _late_and_bulk_visits(late_and_bulk, tmp_path)
    earlier = tmp_path / "earlier-rules"
    shutil.copytree(rules_copy, earlier)
    version = _next_pack_version(rules_copy)
    result = _cli("audit", "verify", run_a, "--db", db)
    assert result.exit_code == 1, result.output
    assert result.output.count("BERTHCHECK_RULES_DIR") == 1, result.output
    note = next(line.strip() for line in result.output.splitlines()
                if "BERTHCHECK_RULES_DIR" in line)
    assert note == (
        f"note      the run was made with carb-at-berth-2020@{version}, the pack found now is "
        f"9.9.9: to verify the run as it was made, run `audit verify` again with "
        f"BERTHCHECK_RULES_DIR set to a folder holding carb-at-berth-2020 {version} (the "
        f"rules/ folder of the berthcheck release that shipped it)")
    as_json = json.loads(_cli("audit", "verify", run_a, "--db", db, "--json").output)
    assert note.removeprefix("note      ") in as_json["notes"]

    monkeypatch.setenv("BERTHCHECK_RULES_DIR", str(earlier))
    again = _cli("audit", "verify", run_a, "--db", db)
    assert again.exit_code == 0, again.output
    assert "BERTHCHECK_RULES_DIR" not in again.output


def test_verify_of_a_custom_pack_run_whose_folder_has_another_version_says_to_restore_it(
        late_and_bulk, tmp_path):
    """A run made with `--pack FOLDER` is verified against that folder while it holds a pack:
    `BERTHCHECK_RULES_DIR` would not be read, so the way to verify it as made is to put that
    version back in the folder (or to move the folder away and give the version elsewhere)."""
    db, _ = _late_and_bulk_visits(late_and_bulk, tmp_path)
    folder = tmp_path / "mypack"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"
    # a pack under review (a copy byte for byte the built-in's would be the built-in pack)
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    run = _check(db, "--pack", folder)
    text = toml.read_text(encoding="utf-8")
    was = text.split('version = "', 1)[1].split('"', 1)[0]
    toml.write_text(text.replace(f'version = "{was}"', 'version = "9.9.9"', 1), encoding="utf-8")
    result = _cli("audit", "verify", run, "--db", db)
    assert result.exit_code == 1, result.output
    assert (f"note      the run was made with carb-at-berth-2020@{was}, the pack found now is "
            f"9.9.9: to verify the run as it was made, put version {was} of the pack back in "
            f"{folder}, the folder the run read it from") in result.output, result.output
    assert "BERTHCHECK_RULES_DIR" not in result.output


def test_verify_of_a_run_of_an_earlier_pack_version_puts_the_visits_it_judges_otherwise_first(
        late_and_bulk, tmp_path, rules_copy):
    """An auditor's run of the previous pack version, verified with today's pack: every
    visit's `pack` column differs (the version), and verify listed each visit with it, so the
    one visit judged otherwise was one line among every visit's (the sample month's: 18th of
    201, the rest behind '... and 181 more'). The visits whose results differ come first, and
    the version change is said once, with how many visits differ in nothing else."""
    db, run_a = _late_and_bulk_visits(late_and_bulk, tmp_path)
    version = _next_pack_version(rules_copy, "[parameters.connect_after_ready_to_work_hours]"
                                 "\nvalue = {}", "2.0", "3.0")
    result = _cli("audit", "verify", run_a, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if "MISMATCH  results:" in line)
    assert lines[head].endswith(
        "3 visits differ, 2 of them only in the pack that judged them (its version)")
    assert lines[head + 1].strip().startswith("V1: verdict non_compliant -> compliant")
    assert "pack carb-at-berth-2020@" not in lines[head + 1]
    assert lines[head + 2].strip() == (
        f"3 visits: pack carb-at-berth-2020@{version} -> carb-at-berth-2020@9.9.9")


def test_verify_says_an_export_of_a_run_of_an_earlier_pack_version_differs_with_its_results(
        late_and_bulk, tmp_path, rules_copy):
    """The visit-report export an auditor recorded with a run of the previous pack version:
    it is rebuilt from the results recomputed with today's pack, and verify says the rebuild
    differs because those results do (their `pack` column at least), not only two hashes."""
    db, run_a = _late_and_bulk_visits(late_and_bulk, tmp_path)
    made = _cli("export", "carb-visit-report", "--party", "vessel", "--period", PERIOD,
                "--db", db, "--out", tmp_path / "cvr.csv")
    assert made.exit_code == 0, made.output
    _next_pack_version(rules_copy)
    result = _cli("audit", "verify", run_a, "--db", db)
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    head = next(i for i, line in enumerate(lines) if line.startswith("MISMATCH  export "))
    assert lines[head + 1].startswith("cvr.csv: sha256 ")
    assert lines[head + 2].startswith(
        "rebuilt from the recomputed results, which differ from the run's")


def test_diff_of_runs_of_two_pack_versions_names_each_file_by_run(late_and_bulk, tmp_path,
                                                                  rules_copy):
    """`audit diff` of a run of the previous pack version and one of today's said of each
    changed file 'sha256 ... at the run, ... now', verify's words: run B is no more 'now'
    than run A is (diff old new and diff new old said the same). It names the pack version
    change first, then each file by run."""
    db, run_a = _late_and_bulk_visits(late_and_bulk, tmp_path)
    version = _next_pack_version(rules_copy)
    run_b = _check(db)
    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    head = lines.index("pack: changed")
    assert lines[head + 1].strip() == (
        f"pack carb-at-berth-2020@{version} -> carb-at-berth-2020@9.9.9")
    assert lines[head + 2].strip().startswith("file pack.toml changed (sha256 ")
    assert "in run A, " in lines[head + 2] and lines[head + 2].endswith("in run B)")
    assert "at the run" not in result.output and "now)" not in result.output


def test_diff_of_both_an_input_and_the_pack(small_db, rules_copy):
    small_db, run_a = small_db
    toml = rules_copy / "carb-at-berth-2020" / "pack.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[parameters.disconnect_before_pilot_on_board_hours]\nvalue = 1.0",
            "[parameters.disconnect_before_pilot_on_board_hours]\nvalue = 0.5"),
        encoding="utf-8")
    con = store.connect(small_db)
    try:  # a corrected session for V2, loaded later
        put_tables(con, {"shore-power": [
            {"visit_id": "V2", "session_id": "S2", "connected": "2026-10-03T10:00:00-07:00",
             "disconnected": "2026-10-04T17:30:00-07:00"},
        ]})
    finally:
        con.close()
    run_b = _check(small_db)
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", small_db, "--json").output)
    changed = {v["visit_id"]: v for v in data["visits_changed"]}
    assert changed["V2"]["cause"] == "both"
    assert [(r["table"], r["key"], r["change"]) for r in changed["V2"]["rows"]] == [
        ("shore_power", "S2", "added")]
    assert changed["V2"]["rows"][0]["after"]["source_file"] == "shore-power.fixture"


def test_input_seals_are_written_once_per_row_version(checked, tmp_path):
    db, _run_id = checked  # the sample month, checked once
    con = store.connect(db)
    try:
        first = store.scalar(con, "SELECT count(*) FROM input_seals")
        rows = sum(v for k, v in store.table_counts(con).items())
    finally:
        con.close()
    assert first == rows
    _check(db, "--port", "USLAX")  # another run over the same rows seals nothing new
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT count(*) FROM input_seals") == first
    finally:
        con.close()


def test_as_of_restores_the_connection(db):
    con = store.connect(db)
    try:
        main = store.scalar(con, "SELECT current_database()")
        with pytest.raises(RuntimeError), audit.as_of(con, 1):
            assert store.scalar(con, "SELECT count(*) FROM visits") == 0  # only berths by batch 1
            raise RuntimeError("boom")
        assert store.scalar(con, "SELECT current_database()") == main
        assert store.scalar(con, "SELECT count(*) FROM visits") > 0
    finally:
        con.close()
