"""Scopes that cannot silently be empty, runs you can get back, and JSON for scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
FLEET = "Han Ocean Container Fleet"


@pytest.fixture(scope="module")
def db(sample_month_checked, tmp_path_factory) -> Path:
    """The sample month loaded (`load-dir` of the same folder gives the same rows and run ids:
    tests/test_readme_walkthrough.py) and checked, its run stored: a copy of conftest's
    `sample_month_checked`, the run `runs list` and `runs show` read."""
    return copy_store(sample_month_checked[0], tmp_path_factory.mktemp("runs") / "bc.duckdb")


def _run(db: Path, *args: str):
    return runner.invoke(app, [*args, "--db", str(db)])


def _check_json(db: Path, *args: str) -> dict:
    result = _run(db, "check", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- scope ---------------------------------------------------------------------------------


def test_scope_values_match_ignoring_case_and_spaces(db):
    exact = _check_json(db, "--period", "2026-10", "--fleet", FLEET)
    loose = _check_json(db, "--period", "2026-10", "--fleet", "  han ocean CONTAINER   fleet ")
    assert loose["run_id"] == exact["run_id"] and exact["visits"] > 0
    assert loose["scope"]["fleet"] == FLEET  # stored as the data spells it
    assert _check_json(db, "--period", "2026-10", "--terminal", "trapac")["scope"]["terminal"] == "TRAPAC"


@pytest.mark.parametrize(
    ("option", "value", "closest"),
    [("--fleet", "Han Ocen", "'Han Ocean Container Fleet'"),
     ("--terminal", "TRAPAK", "'TRAPAC'"),
     ("--port", "USLXA", "'USLAX'")],
)
@pytest.mark.parametrize("command", ["check", "report"])
def test_unknown_scope_value_is_a_usage_error_naming_the_closest(db, tmp_path, command, option,
                                                                  value, closest):
    args = ["--period", "2026-10", option, value]
    if command == "report":
        args += ["--out", str(tmp_path / "r.html")]
    result = _run(db, command, *args)
    assert result.exit_code == 2, result.output
    assert "matches no loaded visit" in result.stderr and closest in result.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("option", ["--port", "--terminal", "--fleet", "--period"])
@pytest.mark.parametrize("command", ["check", "report"])
def test_an_empty_scope_value_is_a_usage_error_not_the_whole_store(db, tmp_path, command,
                                                                   option):
    """`--fleet "$FLEET"` with the variable unset must not check (or report on) every loaded
    visit under the name of a scope."""
    args = [option, ""] if option == "--period" else ["--period", "2026-10", option, ""]
    if command == "report":
        args += ["--out", str(tmp_path / "r.html")]
    result = _run(db, command, *args)
    assert result.exit_code == 2, result.output
    assert f"{option} is empty" in result.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["check", "report"])
def test_check_and_report_share_the_combination_rule(db, tmp_path, command):
    args = ["--period", "2026-10", "--port", "USLAX", "--fleet", FLEET]
    if command == "report":
        args += ["--out", str(tmp_path / "r.html")]
    result = _run(db, command, *args)
    assert result.exit_code == 2
    assert "at most one of --port, --terminal and --fleet" in result.stderr


def test_empty_scope_warns_and_fails_under_strict(db):
    plain = _run(db, "check", "--period", "2031-01")
    assert plain.exit_code == 0 and "warning: no visit in scope" in plain.stderr
    strict = _run(db, "check", "--period", "2031-01", "--strict")
    assert strict.exit_code == 1 and "the scope holds no visit" in strict.stderr
    # --json carries the warning too: a script reads the JSON, not standard error
    summary = _check_json(db, "--period", "2031-01")
    assert "no visit in scope (period 2031-01)" in summary["warnings"]


# --- runs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def month_run_id(sample_month_checked) -> str:
    """The id of the month's run stored in the module's store (`db`): `check --period 2026-10`,
    made once per worker (conftest's `sample_month_checked`)."""
    return sample_month_checked[1].run_id


def test_runs_list_table_and_json(db, month_run_id):
    table = _run(db, "runs", "list")
    assert table.exit_code == 0
    header = table.stdout.splitlines()[0].split()
    assert header[:5] == ["run", "created", "(UTC)", "pack", "period"]
    assert "scope" in header and "non-compl." in header
    runs = json.loads(_run(db, "runs", "list", "--json").stdout)
    month = next(r for r in runs if r["period"] == "2026-10" and r["scope_text"] == "all")
    assert month["pack"] == "carb-at-berth-2020" and month["visits"] == 200
    assert sum(month["counts"].values()) == 200
    assert f"carb-at-berth-2020@{month['pack_version']}" in table.stdout


def test_runs_list_csv_is_the_json_flat(db, month_run_id):
    """`runs list --csv`: a header, then one line per run with the facts `--json` gives (the
    scope and verdict counts spread into columns), in the same order; with --json exit 2."""
    import csv
    import io

    from berthcheck.cli_runs import RUNS_CSV_COLUMNS, VERDICTS
    from berthcheck.engine.output_columns import VERDICTS as ENGINE_VERDICTS

    assert VERDICTS == ENGINE_VERDICTS  # spelt out in the CLI module to keep --help light

    result = _run(db, "runs", "list", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == ",".join(RUNS_CSV_COLUMNS)
    runs = json.loads(_run(db, "runs", "list", "--json").stdout)
    assert [r["run_id"] for r in rows] == [r["run_id"] for r in runs]
    row = next(r for r in rows if r["run_id"] == month_run_id)
    data = next(r for r in runs if r["run_id"] == month_run_id)
    assert row["created_at"] == data["created_at"] and row["period"] == "2026-10"
    assert row["pack"] == "carb-at-berth-2020" and row["pack_version"] == data["pack_version"]
    assert row["custom_pack"] == "false" and row["pack_path"] == ""
    assert row["scope"] == "all" and row["port"] == row["fleet"] == ""
    assert row["start"] == data["scope"]["start"] and row["end"] == data["scope"]["end"]
    assert int(row["visits"]) == 200 and int(row["findings"]) == data["findings"]
    assert {v: int(row[v]) for v in data["counts"]} == data["counts"]
    assert int(row["max_batch_id"]) == data["max_batch_id"]
    both = _run(db, "runs", "list", "--csv", "--json")
    assert both.exit_code == 2 and "--json or --csv" in both.stderr and not both.stdout


def test_runs_show_and_unknown_run(db, month_run_id):
    run_id = month_run_id
    shown = _run(db, "runs", "show", run_id)
    assert shown.exit_code == 0 and run_id in shown.stdout and "non_compliant" in shown.stdout
    data = json.loads(_run(db, "runs", "show", run_id, "--json").stdout)
    assert data["inputs"]["visits"]["rows"] == 202
    # every input table the run read, as its manifest lists them: the built-in ports too
    manifest = json.loads(_run(db, "audit", "manifest", run_id).stdout)
    assert data["inputs"] == manifest["inputs"] and "ports_builtin" in data["inputs"]
    assert any(line.split()[:1] == ["ports_builtin"] for line in shown.stdout.splitlines())
    missing = _run(db, "runs", "show", "feedfacefeedface")
    assert missing.exit_code == 2 and "no run 'feedfacefeedface'" in missing.stderr



def test_runs_list_and_show_print_a_run_s_time_alike(db, month_run_id):
    """The same run's creation time reads the same in `runs list` and `runs show` (UTC, to
    the second), so an auditor can match the two by eye; --json keeps the full instant."""
    run_id = month_run_id
    line = next(x for x in _run(db, "runs", "list").stdout.splitlines() if x.startswith(run_id))
    when = " ".join(line.split()[1:3])
    shown = _run(db, "runs", "show", run_id).stdout
    created = next(x for x in shown.splitlines() if x.startswith("created (UTC)"))
    assert created.split(None, 2)[2].strip() == when, (created, when)
    full = json.loads(_run(db, "runs", "show", run_id, "--json").stdout)["created_at"]
    assert full.endswith("+00:00") and full[:19].replace("T", " ") == when


def test_runs_show_says_a_run_was_made_with_a_custom_pack(own_db, tmp_path):
    """`runs show` (text and --json) says what `runs list` says of a run made with a pack
    folder: custom, and where from. --json said `"custom_pack": false`."""
    from berthcheck.resources import rules_dir

    folder = tmp_path / "review" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"  # edited: a copy byte for byte the same is the shipped pack
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    run_id = _check_json(own_db, "--period", "2026-10", "--pack", str(folder))["run_id"]
    listed = next(r for r in json.loads(_run(own_db, "runs", "list", "--json").stdout)
                  if r["run_id"] == run_id)
    assert listed["custom_pack"] is True and listed["pack_path"] == str(folder)
    shown = json.loads(_run(own_db, "runs", "show", run_id, "--json").stdout)
    assert (shown["custom_pack"], shown["pack_path"]) == (True, str(folder))
    text = _run(own_db, "runs", "show", run_id).stdout
    pack_line = next(x for x in text.splitlines() if x.startswith("pack "))
    assert f"custom pack {folder}" in pack_line, pack_line

@pytest.fixture()
def own_db(db, tmp_path) -> Path:
    """A copy of the module's database that a test may change."""
    copy = tmp_path / "own.duckdb"
    shutil.copy(db, copy)
    return copy


def test_runs_list_csv_leaves_damaged_counts_empty_never_zero(own_db, month_run_id):
    """A run record whose counts and scope were edited outside berthcheck into something that
    is not a JSON object: `--csv` lists it with empty cells (as the table's `?`), not zeros."""
    import csv
    import io

    import duckdb

    con = duckdb.connect(str(own_db))
    try:
        con.execute("UPDATE runs SET counts = '{bad', scope = '[]' WHERE run_id = ?",
                    [month_run_id])
    finally:
        con.close()
    result = _run(own_db, "runs", "list", "--csv")
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout))
               if r["run_id"] == month_run_id)
    assert row["compliant"] == row["non_compliant"] == row["exempt"] == ""
    assert row["scope"].startswith("damaged") and row["port"] == row["start"] == ""
    assert row["visits"] == "200"


