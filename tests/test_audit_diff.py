"""`audit diff` names every visit whose result an auditor acts on changed: the penalty owed and
the party answerable as well as the verdict, basis and hours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()
HEADER = ("visit_id,imo,vessel_name,vessel_type,operator,port,terminal,berth,arrival,departure,"
          "gross_tonnage,aux_power_kw\n")
# a container call at Rotterdam in June 2030 with no OPS use: 24.5 h non-compliant
CALL = ("V1,9321483,Vessel V1,container,Line A,NLRTM,T1,B1,2030-06-03T06:00:00+02:00,"
        "2030-06-04T06:30:00+02:00,70000,{aux}\n")


def _cli(*args):
    return runner.invoke(app, [*map(str, args)], catch_exceptions=False)


def _check_october(db: Path) -> str:
    """The run id of a CARB check of October 2026 in `db`."""
    result = _cli("check", "--db", db, "--period", "2026-10", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["run_id"]


# berth B1 of terminal T1 (Los Angeles) supplies shore power, and T1 is regulated in 2026
_T1_REGULATED_WITH_SHORE_POWER = {
    "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1", "shore_power": True}],
    "terminals": [{"port": "USLAX", "terminal": "T1", "vessel_type": "container", "year": 2026,
                   "regulated": True}],
}


def _check(db: Path) -> str:
    result = _cli("check", "--db", db, "--pack", "fueleu-art6", "--period", "2030-06", "--json",
                  "--quiet")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["run_id"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each store below made (loaded and checked) once for the module, when a test first asks
    for it, where each test made its own (two to four tests share each): `built(name, make,
    tmp_path)` is a private copy at `tmp_path` of the store `make(folder)` made, and the run
    ids it gave. The stores made are never written to; a test changes its copy. (A run's id
    and rows do not depend on the store's folder.)"""
    made: dict[str, tuple] = {}

    def copy(name: str, make, tmp_path: Path) -> tuple:
        if name not in made:
            made[name] = make(tmp_path_factory.mktemp(name))
        db, *runs = made[name]
        return (copy_store(db, tmp_path / db.name), *runs)

    return copy


def _loaded(folder: Path) -> tuple[Path, str]:
    """The call with its power demand (aux_power_kw 1000) loaded and June 2030 checked."""
    db = folder / "bc.duckdb"
    visits = folder / "visits.csv"
    visits.write_text(HEADER + CALL.format(aux="1000"), encoding="utf-8")
    assert _cli("load", "--db", db, "visits", visits).exit_code == 0
    return db, _check(db)


def test_diff_names_a_penalty_that_a_corrected_input_changed(built, tmp_path):
    # the call loaded without power demand (no teu, no aux_power_kw: the penalty stays
    # empty), checked, then corrected to 1000 kW with --replace and checked again: the same
    # verdict and hours; EUR 1.5 x 1000 kW x 25 h = 37 500 (`_corrected`)
    db, run_a, run_b = built("corrected", _corrected, tmp_path)

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    assert "1 visit changed, 0 unchanged" in result.output
    assert "V1: penalty - -> 37500  [cause: input]" in result.output
    assert "visits 'V1' changed: aux_power_kw - -> 1000" in result.output

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    (entry,) = data["visits_changed"]
    assert entry["changed"] == ["penalty"]
    assert entry["before"]["penalty"] is None and entry["after"]["penalty"] == 37500.0
    assert entry["before"]["verdict"] == entry["after"]["verdict"] == "non_compliant"
    assert data["visits_unchanged"] == 0


def test_diff_of_a_run_with_itself_changes_nothing(built, tmp_path):
    db, run = built("loaded", _loaded, tmp_path)
    result = _cli("audit", "diff", run, run, "--db", db)
    assert result.exit_code == 0, result.output
    assert "0 visits changed, 1 unchanged" in result.output


