"""`audit verify` says what differs in words an auditor can act on: two different digests never
look the same, and a changed value of a long record (the parameters) is named by its JSON path,
not shown as two whole records side by side."""

from __future__ import annotations

import json

import pytest

from berthcheck.side_by_side import two_digests
from tests.conftest import copy_store
from tests.test_audit import _cli


@pytest.fixture()
def checked(sample_month_checked, tmp_path):
    """A private copy of the checked sample month's store (conftest) and its run id."""
    path, outcome = sample_month_checked
    return copy_store(path, tmp_path / "bc.duckdb"), outcome.run_id


@pytest.fixture()
def kept(checked, tmp_path):
    """The checked sample month's store, its run id and its manifest kept as a file."""
    db, run_id = checked
    path = tmp_path / "kept.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", path).exit_code == 0
    return db, run_id, json.loads(path.read_text(encoding="utf-8"))


def _verify_with(db, run_id, manifest, tmp_path):
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return _cli("audit", "verify", run_id, "--db", db, "--manifest", edited)


def test_two_digests_that_differ_are_never_shown_alike():
    a = "9f84ef4a5a97a52e5badbab1639c4cc1100cdd33977df364714e129a28048e15"
    b = a[:-1] + "0"  # one byte of a kept manifest changed, in the last digit
    shown_a, shown_b = two_digests(a, b)
    assert shown_a != shown_b and (shown_a, shown_b) == (a, b)
    c = a[:20] + "0" + a[21:]
    assert two_digests(a, c) == (a[:24] + "...", c[:24] + "...")
    assert two_digests(a, a) == (a[:12] + "...", a[:12] + "...")  # the same: as before
    assert two_digests("0" * 64, a) == ("0" * 12 + "...", a[:12] + "...")


def test_a_digest_edited_in_its_last_digit_is_shown_differing(kept, tmp_path):
    """Before: `stored results: sha256 9f84ef4a5a97... but the run recorded 9f84ef4a5a97...`,
    the same twelve digits twice, and `results: sha256 X... at the run, X... recomputed`."""
    db, run_id, manifest = kept
    want = manifest["results_sha256"]
    edited = want[:-1] + ("0" if want[-1] != "0" else "1")
    manifest["results_sha256"] = edited
    result = _verify_with(db, run_id, manifest, tmp_path)
    assert result.exit_code == 1, result.output
    assert (f"stored results: sha256 {want}, as the database's manifest records, but the file "
            f"given records {edited}") in result.output
    assert f"results: sha256 {edited} in the file given, {want} recomputed" in result.output


def test_an_edited_kept_manifest_is_not_taken_for_an_edited_store(kept, tmp_path):
    """The kept file given with --manifest, edited (not the store): after "the database's
    manifest of this run differs from the file given", verify said the stored findings "were
    changed after the run was stored", the record "differs from its manifest" and the summary
    "127 at the run", taking the file for the run. Each line now names the file given."""
    db, run_id, manifest = kept
    want = manifest["findings_sha256"]
    edited = "0" * 64
    manifest["findings_sha256"] = edited
    manifest["findings"] -= 1
    rule_file = sorted(manifest["pack"]["files"])[0]
    pack_file = manifest["pack"]["files"][rule_file]
    manifest["pack"]["files"][rule_file] = edited
    result = _verify_with(db, run_id, manifest, tmp_path)
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert "changed after the run was stored" not in result.output
    assert " at the run" not in result.output
    assert "MISMATCH  the database's manifest of this run differs from the file given" in lines
    assert ("MISMATCH  the run's record (what `runs list` and `runs show` print) differs from "
            "the file given") in lines
    assert (f"MISMATCH  stored findings: sha256 {want[:12]}..., as the database's manifest "
            f"records, but the file given records {edited[:12]}...") in lines
    assert (f"MISMATCH  findings: sha256 {edited[:12]}... in the file given, {want[:12]}... "
            "recomputed") in lines
    assert "ok        stored results: match the hash recorded for the run" in " ".join(lines)
    version = manifest["pack"]["version"]
    assert (f"MISMATCH  pack carb-at-berth-2020@{version} differs from what the file given "
            "records (1 difference)") in lines
    assert (f"file {rule_file} changed (sha256 {edited[:12]}... in the file given, "
            f"{pack_file[:12]}... now)") in lines
    # the store itself changed, against an unedited kept file: said as before
    from berthcheck import store

    con = store.connect(db)
    try:
        store.run(con, "UPDATE run_findings SET message = message || '.' WHERE run_id = ? "
                  "AND finding_id = (SELECT min(finding_id) FROM run_findings WHERE run_id = ?)",
                  [run_id, run_id])
    finally:
        con.close()
    manifest["findings_sha256"], manifest["findings"] = want, manifest["findings"] + 1
    manifest["pack"]["files"][rule_file] = pack_file
    result = _verify_with(db, run_id, manifest, tmp_path)
    assert result.exit_code == 1, result.output
    assert "they were changed after the run was stored" in result.output, result.output