EXPORTS = (".csv", ".json", ".parquet", ".xlsx")


@pytest.fixture(scope="module")
def checked_then_changed(db, tmp_path_factory) -> dict:
    """A copy of the module's store checked once per export format (`check --out`, each into
    a folder of its own), then one input changed (a visit's vessel type, `load --replace`) and
    the month checked again: the runs each format's test exports afterwards. One change and
    one re-check serve the four formats."""
    folder = tmp_path_factory.mktemp("exports")
    own = folder / "own.duckdb"
    shutil.copy(db, own)
    firsts = {}
    for ext in EXPORTS:
        out = folder / ext.lstrip(".") / f"then{ext}"
        out.parent.mkdir()
        firsts[ext] = (_check_json(own, "--period", "2026-10", "--out", str(out))["run_id"], out)
    visits = (SAMPLE / "visits.csv").read_text(encoding="utf-8").splitlines()
    edited = visits[1].replace(",container,", ",bulk,", 1)
    assert edited != visits[1]
    changed = folder / "fix" / "visits.csv"
    changed.parent.mkdir()
    changed.write_text("\n".join([visits[0], edited]) + "\n", encoding="utf-8")
    assert _run(own, "load", "visits", str(changed), "--replace").exit_code == 0
    now = _check_json(own, "--period", "2026-10")["run_id"]
    return {"db": own, "firsts": firsts, "now": now}


