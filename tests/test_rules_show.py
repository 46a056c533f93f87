"""`rules show RULE_ID` as the README writes it (no `--pack`): a rule of another shipped pack
is not "unknown" but named with the pack that has it and the command that shows it."""

from __future__ import annotations

from typer.testing import CliRunner

from berthcheck.cli import app

runner = CliRunner()


def test_a_rule_of_another_pack_names_that_pack():
    r = runner.invoke(app, ["rules", "show", "FE05"])
    assert r.exit_code == 2
    assert "unknown rule 'FE05' in pack carb-at-berth-2020" in r.stderr
    assert "FE05 is a rule of pack fueleu-art6: `berthcheck rules show FE05 --pack fueleu-art6`" in (
        r.stderr)
    shown = runner.invoke(app, ["rules", "show", "FE05", "--pack", "fueleu-art6"])
    assert shown.exit_code == 0 and "-- id: FE05" in shown.stdout


def test_a_rule_of_no_pack_says_only_unknown():
    r = runner.invoke(app, ["rules", "show", "ZZ99"])
    assert r.exit_code == 2
    assert "unknown rule 'ZZ99' in pack carb-at-berth-2020" in r.stderr
    assert "is a rule of pack" not in r.stderr
