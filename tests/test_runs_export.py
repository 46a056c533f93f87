"""`runs export` as a script uses it: `--out -` is the results and nothing else on standard
output, `--mkdir` makes the folder its own error message asks for, and `--json` says what was
written with each file's sha256."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import copy_store

runner = CliRunner()


@pytest.fixture()
def checked(sample_month_checked, tmp_path):
    """A private copy of the checked sample month's store (conftest) and its run id."""
    path, outcome = sample_month_checked
    return copy_store(path, tmp_path / "bc.duckdb"), outcome.run_id


def _export(db, run_id, *args):
    return runner.invoke(app, ["runs", "export", run_id, "--db", str(db), *map(str, args)])


def test_out_dash_writes_the_results_and_nothing_else_to_standard_output(checked, tmp_path):
    """Before: a line `wrote ` (naming nothing) ended the CSV on standard output."""
    db, run_id = checked
    assert _export(db, run_id, "--out", tmp_path / "r.csv").exit_code == 0
    streamed = _export(db, run_id, "--out", "-")
    assert streamed.exit_code == 0, streamed.output
    assert streamed.stdout_bytes == (tmp_path / "r.csv").read_bytes()
    assert "wrote" not in streamed.stdout


def test_mkdir_makes_the_folder_the_error_asks_for(checked, tmp_path):
    """Before: `folder ... does not exist (create it, or give --mkdir)` and `--mkdir` was `No
    such option`."""
    db, run_id = checked
    out = tmp_path / "new" / "deeper" / "results.csv"
    refused = _export(db, run_id, "--out", out)
    assert refused.exit_code == 2 and "give --mkdir" in refused.stderr, refused.output
    made = _export(db, run_id, "--out", out, "--mkdir")
    assert made.exit_code == 0, made.output
    assert out.exists() and (out.parent / "findings.csv").exists()


def test_json_names_the_run_and_each_file_with_its_sha256(checked, tmp_path):
    db, run_id = checked
    out = tmp_path / "results.parquet"
    result = _export(db, run_id, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # the JSON alone on standard output; warnings on stderr
    assert sorted(data) == ["files", "findings", "pack", "pack_version", "run_id", "sha256",
                            "visits", "warnings", "written_files"]
    assert data["run_id"] == run_id and data["pack"] == "carb-at-berth-2020"
    assert data["files"] == [str(out), str(tmp_path / "findings.parquet")]
    for name in data["files"]:
        with open(name, "rb") as fh:
            assert data["sha256"][name] == hashlib.sha256(fh.read()).hexdigest()
    assert data["visits"] == 200 and data["findings"] > 0
    assert all(f"warning: {w}" in result.stderr for w in data["warnings"])


def test_json_with_out_dash_goes_to_standard_error(checked):
    """As `check --out - --json`: standard output is the results CSV alone."""
    db, run_id = checked
    result = _export(db, run_id, "--out", "-", "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("visit_id,")
    summary = result.stderr[result.stderr.index("{"):]
    assert json.loads(summary)["files"] == []


def test_json_of_a_workbook_names_the_one_file(checked, tmp_path):
    """`--out FILE.xlsx` writes one workbook (Results and Findings sheets): one file, its path
    as given (the `wrote` line's `(sheets Results and Findings)` is not part of it)."""
    db, run_id = checked
    out = tmp_path / "run.xlsx"
    result = _export(db, run_id, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["files"] == [str(out)]
    assert data["sha256"][str(out)] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_out_dash_to_a_reader_that_stops_half_way_ends_141(checked):
    # `berthcheck runs export RUN --out - | head -1`: the reader takes the first bytes and goes
    # away while the results (150 KB, more than a pipe holds) are being written. The buffered
    # write took what the pipe held and said so only by its count: the command exited 0, its
    # results cut short, where the README's exit codes give 141
    import os
    import subprocess
    import sys

    from berthcheck.cli_guard import EXIT_PIPE_CLOSED

    db, run_id = checked
    env = {k: v for k, v in os.environ.items() if k != "BERTHCHECK_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "berthcheck", "runs", "export", run_id, "--db", str(db),
         "--out", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1) == b"v"  # visit_id,...
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_PIPE_CLOSED, stderr
    assert "error" not in stderr and "Traceback" not in stderr