def _corrected(tmp_path, visit_id: str = "V1") -> tuple[Path, str, str]:
    """A call loaded without its power demand, checked, corrected, checked again."""
    db = tmp_path / "bc.duckdb"
    first = tmp_path / "visits.csv"
    first.write_text(HEADER + CALL.format(aux="").replace("V1,", f"{visit_id},", 1),
                     encoding="utf-8")
    assert _cli("load", "--db", db, "visits", first).exit_code == 0
    run_a = _check(db)
    fix = tmp_path / "fix.csv"
    fix.write_text(HEADER + CALL.format(aux="1000").replace("V1,", f"{visit_id},", 1),
                   encoding="utf-8")
    assert _cli("load", "--db", db, "visits", fix, "--replace").exit_code == 0
    return db, run_a, _check(db)


def test_diff_csv_is_one_line_per_difference_with_the_json_facts(built, tmp_path):
    import csv
    import io

    from berthcheck.audit.diff import DIFF_CSV_COLUMNS
    from berthcheck.audit.values import COMPARED_FIELDS

    db, run_a, run_b = built("corrected", _corrected, tmp_path)
    result = _cli("audit", "diff", run_a, run_b, "--db", db, "--csv")
    assert result.exit_code == 1, result.output  # the runs differ, whatever the format
    assert result.stdout.splitlines()[0] == ",".join(DIFF_CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # then the findings of one run only (those whose penalty text changed), a line each
    assert [r["item"] for r in rows][:2] == ["input", "visit"]
    assert {r["item"] for r in rows[2:]} == {"finding"} and rows[2]["visit_id"] == "V1"
    table, visit = rows[:2]
    assert {k: v for k, v in table.items() if v} == {
        "run_a": run_a, "run_b": run_b, "item": "input", "table": "visits", "rows_a": "1",
        "rows_b": "1", "rows_changed": "1"}
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    (entry,) = data["visits_changed"]
    assert visit["visit_id"] == "V1" and visit["cause"] == entry["cause"] == "input"
    assert visit["changed"] == "penalty"
    for f in COMPARED_FIELDS:
        for side, key in (("before", "a"), ("after", "b")):
            value = entry[side][f]
            assert visit[f"{f}_{key}"] == ("" if value is None else str(value)), f
    assert visit["penalty_a"] == "" and float(visit["penalty_b"]) == 37500
    assert visit["input_rows"] == "visits V1 changed"

    same = _cli("audit", "diff", run_a, run_a, "--db", db, "--csv")
    assert same.exit_code == 0 and same.stdout == ",".join(DIFF_CSV_COLUMNS) + "\n"
    both = _cli("audit", "diff", run_a, run_b, "--db", db, "--csv", "--json")
    assert both.exit_code == 2 and "--json or --csv" in both.stderr and not both.stdout


def test_diff_csv_cells_are_formula_safe(tmp_path):
    import csv
    import io

    db, run_a, run_b = _corrected(tmp_path, visit_id="=V1")
    result = _cli("audit", "diff", run_a, run_b, "--db", db, "--csv")
    assert result.exit_code == 1, result.output
    visit = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["item"] == "visit")
    assert visit["visit_id"] == "'=V1" and visit["input_rows"] == "visits =V1 changed"


def _carb_two_runs(tmp_path) -> tuple[Path, str, str]:
    """V1 controlled 10:30 -> 23:00 on 3 October (late, then off until the window closes at
    17:00 on the 4th: 2 violation days); a later session from 23:00 on leaves 1. V3 compliant."""
    from berthcheck import store
    from tests.helpers_store import put_tables, visit

    db = tmp_path / "carb.duckdb"
    con = store.connect(db)
    try:
        put_tables(con, {
            "visits": [visit("V1"), visit("V3")],
            "shore-power": [
                {"visit_id": "V1", "session_id": "S1", "connected": "2026-10-03 10:30",
                 "disconnected": "2026-10-03 23:00"},
                {"visit_id": "V3", "session_id": "S3", "connected": "2026-10-03 10:00",
                 "disconnected": "2026-10-04 17:00"}],
            **_T1_REGULATED_WITH_SHORE_POWER,
        })
    finally:
        con.close()

    run_a = _check_october(db)
    con = store.connect(db)
    try:
        put_tables(con, {"shore-power": [
            {"visit_id": "V1", "session_id": "S2", "connected": "2026-10-03T23:00:00-07:00",
             "disconnected": "2026-10-04T17:00:00-07:00"}]})
    finally:
        con.close()
    return db, run_a, _check_october(db)