@pytest.mark.parametrize("ext", EXPORTS)
def test_runs_export_is_byte_identical_even_after_inputs_changed(checked_then_changed, tmp_path,
                                                                 ext):
    first, out = checked_then_changed["firsts"][ext]
    assert checked_then_changed["now"] != first  # the inputs did change the run
    # an XLSX is one workbook (Results and Findings sheets); other formats write findings beside
    one_file = ext == ".xlsx"
    then = out.read_bytes(), None if one_file else (out.parent / f"findings{ext}").read_bytes()

    (tmp_path / "again").mkdir()
    again = tmp_path / "again" / f"now{ext}"
    exported = _run(checked_then_changed["db"], "runs", "export", first, "--out", str(again))
    assert exported.exit_code == 0, exported.output
    assert again.read_bytes() == then[0]
    if one_file:
        assert not (tmp_path / "again" / f"findings{ext}").exists()
    else:
        assert (tmp_path / "again" / f"findings{ext}").read_bytes() == then[1]


def test_report_of_a_stored_run_after_inputs_changed(own_db, tmp_path):
    first = _check_json(own_db, "--period", "2026-10", "--fleet", FLEET)
    assert _run(own_db, "load", "events", str(SAMPLE / "events.csv")).exit_code == 0
    extra = tmp_path / "visits.csv"
    lines = (SAMPLE / "visits.csv").read_text(encoding="utf-8").splitlines()
    extra.write_text("\n".join([lines[0], lines[1].replace("LAX-2610-00001", "LAX-2610-99999")
                                .replace("2026-09-29", "2026-10-05").replace("2026-09-30", "2026-10-06")
                                .replace("2026-10-01", "2026-10-07")]) + "\n", encoding="utf-8")
    assert _run(own_db, "load", "visits", str(extra)).exit_code == 0
    out = tmp_path / "r.html"
    result = _run(own_db, "report", "--run", first["run_id"], "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"stored run {first['run_id']}" in result.stdout
    assert f"{first['visits']} visits" in result.stdout
    assert first["run_id"] in out.read_text(encoding="utf-8")
    clash = _run(own_db, "report", "--run", first["run_id"], "--period", "2026-10",
                 "--out", str(out))
    assert clash.exit_code == 2


def test_audit_diff_names_a_scope_difference_first_and_exits_1(db, month_run_id):
    a = month_run_id  # stored in `db`
    b = _check_json(db, "--period", "2026-Q4")["run_id"]
    result = _run(db, "audit", "diff", a, b)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[2] == "scope: different; the runs do not cover the same visits"
    assert lines[3].strip() == "period 2026-10 -> 2026-Q4"
    data = json.loads(_run(db, "audit", "diff", a, b, "--json").stdout)
    assert data["differs"] and data["scope_changes"] == ["period 2026-10 -> 2026-Q4"]
    same = _run(db, "audit", "diff", a, a)
    assert same.exit_code == 0, same.output


# --- JSON for scripts ----------------------------------------------------------------------


def test_json_outputs_parse(db):
    summary = _check_json(db, "--period", "2026-10")
    assert summary["counts"]["non_compliant"] + summary["counts"]["compliant"] == summary["regulated_visits"]
    assert summary["worst"] and {"visit_id", "uncontrolled_minutes", "responsible"} <= set(summary["worst"][0])
    rules = json.loads(runner.invoke(app, ["rules", "list", "--json"]).stdout)
    assert rules["pack"] == "carb-at-berth-2020" and rules["rules"]
    assert any(not p["confirmed"] for p in rules["parameters"].values())
    manifest = _run(db, "audit", "manifest", summary["run_id"], "--json")
    assert json.loads(manifest.stdout)["run_id"] == summary["run_id"]


def test_a_byte_for_byte_copy_of_a_shipped_pack_does_not_relabel_its_run(own_db, month_run_id,
                                                                         tmp_path):
    """`check --pack COPY` of a shipped pack's unchanged copy is the shipped pack's run (the
    same files, the same run id): it stays recorded and listed as the shipped pack, not
    relabelled "custom pack COPY" by whichever of the two ran last; verify and a report of it
    find the shipped pack."""
    from berthcheck.resources import rules_dir

    shipped = month_run_id  # the shipped pack's run, stored in `own_db` before the copy's
    folder = tmp_path / "copy-of-rules" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    (folder / ".git").mkdir()  # kept in git: not part of the pack
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    manifest = tmp_path / "manifest.json"
    copy = _check_json(own_db, "--period", "2026-10", "--pack", str(folder),
                       "--manifest", str(manifest))["run_id"]
    assert copy == shipped
    recorded = json.loads(manifest.read_text(encoding="utf-8"))["pack"]
    assert "custom" not in recorded and "path" not in recorded
    listed = [r for r in json.loads(_run(own_db, "runs", "list", "--json").stdout)
              if r["run_id"] == shipped]
    assert [(r["custom_pack"], r["pack_path"]) for r in listed] == [(False, None)]
    assert "custom" not in _run(own_db, "runs", "show", shipped).stdout
    assert _run(own_db, "audit", "verify", shipped).exit_code == 0


def test_a_run_made_with_notes_says_so_in_runs_list_and_show(sample_month_checked, tmp_path):
    """Two runs of one pack, period and scope, 125 and 145 findings: before, nothing in `runs
    list` or `runs show` (text, --json or --csv) said the second was made with `check --notes`
    (its manifest's `"notes": true`); only `audit manifest` did."""
    import csv
    import io

    path, outcome = sample_month_checked
    own_db = copy_store(path, tmp_path / "bc.duckdb")
    with_notes = _check_json(own_db, "--period", "2026-10", "--notes")["run_id"]
    runs = {r["run_id"]: r for r in json.loads(_run(own_db, "runs", "list", "--json").stdout)}
    assert runs[with_notes]["notes"] is True and runs[outcome.run_id]["notes"] is False
    rows = {r["run_id"]: r for r in csv.DictReader(io.StringIO(
        _run(own_db, "runs", "list", "--csv").stdout))}
    assert (rows[with_notes]["notes"], rows[outcome.run_id]["notes"]) == ("true", "false")
    listed = {line.split()[0]: line for line in _run(own_db, "runs", "list").stdout.splitlines()}
    assert "(notes)" in listed[with_notes] and "(notes)" not in listed[outcome.run_id]
    shown = _run(own_db, "runs", "show", with_notes).stdout
    assert "check --notes: the pack's note rules ran as findings" in shown
    assert "check --notes" not in _run(own_db, "runs", "show", outcome.run_id).stdout
    data = json.loads(_run(own_db, "runs", "show", with_notes, "--json").stdout)
    assert data["notes"] is True
    assert f"findings sha256  {data['findings_sha256']}" in shown
