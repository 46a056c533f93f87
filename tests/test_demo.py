"""`berthcheck demo`: a fresh database in its folder every time, but never at the cost of a
store the demo did not make (`demo --out .` beside a port's own ./berthcheck.duckdb)."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

runner = CliRunner()

# one worker runs this file with test_cn_shore_power: both read conftest's `shanghai_demo`,
# which it then makes once (tests/scheduling.py)
WORK_UNIT = "shanghai-demo"


def _batches(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM load_batches").fetchone()[0]
    finally:
        con.close()


def test_demo_keeps_a_store_it_did_not_make(tmp_path):
    own = tmp_path / "port-data"
    own.mkdir()
    db = tmp_path / "berthcheck.duckdb"
    loaded = runner.invoke(app, ["load", "visits", str(write_csv(own / "visits.csv",
                                                                 [good_visit()])),
                                 "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["demo", "--pack", "cn-shore-power", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert str(db) in result.stderr and "--out" in result.stderr
    assert _batches(db) == 1  # the port's load is still there
    assert not (tmp_path / "results.csv").exists()


def test_demo_keeps_a_file_that_is_no_database(tmp_path):
    (tmp_path / "berthcheck.duckdb").write_text("not a database\n", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--pack", "cn-shore-power", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert (tmp_path / "berthcheck.duckdb").read_text(encoding="utf-8") == "not a database\n"


def test_demo_starts_afresh_over_its_own_database(shanghai_demo, tmp_path):
    # the first demo (cn-shore-power, its folder's parent made by --mkdir) is conftest's
    # `shanghai_demo`, read by test_cn_shore_power too: a copy of its folder here
    first = shanghai_demo["result"]
    assert first.exit_code == 0, first.output
    out = tmp_path / "runs" / "demo"
    shutil.copytree(shanghai_demo["out"], out)
    assert _batches(out / "berthcheck.duckdb") > 4  # Shanghai's files
    # another pack's demo in the same folder (with --json: what it made, as plain data)
    result = runner.invoke(app, ["demo", "--pack", "fueleu-art6", "--out", str(out), "--mkdir",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert _batches(out / "berthcheck.duckdb") == 4  # Rotterdam's four files only
    _says_what_it_made_in_json(result.stdout, out)


def _says_what_it_made_in_json(stdout: str, out) -> None:
    """Before: `demo` had no --json (the contract's table said to run `check --json` on its
    database), so a script scraped its text for the run id and counts. `demo --json` prints
    only JSON: the database, the files loaded, the run (as `check --json` names it) and
    `written_files`, each with its sha256 (berthcheck/written_files.py)."""
    made = json.loads(stdout)
    db = out / "berthcheck.duckdb"
    assert made["database"] == str(db)
    assert [(f["kind"], f["file"]) for f in made["loaded"]] == [
        ("berths", "berths.csv"), ("visits", "visits.csv"), ("shore-power", "shore_power.csv"),
        ("events", "events.csv")]
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = con.execute("SELECT run_id, pack_id, pack_version FROM runs").fetchall()
    finally:
        con.close()
    assert run == [(made["run_id"], "fueleu-art6", made["pack_version"])]
    assert made["pack"] == "fueleu-art6" and made["scope"]["period"] == "2030-06"
    assert made["visits"] == sum(made["counts"].values()) > 0
    assert made["written_files"] == [
        {"path": str(out / name), "sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()}
        for name in ("report.pdf", "results.csv", "findings.csv")]


def test_demo_into_a_missing_parent_folder_needs_mkdir(tmp_path):
    """`demo --out DIR` makes DIR, as `sample` does; a missing parent folder is a typo until
    --mkdir says otherwise (it made the whole tree before), and an unknown pack makes none."""
    out = tmp_path / "typo" / "demo"
    refused = runner.invoke(app, ["demo", "--out", str(out)])
    assert refused.exit_code == 2, refused.output
    assert str(tmp_path / "typo") in refused.stderr and "--mkdir" in refused.stderr
    bad = runner.invoke(app, ["demo", "--out", str(out), "--pack", "no-such-pack", "--mkdir"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert not (tmp_path / "typo").exists()


def _no_pdf(*args, **kwargs):  # Pango missing, a full disk: the PDF cannot be made
    from berthcheck.errors import BerthcheckError

    raise BerthcheckError("cannot write the report: No space left on device")


def _interrupted(*args, **kwargs):
    raise KeyboardInterrupt


def test_a_demo_that_fails_part_way_leaves_no_half_made_demo(shanghai_demo, tmp_path,
                                                             monkeypatch):
    """Before: the demo loaded and checked the month into a fresh database and then failed (its
    PDF, Ctrl-C): the half-made database stayed, beside the earlier demo's results and report
    that no longer matched any database, and `check`/`report` read it as the sample month."""
    import berthcheck.report

    out = tmp_path / "demo"
    shutil.copytree(shanghai_demo["out"], out)  # an earlier demo's folder
    monkeypatch.setattr(berthcheck.report, "build_report", _no_pdf)
    failed = runner.invoke(app, ["demo", "--pack", "fueleu-art6", "--out", str(out)])
    assert failed.exit_code == 1, failed.output
    assert "No space left on device" in failed.stderr and "Traceback" not in failed.output
    # neither the half-made database nor the earlier demo's outputs, which described its own
    assert sorted(p.name for p in out.iterdir()) == []
    # a folder the failed demo made is not left behind empty; Ctrl-C is exit 130, as ever
    monkeypatch.setattr(berthcheck.report, "build_report", _interrupted)
    fresh = tmp_path / "fresh" / "demo"
    stopped = runner.invoke(app, ["demo", "--pack", "fueleu-art6", "--out", str(fresh),
                                  "--mkdir"])
    assert stopped.exit_code == 130, stopped.output
    assert not fresh.exists()


def test_a_failed_demo_keeps_files_it_did_not_write(tmp_path, monkeypatch):
    import berthcheck.report

    (tmp_path / "results.csv").write_text("mine\n", encoding="utf-8")
    monkeypatch.setattr(berthcheck.report, "build_report", _no_pdf)
    failed = runner.invoke(app, ["demo", "--pack", "fueleu-art6", "--out", str(tmp_path)])
    assert failed.exit_code == 1, failed.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    assert (tmp_path / "results.csv").read_text(encoding="utf-8") == "mine\n"