def test_diff_names_changed_violation_days(built, tmp_path):
    db, run_a, run_b = built("carb-two-runs", _carb_two_runs, tmp_path)
    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    assert "violation_days 2 -> 1" in result.output
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    (entry,) = data["visits_changed"]
    assert entry["visit_id"] == "V1" and "violation_days" in entry["changed"]
    assert (entry["before"]["violation_days"], entry["after"]["violation_days"]) == (2, 1)


def test_diff_with_a_run_stored_before_violation_days_reports_no_change_of_them(built,
                                                                                  tmp_path):
    """A run stored before results held violation days has none (migration 10 left them
    empty): compared with a newer run, its empty column is not a difference of any visit."""
    import duckdb

    db, run_a, run_b = built("carb-two-runs", _carb_two_runs, tmp_path)
    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE run_results SET violation_days = NULL WHERE run_id = ?", [run_a])
    finally:
        con.close()
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    (entry,) = data["visits_changed"]  # V3 (0 violation days now, none recorded then) is not
    assert entry["visit_id"] == "V1" and "violation_days" not in entry["changed"]
    assert entry["changed"] == ["controlled_hours", "uncontrolled_hours"]
    assert data["visits_unchanged"] == 1
    same = _cli("audit", "diff", run_a, run_a, "--db", db)
    assert same.exit_code == 0, same.output


def _without_and_with_notes(folder: Path) -> tuple[Path, str, str]:
    """A bulk carrier (not applicable, which the note rule AB01 explains with --notes) checked
    for October with `check` and with `check --notes`: the store and the two run ids."""
    from berthcheck import store
    from tests.helpers_store import put_tables, visit

    db = folder / "carb.duckdb"
    con = store.connect(db)
    try:
        put_tables(con, {"visits": [visit("V1", vessel_type="bulk")]})
    finally:
        con.close()
    runs = []
    for extra in ([], ["--notes"]):
        result = _cli("check", "--db", db, "--period", "2026-10", "--json", "--quiet", *extra)
        assert result.exit_code == 0, result.output
        runs.append(json.loads(result.stdout)["run_id"])
    return db, *runs


def test_runs_that_differ_only_by_notes_differ(built, tmp_path):
    """`check` and `check --notes` of the same inputs are two runs (two ids, and the second
    holds the note rule's findings): diff says so and exits 1, as for any other difference."""
    import csv
    import io

    db, run_a, run_b = built("notes", _without_and_with_notes, tmp_path)
    assert run_a != run_b

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    assert "check --notes off -> on" in result.output
    assert "0 visits changed, 1 unchanged" in result.output
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    assert data["differs"] is True and data["notes_changed"] is True
    assert data["visits_changed"] == [] and data["inputs_changed"] == {}
    rows = list(csv.DictReader(io.StringIO(
        _cli("audit", "diff", run_a, run_b, "--db", db, "--csv").output)))
    # and the note rule's finding, in run B only
    assert [(r["item"], r["detail"][:24]) for r in rows] == [
        ("manifest", "check --notes off -> on:"), ("finding", "V1: AB01 only in run B (")]
    back = _cli("audit", "diff", run_b, run_a, "--db", db, "--json")
    assert back.exit_code == 1 and json.loads(back.output)["notes_changed"] is True


CARB_VISITS = (
    "visit_id,imo,vessel_name,vessel_type,fleet,port,terminal,berth,arrival,ready_to_work,"
    "pilot_on_board,departure,shore_power_capable\n"
    "V5,9321483,A,container,{fleet},USLAX,TRAPAC,B136,2026-05-03 06:00,2026-05-03 08:00,"
    "2026-05-04 18:00,2026-05-04 19:00,yes\n")
V6 = ("V6,9321483,A,container,F1,USLAX,TRAPAC,B136,2026-06-03 06:00,2026-06-03 08:00,"
      "2026-06-04 18:00,2026-06-04 19:00,yes\n")


