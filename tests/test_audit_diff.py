"""`audit diff` names every visit whose result an auditor acts on changed: the penalty owed and
the party answerable as well as the verdict, basis and hours."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from berthcheck.cli import app

runner = CliRunner()
HEADER = ("visit_id,imo,vessel_name,vessel_type,operator,port,terminal,berth,arrival,departure,"
          "gross_tonnage,aux_power_kw\n")
# a container call at Rotterdam in June 2030 with no OPS use: 24.5 h non-compliant
CALL = ("V1,9321483,Vessel V1,container,Line A,NLRTM,T1,B1,2030-06-03T06:00:00+02:00,"
        "2030-06-04T06:30:00+02:00,70000,{aux}\n")


def _cli(*args):
    return runner.invoke(app, [*map(str, args)], catch_exceptions=False)


def _check(db: Path) -> str:
    result = _cli("check", "--db", db, "--pack", "fueleu-art6", "--period", "2030-06", "--json",
                  "--quiet")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["run_id"]


def test_diff_names_a_penalty_that_a_corrected_input_changed(tmp_path):
    db = tmp_path / "bc.duckdb"
    first = tmp_path / "visits.csv"
    first.write_text(HEADER + CALL.format(aux=""), encoding="utf-8")
    assert _cli("load", "--db", db, "visits", first).exit_code == 0
    run_a = _check(db)  # no power demand (no teu, no aux_power_kw): the penalty stays empty
    fix = tmp_path / "fix.csv"
    fix.write_text(HEADER + CALL.format(aux="1000"), encoding="utf-8")
    assert _cli("load", "--db", db, "visits", fix, "--replace").exit_code == 0
    run_b = _check(db)  # the same verdict and hours; EUR 1.5 x 1000 kW x 25 h = 37 500

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


def test_diff_of_a_run_with_itself_changes_nothing(tmp_path):
    db = tmp_path / "bc.duckdb"
    visits = tmp_path / "visits.csv"
    visits.write_text(HEADER + CALL.format(aux="1000"), encoding="utf-8")
    assert _cli("load", "--db", db, "visits", visits).exit_code == 0
    run = _check(db)
    result = _cli("audit", "diff", run, run, "--db", db)
    assert result.exit_code == 0, result.output
    assert "0 visits changed, 1 unchanged" in result.output
