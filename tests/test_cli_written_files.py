"""Every command that writes files and has `--json` names them alike: `written_files`, one
`{"path", "sha256"}` per file in the order written (docs/contract.md 3, "Output options").
Before, `check --json`'s `written` held `"FILE.xlsx (sheets Results and Findings)"` (a line for
people, not a path), `runs export` gave `files` as a list and `sha256` as a map, the exports
`files` as a map: a script needed three readings. Those keys stay as they were."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()


@pytest.fixture()
def checked(sample_month_checked, tmp_path):
    path, outcome = sample_month_checked
    return copy_store(path, tmp_path / "bc.duckdb"), outcome.run_id


def _json(*args) -> dict:
    result = runner.invoke(app, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _records(*paths: Path) -> list[dict]:
    return [{"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
            for p in paths]


def test_check_names_a_workbook_by_its_path(checked, tmp_path):
    db, _ = checked
    out = tmp_path / "october.xlsx"
    data = _json("check", "--db", db, "--period", "2026-10", "--out", out, "--json")
    assert data["written"] == [f"{out} (sheets Results and Findings)"]  # kept as it was
    assert data["written_files"] == _records(out)


def test_check_names_results_findings_and_manifest(checked, tmp_path):
    db, _ = checked
    out, manifest = tmp_path / "r.csv", tmp_path / "m.json"
    data = _json("check", "--db", db, "--period", "2026-10", "--out", out,
                 "--manifest", manifest, "--json")
    assert data["written_files"] == _records(out, tmp_path / "findings.csv", manifest)


def test_check_without_out_writes_no_file(checked):
    db, _ = checked
    assert _json("check", "--db", db, "--period", "2026-10", "--json")["written_files"] == []


def test_runs_export_names_its_files_alike(checked, tmp_path):
    db, run_id = checked
    out = tmp_path / "run.xlsx"
    data = _json("runs", "export", run_id, "--db", db, "--out", out, "--json")
    assert data["files"] == [str(out)]  # kept as it was
    assert data["written_files"] == _records(out)


def test_an_export_names_its_files_alike(checked, tmp_path):
    db, _ = checked
    out = tmp_path / "vessel.csv"
    data = _json("export", "carb-visit-report", "--party", "vessel", "--period", "2026-10",
                 "--db", db, "--out", out, "--json")
    assert data["written_files"] == _records(*(Path(p) for p in data["files"]))
    assert [r["path"] for r in data["written_files"]][0] == str(out)


@pytest.mark.parametrize("command", ["load", "load-dir"])
def test_load_names_its_errors_file_alike(tmp_path, command):
    from .conftest import good_visit, write_csv

    folder = tmp_path / "in"
    folder.mkdir()
    source = write_csv(folder / "visits.csv", [good_visit(), good_visit(visit_id="V2",
                                                                       imo="IMO 1")])
    errors = tmp_path / "errors.csv"
    args = ["load", "visits", source] if command == "load" else ["load-dir", folder]
    data = _json(*args, "--quarantine", "--errors", errors, "--db", tmp_path / "db.duckdb",
                 "--json")
    assert data["written_files"] == _records(errors)