def test_a_visit_moved_by_another_visits_correction_names_that_row(tmp_path):
    """Fleet F1 has one VIE for 2026: V5 (May) uses it, V6's (June) second claim is not
    honoured. V5's fleet corrected to F2 frees it for V6, whose own rows did not change: the
    diff said only "other rows did (visits)"; it now names the row, as the inputs list it."""
    db = tmp_path / "bc.duckdb"
    files = {
        "visits": CARB_VISITS.format(fleet="F1") + V6,
        "events": "event_id,visit_id,kind,reference\nE5,V5,vie,VIE-1\nE6,V6,vie,VIE-2\n",
        "allowances": "year,holder_kind,holder,granted\n2026,fleet,F1,1\n",
    }
    for kind, text in files.items():
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
        assert _cli("load", "--db", db, kind, tmp_path / f"{kind}.csv").exit_code == 0

    def checked() -> str:
        result = _cli("check", "--db", db, "--period", "2026", "--json", "--quiet")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["run_id"]

    run_a = checked()
    (tmp_path / "fix.csv").write_text(CARB_VISITS.format(fleet="F2"), encoding="utf-8")
    assert _cli("load", "--db", db, "visits", tmp_path / "fix.csv", "--replace").exit_code == 0
    run_b = checked()
    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    assert "V6: verdict non_compliant -> compliant" in result.output
    assert ("no row of this visit changed; other rows did (visits 'V5' changed), which can "
            "change allowance counts") in result.output


def test_diff_says_which_run_was_made_with_a_custom_pack(built, tmp_path):
    """A run of a pack under review (`check --pack FOLDER`, one parameter changed) beside a
    run of the built-in pack: both carry the same id and version, and `audit diff` headed them
    alike (`run B ...: fueleu-art6@1.2.8`), where `runs list`, `runs show` and `audit verify`
    say "custom pack FOLDER". The auditor read a changed pack.toml of the shipped pack. The
    header and `--json` name the custom pack's folder (`custom_pack`, null for a pack shipped
    with berthcheck), as `runs list --csv` does."""
    import shutil

    from berthcheck.resources import rules_dir

    db, run_a = built("loaded", _loaded, tmp_path)
    folder = tmp_path / "review"
    shutil.copytree(rules_dir() / "fueleu-art6", folder)
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    made = _cli("check", "--db", db, "--pack", folder, "--period", "2030-06", "--json", "--quiet")
    assert made.exit_code == 0, made.output
    run_b = json.loads(made.stdout)["run_id"]

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    head_a, head_b = result.output.splitlines()[:2]
    assert "custom pack" not in head_a
    assert head_b.startswith(f"run B {run_b}: fueleu-art6@")
    assert f"(custom pack {folder}), period 2030-06" in head_b

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    assert data["run_a"]["custom_pack"] is None
    assert data["run_b"]["custom_pack"] == str(folder)


def test_diff_of_runs_of_two_different_packs_does_not_list_their_files_as_removed(built,
                                                                                    tmp_path):
    """The same visits checked with carb-at-berth-2020 and with fueleu-art6: `audit diff` said
    `file AB01.sql removed (sha256 ... in run A)` for each of one pack's files, `added` for
    each of the other's and `parameter ...: 2.0 -> absent` for each parameter (289 lines for the
    sample month, no file was removed from anything). Two packs are not two states of one pack:
    the diff says they are different packs, once, and compares the visits."""
    db, run_a = built("loaded", _loaded, tmp_path)
    made = _cli("check", "--db", db, "--pack", "carb-at-berth-2020", "--period", "2030-06",
                "--json", "--quiet")
    assert made.exit_code == 0, made.output
    run_b = json.loads(made.stdout)["run_id"]

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    head = lines.index("pack: changed")
    assert lines[head + 1].startswith("  pack fueleu-art6@") and lines[head + 1].endswith(
        ": different packs, whose files and parameters are not compared one by one")
    assert lines[head + 2] == "inputs: unchanged"
    assert " removed (sha256" not in result.output and "absent" not in result.output
    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    assert data["pack_changed"] is True and len(data["pack_changes"]) == 1


