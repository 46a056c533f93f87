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


def test_rules_list_csv_lists_rules_parameters_and_tables_as_the_json_does():
    """`rules list --csv`: one line per rule, parameter and parameter table (`item`), with the
    facts `--json` gives them; text that a spreadsheet would run is written with a `'`."""
    import csv
    import io
    import json

    from berthcheck.cli_rules import RULES_CSV_COLUMNS

    result = runner.invoke(app, ["rules", "list", "--pack", "fueleu-art6", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ",".join(RULES_CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    data = json.loads(runner.invoke(app, ["rules", "list", "--pack", "fueleu-art6",
                                          "--json"]).stdout)
    assert {r["pack"] for r in rows} == {"fueleu-art6"}
    assert {r["version"] for r in rows} == {data["version"]}
    rules = [r for r in rows if r["item"] == "rule"]
    assert [r["id"] for r in rules] == [r["id"] for r in data["rules"]]
    for row, rule in zip(rules, data["rules"], strict=True):
        assert (row["name"], row["title"], row["severity"], row["section"]) == (
            rule["name"], rule["title"], rule["severity"], rule["section"])
    params = {r["name"]: r for r in rows if r["item"] == "parameter"}
    assert list(params) == list(data["parameters"])
    for name, p in data["parameters"].items():
        assert params[name]["confirmed"] == ("true" if p["confirmed"] else "false")
        assert params[name]["citation"] == (p["citation"] or "")
    tables = {r["name"]: r for r in rows if r["item"] == "table"}
    assert {n: int(t["rows"]) for n, t in tables.items()} == {
        n: t["rows"] for n, t in data["tables"].items()}
    assert [r["item"] for r in rows] == (["rule"] * len(rules) + ["parameter"] * len(params)
                                         + ["table"] * len(tables))
    both = runner.invoke(app, ["rules", "list", "--json", "--csv"])
    assert both.exit_code == 2 and "--json or --csv" in both.stderr and not both.stdout


def test_rules_list_csv_cells_are_formula_safe(tmp_path):
    import csv
    import io
    import shutil

    from berthcheck.resources import rules_dir

    pack = tmp_path / "my-pack"
    shutil.copytree(rules_dir() / "fueleu-art6", pack)
    rule = pack / "FE01.sql"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("-- title: ", "-- title: =HYPERLINK(1) ", 1), encoding="utf-8")
    result = runner.invoke(app, ["rules", "list", "--pack", str(pack), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    fe01 = next(r for r in rows if r["id"] == "FE01")
    assert fe01["title"].startswith("'=HYPERLINK(1) Call not covered")
    assert all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r.values())


def test_rules_show_says_which_pack_and_version_the_rule_is_of():
    """An auditor reading a rule reads which pack version it is (a run's manifest names the
    pack by id@version and hash): before, `rules show` printed the file alone."""
    shown = runner.invoke(app, ["rules", "show", "AB06"])
    assert shown.exit_code == 0, shown.output
    first, second, third = shown.output.splitlines()[:3]
    assert first.startswith("-- pack: carb-at-berth-2020@") and first.endswith("file AB06.sql")
    # AB06 selects from a stage's table: where its arithmetic is, said
    assert second == "-- reads: bc_uncontrolled_segment (stages/70_outcome.sql)"
    assert third == "-- id: AB06"


def test_rules_show_json_gives_the_rule_its_pack_and_its_files_sha256(sample_month_checked):
    import json

    shown = runner.invoke(app, ["rules", "show", "control.late_connection", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert sorted(data) == ["file", "file_sha256", "folder", "hash", "label", "pack",
                            "parameters", "reads", "rule", "source", "text", "version"]
    assert data["reads"] == [{"table": "bc_uncontrolled_segment",
                              "stage": "stages/70_outcome.sql"}]
    assert data["rule"]["id"] == "AB06" and data["rule"]["section"].startswith("17 CCR")
    assert data["rule"]["compliant"] and data["rule"]["non_compliant"]
    assert data["text"].startswith("-- id: AB06") and "SELECT" in data["text"]
    # the sha256 a run's manifest records of the file: what an auditor compares
    manifest = sample_month_checked[1].manifest["pack"]
    assert (data["pack"], data["version"], data["hash"]) == (manifest["id"], manifest["version"],
                                                             manifest["hash"])
    assert data["file_sha256"] == manifest["files"]["AB06.sql"]


def test_rules_show_json_lists_the_parameters_the_rule_binds():
    import json

    data = json.loads(runner.invoke(app, ["rules", "show", "FE03", "--pack", "fueleu-art6",
                                          "--json"]).stdout)
    assert data["parameters"]  # FE03 binds $short_stay_hours
    for name, parameter in data["parameters"].items():
        assert f"${name}" in data["text"] and "citation" in parameter


def test_rules_show_factors_json_is_a_usage_error_naming_where_they_are():
    shown = runner.invoke(app, ["rules", "show", "factors", "--json"])
    assert shown.exit_code == 2 and shown.stdout == ""
    assert "rules list --json" in shown.stderr