def test_a_changed_parameter_in_a_kept_manifest_is_named_by_json_path(kept, tmp_path):
    """Before: `parameters: differs`, and the run's record line printed both whole parameter
    records (every parameter and table of the pack, about 4 000 characters each)."""
    db, run_id, manifest = kept
    manifest["parameters"]["parameters"]["connect_after_ready_to_work_hours"] = 3.0
    result = _verify_with(db, run_id, manifest, tmp_path)
    assert result.exit_code == 1, result.output
    path = "$.parameters.parameters.connect_after_ready_to_work_hours"
    assert f"parameters: differs at {path} is 2.0 in the database, 3.0 in the file" \
        in result.output, result.output
    assert f"parameters: {path} is 2.0 in the record, 3.0 in the file given" in result.output
    assert max(map(len, result.output.splitlines())) < 300, result.output
    data = json.loads(_cli("audit", "verify", run_id, "--db", db, "--manifest",
                           tmp_path / "edited.json", "--json").output)
    record = next(m for m in data["mismatches"] if m["what"] == "record")
    assert record["details"] == [
        f"parameters: {path} is 2.0 in the record, 3.0 in the file given"]


def test_a_scope_value_missing_from_a_kept_manifest_says_missing(kept, tmp_path):
    db, run_id, manifest = kept
    del manifest["scope"]["fleet"]
    result = _verify_with(db, run_id, manifest, tmp_path)
    assert "scope: differs at $.scope.fleet is null in the database, missing in the file" \
        in result.output, result.output


def test_two_texts_that_differ_past_what_is_shown_still_look_different():
    from berthcheck.side_by_side import two_texts

    message = "no control: 1585 min uncontrolled (2026-09-30 13:25 to 2026-10-01 15:50 " \
              "America/Los_Angeles)"
    shown = two_texts(message + " ", message)  # a space added at the end: quoted
    assert shown[0] != shown[1] and shown[0].endswith(" '") and shown[1].endswith(")'")
    edited = message.replace("15:50", "15:59")  # past the 60th character
    a, b = two_texts(message, edited)
    assert a != b and "15:50" in a and "15:59" in b and a.startswith("...")
    assert two_texts("compliant", "non_compliant") == ("compliant", "non_compliant")


def test_a_stored_finding_edited_past_its_60th_character_is_shown_differing(checked):
    """Before: `message stored no control: ... (2026-09-30 13:25 to 2026-, recomputed no
    control: ... (2026-09-30 13:25 to 2026-`, the same 60 characters twice."""
    from berthcheck import store

    db, run_id = checked
    con = store.connect(db)
    try:
        finding, message = store.run(con, "SELECT finding_id, message FROM run_findings "
                                          "WHERE length(message) > 70 ORDER BY finding_id "
                                          "LIMIT 1")[0]
        store.run(con, "UPDATE run_findings SET message = message || ' ' WHERE finding_id = ?",
                  [finding])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    line = next(x for x in result.output.splitlines() if f"finding {finding}:" in x)
    stored, recomputed = line.split("message stored ", 1)[1].split(", recomputed ")
    assert stored != recomputed and stored.endswith(" '"), line
    assert message.endswith(recomputed.strip("'").lstrip("."))


def test_audit_manifest_json_with_out_prints_the_manifest_not_a_wrote_line(checked, tmp_path):
    """Before: `audit manifest RUN --out FILE --json` printed `wrote FILE` on standard output,
    which a script reading JSON fails on; now the manifest, the file's bytes."""
    db, run_id = checked
    kept = tmp_path / "kept.json"
    result = _cli("audit", "manifest", run_id, "--db", db, "--out", kept, "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout == kept.read_text(encoding="utf-8")
    assert json.loads(result.stdout)["run_id"] == run_id
    plain = _cli("audit", "manifest", run_id, "--db", db, "--out", tmp_path / "again.json")
    assert plain.stdout == f"wrote {tmp_path / 'again.json'}\n"  # without --json: as before


def test_one_visit_recomputed_otherwise_is_said_in_the_singular(checked):
    """An input row edited in place (ready_to_work 3 h later): `1 visit differs`, where it
    said `1 visit differ`; the edited row is named by file, row and batch."""
    from berthcheck import store

    db, run_id = checked
    con = store.connect(db)
    try:
        visit = store.scalar(con, "SELECT visit_id FROM run_results WHERE run_id = ? AND "
                                  "verdict = 'non_compliant' ORDER BY visit_id LIMIT 1", [run_id])
        store.run(con, "UPDATE visits_versions SET ready_to_work = ready_to_work + "
                       "INTERVAL 3 HOUR WHERE visit_id = ?", [visit])
    finally:
        con.close()
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1, result.output
    assert "recomputed; 1 visit differs" in result.output, result.output
    assert f"visits '{visit}' (visits.csv row" in result.output


@pytest.mark.parametrize("command", [
    ("check", "--period", "2026-10", "--json", "--quiet"),  # the run's summary, not its manifest
    ("runs", "show", "{run}", "--json"),  # the run's record
    ("runs", "list", "--json"),
])
def test_a_file_that_is_not_a_manifest_says_which_file_to_give(checked, tmp_path, command):
    """An auditor who kept the JSON `check --json` or `runs show --json` printed (both name the
    run) and gave it to `verify --manifest` was told only "is not a berthcheck run manifest"
    (or the JSON paths it lacks), not which file it takes. The message says what the file is
    missing and which commands write a manifest."""
    db, run_id = checked
    printed = _cli(*[a.format(run=run_id) for a in command], "--db", db)
    assert printed.exit_code == 0, printed.output
    kept = tmp_path / "kept.json"
    kept.write_text(printed.stdout, encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", kept)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {kept} is not a berthcheck run manifest"), \
        result.output
    assert result.output.rstrip().endswith(
        f"a run's manifest is the file `check --manifest FILE` or `audit manifest {run_id} "
        "--out FILE` writes"), result.output