def test_diff_names_findings_gained_lost_and_those_only_renumbered(built, tmp_path,
                                                                    monkeypatch):
    """`audit diff` compared the visits' results only: runs of two versions of a pack, whose
    every finding has a new id (the id carries the pack's version), read "0 visits changed"
    beside findings files that had no id in common, and a finding gained or lost with no
    result changing (a note, an info finding) was not named at all. The diff counts each
    run's findings, counts those of the same visit, rule and message under another id, and
    names each finding in one run only (text, `--json` `findings_changed`, `--csv` item
    `finding`)."""
    import csv
    import io
    import shutil

    from berthcheck.resources import rules_dir

    # a bulk carrier: not applicable, which the note rule AB01 explains (with --notes)
    db, plain, noted = built("notes", _without_and_with_notes, tmp_path)

    def run(*extra) -> str:
        result = _cli("check", "--db", db, "--period", "2026-10", "--json", "--quiet", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["run_id"]

    result = _cli("audit", "diff", plain, noted, "--db", db)
    lines = result.output.splitlines()
    head = lines.index("findings: 0 in run A, 1 in run B")
    assert lines[head + 1].startswith("  V1: AB01 only in run B (finding ")
    data = json.loads(_cli("audit", "diff", plain, noted, "--db", db, "--json").output)
    changed = data["findings_changed"]
    assert (changed["a"], changed["b"], changed["other_ids"]) == (0, 1, 0)
    assert [(f["visit_id"], f["rule_id"]) for f in changed["only_in_b"]] == [("V1", "AB01")]
    assert changed["only_in_a"] == []
    rows = list(csv.DictReader(io.StringIO(
        _cli("audit", "diff", plain, noted, "--db", db, "--csv").output)))
    assert [(r["item"], r["visit_id"]) for r in rows] == [("manifest", ""), ("finding", "V1")]

    # the same inputs under the next version of the pack: the note's id changes, nothing else
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    toml = rules / "carb-at-berth-2020" / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    version = text.split('version = "', 1)[1].split('"', 1)[0]
    toml.write_text(text.replace(f'version = "{version}"', 'version = "9.9.9"', 1),
                    encoding="utf-8")
    monkeypatch.setenv("BERTHCHECK_RULES_DIR", str(rules))
    later = run("--notes")
    result = _cli("audit", "diff", noted, later, "--db", db)
    assert result.exit_code == 1, result.output
    assert ("findings: 1 in run A, 1 in run B; 1 of the same visit, rule and message under "
            "another id (a finding's id carries the pack's version)") in result.output.splitlines()
    assert "only in run" not in result.output

    same = _cli("audit", "diff", plain, plain, "--db", db)
    assert "findings: unchanged (0)" in same.output.splitlines()
    assert json.loads(_cli("audit", "diff", plain, plain, "--db", db, "--json").output)[
        "findings_changed"] == {"a": 0, "b": 0, "other_ids": 0, "only_in_a": [], "only_in_b": [],
                                "changed": []}


def test_diff_names_a_finding_of_the_same_id_whose_message_changed(built, tmp_path):
    """A finding's id is made from its rule, the pack's version, its visit and its evidence:
    a pack under review whose rule says the same thing in other words (FE05's message
    reworded, the version kept) gives each finding its old id with a new message. `audit
    diff` compared the findings by id only and said `findings: unchanged (1)` beside the pack
    line naming FE05.sql, though the message the finding carries differs between the runs.
    It names the finding, its visit and rule, and the message in run A and in run B (text,
    `--json` `findings_changed.changed`, `--csv` item `finding`)."""
    import csv
    import io
    import shutil

    from berthcheck.resources import rules_dir

    db, run_a = built("loaded", _loaded, tmp_path)
    folder = tmp_path / "review"
    shutil.copytree(rules_dir() / "fueleu-art6", folder)
    sql = folder / "FE05.sql"
    sql.write_text(sql.read_text(encoding="utf-8").replace("'no OPS use: '", "'no OPS used: '", 1),
                   encoding="utf-8")
    made = _cli("check", "--db", db, "--pack", folder, "--period", "2030-06", "--json", "--quiet")
    assert made.exit_code == 0, made.output
    run_b = json.loads(made.stdout)["run_id"]

    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "findings: unchanged (1)" not in lines
    head = lines.index("findings: 1 in run A, 1 in run B; 1 of the same id differs in message, "
                       "severity or minutes")
    line = lines[head + 1]
    assert line.startswith("  V1: FE05 differs between the runs (finding "), line
    assert "): message no OPS use: 24.50 h at berth" in line
    assert " -> no OPS used: 24.50 h at berth" in line

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    changed = data["findings_changed"]
    assert changed["only_in_a"] == [] and changed["only_in_b"] == []
    [finding] = changed["changed"]
    assert (finding["visit_id"], finding["rule_id"]) == ("V1", "FE05")
    assert list(finding["fields"]) == ["message"]
    was, now = finding["fields"]["message"]
    assert was.startswith("no OPS use: ") and now.startswith("no OPS used: ")
    rows = list(csv.DictReader(io.StringIO(
        _cli("audit", "diff", run_a, run_b, "--db", db, "--csv").output)))
    assert [r["detail"] for r in rows if r["item"] == "finding"] == [line.strip()]


def _energy_corrected(tmp_path) -> tuple[Path, str, str]:
    """V3 compliant on shore power (S3, 5000 kWh metered); the terminal's corrected meter
    reading (6000 kWh) loaded with --replace changes no verdict, basis, hours or party."""
    from berthcheck import store
    from tests.helpers_store import put_tables, visit

    db = tmp_path / "carb.duckdb"
    con = store.connect(db)
    try:
        put_tables(con, {
            "visits": [visit("V3")],
            "shore-power": [
                {"visit_id": "V3", "session_id": "S3", "connected": "2026-10-03 10:00",
                 "disconnected": "2026-10-04 17:00", "energy_kwh": 5000.0}],
            **_T1_REGULATED_WITH_SHORE_POWER,
        })
    finally:
        con.close()

    run_a = _check_october(db)
    fix = tmp_path / "fix.csv"
    fix.write_text("session_id,visit_id,connected,disconnected,energy_kwh\n"
                   "S3,V3,2026-10-03 10:00,2026-10-04 17:00,6000\n", encoding="utf-8")
    loaded = _cli("load", "--db", db, "shore-power", fix, "--replace", "--quiet")
    assert loaded.exit_code == 0, loaded.output
    return db, run_a, _check_october(db)


def test_diff_names_a_visits_changed_rows_that_changed_none_of_its_compared_fields(tmp_path):
    """A corrected meter reading changes the visit's energy (results, exports, indicators)
    but not its verdict or hours: the diff said only `shore_power (1 row changed)` and
    `0 visits changed`, naming neither the row nor the visit; it now names both."""
    import csv
    import io

    db, run_a, run_b = _energy_corrected(tmp_path)
    result = _cli("audit", "diff", run_a, run_b, "--db", db)
    assert result.exit_code == 1, result.output
    assert "0 visits changed, 1 unchanged" in result.output
    assert ("1 visit whose own rows changed, but not its verdict, basis, hours, responsible "
            "party, penalty or violation days:") in result.output
    assert "  V3\n      shore_power 'S3' changed: energy_kwh 5000" in result.output
    assert "(was " in result.output.split("shore_power 'S3' changed")[1]

    data = json.loads(_cli("audit", "diff", run_a, run_b, "--db", db, "--json").output)
    assert data["visits_changed"] == [] and data["visits_unchanged"] == 1
    (entry,) = data["visits_rows_changed"]
    assert entry["visit_id"] == "V3"
    (row,) = entry["rows"]
    assert row["table"] == "shore_power" and row["key"] == "S3"
    assert list(row["columns"]) == ["energy_kwh"]

    rows = list(csv.DictReader(io.StringIO(
        _cli("audit", "diff", run_a, run_b, "--db", db, "--csv").stdout)))
    (line,) = [r for r in rows if r["item"] == "visit_rows"]
    assert line["visit_id"] == "V3" and line["input_rows"] == "shore_power S3 changed"
    assert line["cause"] == "input" and line["changed"] == ""
