"""`load --json` gives what the text's unread-columns line says: each unread header that looks
like a column the file lacks, with that column (README, `load`)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from berthcheck.cli import app

from .conftest import good_visit, write_csv

runner = CliRunner()


def test_load_json_gives_the_columns_an_unread_header_may_mean(tmp_path):
    # the text says `'Redy to work' (ready_to_work?)`; --json gave the header alone
    row = good_visit()
    row["Redy to work"] = row.pop("ready_to_work")
    source = write_csv(tmp_path / "visits.csv", [row])
    result = runner.invoke(app, ["load", "visits", str(source), "--db",
                                 str(tmp_path / "db.duckdb"), "--json"])
    assert result.exit_code == 0, result.output
    assert "'Redy to work' (ready_to_work?)" not in result.stdout  # the JSON alone
    data = json.loads(result.stdout)
    [loaded] = data["files"]
    assert loaded["unread_columns"] == ["Redy to work"]
    assert loaded["unread_meant"] == {"Redy to work": "ready_to_work"}
