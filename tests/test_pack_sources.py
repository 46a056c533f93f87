"""Issue 20: packs from anywhere (`--pack` id or path, $BERTHCHECK_PACKS adds, the older
$BERTHCHECK_RULES_DIR replaces), a pack's files never leave its folder, and pack.toml problems
are messages with file and line before anything is checked."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from berthcheck.engine.pack import available_packs, load_pack
from berthcheck.engine.pack_fixtures import load_cases
from berthcheck.engine.pack_spec import PackFileError
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.resources import builtin_rules_dir

PACKS = Path(__file__).resolve().parent / "packs"
INCENTIVE = PACKS / "berth-incentive"


def _cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def _copy(tmp_path: Path, source: Path = INCENTIVE) -> Path:
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    return folder


def test_packs_folder_adds_to_the_built_in_ones(monkeypatch):
    monkeypatch.setenv("BERTHCHECK_PACKS", str(PACKS))
    assert {"berth-incentive", "carb-at-berth-2020", "fueleu-art6"} <= set(available_packs())
    result = _cli("rules", "list", "--pack", "berth-incentive", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["source"], data["folder"]) == ("$BERTHCHECK_PACKS", str(INCENTIVE))
    assert [c["name"] for c in data["result_columns"]] == ["incentive_credit"]
    assert {b["name"] for b in data["bases"]} == {"credit_earned", "no_credit"}
    listed = _cli("rules", "list", "--pack", "berth-incentive").output
    assert any("carb-at-berth-2020" in x and "built-in" in x for x in listed.splitlines())


def test_an_id_found_twice_is_an_error_naming_both_folders(tmp_path, monkeypatch):
    shutil.copytree(builtin_rules_dir() / "fueleu-art6", tmp_path / "fueleu-art6")
    monkeypatch.setenv("BERTHCHECK_PACKS", str(tmp_path))
    result = _cli("rules", "list", "--pack", "fueleu-art6")
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "fueleu-art6") in result.output
    assert str(builtin_rules_dir() / "fueleu-art6") in result.output
    # the other packs are still found by id; the list shows both copies, marked
    listed = _cli("rules", "list", "--pack", "cn-shore-power")
    assert listed.exit_code == 0, listed.output
    assert sum("fueleu-art6" in x and "id found twice" in x for x in listed.output.splitlines()) == 2


def test_a_packs_folder_that_is_not_a_folder_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BERTHCHECK_PACKS", str(tmp_path / "nowhere"))
    result = _cli("rules", "list")
    assert result.exit_code == 2
    assert "nowhere" in result.output and "not a folder" in result.output


def test_the_old_rules_dir_replaces_the_built_in_folder(tmp_path, monkeypatch):
    shutil.copytree(builtin_rules_dir() / "fueleu-art6", tmp_path / "fueleu-art6")
    monkeypatch.setenv("BERTHCHECK_RULES_DIR", str(tmp_path))
    assert available_packs() == ["fueleu-art6"]
    data = json.loads(_cli("rules", "list", "--pack", "fueleu-art6", "--json").stdout)
    assert data["source"] == "$BERTHCHECK_RULES_DIR"
    assert not load_pack("fueleu-art6").custom  # byte for byte the shipped pack: that pack
    _edit(tmp_path / "fueleu-art6", "[pack]", "# under review\n[pack]")
    assert load_pack("fueleu-art6").custom  # edited: a pack of its own


@pytest.mark.parametrize("ref", ["carb..at-berth", "CARB-AT-BERTH-2020", "carb at berth"])
def test_an_id_that_is_not_an_id_is_refused(ref):
    with pytest.raises(UsageError, match="is not valid"):
        load_pack(ref)


def test_a_path_is_loaded_as_a_custom_pack(tmp_path):
    folder = _copy(tmp_path)
    pack = load_pack(str(folder))
    assert (pack.id, pack.custom, pack.path) == ("berth-incentive", True, folder)
    assert load_pack(os.path.relpath(INCENTIVE)).id == "berth-incentive"


def test_a_path_without_a_pack_is_a_usage_error(tmp_path):
    result = _cli("rules", "list", "--pack", tmp_path)
    assert result.exit_code == 2
    assert f"--pack {tmp_path}: no pack.toml in folder {tmp_path}" in result.output


def test_rules_test_names_its_pack_argument_not_an_option(tmp_path):
    # `rules test` takes the pack as its argument PACK: a message telling the user to mend a
    # `--pack` they never gave (and that `rules test` does not take) misleads
    result = _cli("rules", "test", tmp_path)
    assert result.exit_code == 2
    assert f"PACK {tmp_path}: no pack.toml in folder {tmp_path}" in result.output
    assert "--pack" not in result.output


def _edit(folder: Path, old: str, new: str, name: str = "pack.toml") -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('stages = ["stages/10_credit.sql"]', 'stages = ["/etc/passwd"]', "no absolute path"),
    ('assemble = "assemble.sql"', 'assemble = "../assemble.sql"', "no absolute path, no '..'"),
    ('rules = ["BI01"]', 'rules = ["../BI01"]', "is not a rule id"),
    ('type = "DOUBLE"\nunit = "USD"', 'type = "MONEY"\nunit = "USD"', "unknown type 'MONEY'"),
    ('name = "no_credit"', 'name = "short_visit"', "already a basis of the contract"),
    ('columns = ["incentive_credit"]', 'columns = ["credit"]', "which no [[result_columns]]"),
    ('name = "incentive_credit"', 'name = "stay_hours"', "already a column of every pack"),
    ('value = 6.0', 'value = 06:00:00', "unknown type"),
    ('[parameters.credit_per_hour]', '[parameters._bc_version]', "starts with '_bc_'"),
    ('citation = "Example tariff item 12(b)"', 'note2 = "x"', "citation must be a non-empty"),
    ('version = "1.0.0"', 'version = "1.0"', "is not MAJOR.MINOR.PATCH"),
    ('id = "berth-incentive"', 'id = "Berth_Incentive"', "is not lower-case letters"),
    ('verdicts = ["compliant"]', 'verdicts = ["insufficient_data"]', "verdicts must be a list"),
])
def test_a_broken_pack_toml_is_one_message_with_file_and_line(tmp_path, old, new, message):
    folder = _copy(tmp_path)
    _edit(folder, old, new)
    with pytest.raises(PackFileError, match="pack.toml") as caught:
        load_pack(str(folder))
    assert message in str(caught.value)
    result = _cli("rules", "list", "--pack", folder)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_a_message_about_pack_toml_gives_the_line(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, 'name = "no_credit"', 'name = "short_visit"')
    text = (folder / "pack.toml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text, 1) if 'name = "short_visit"' in x)
    with pytest.raises(PackFileError, match=rf"pack.toml, line {line}:"):
        load_pack(str(folder))


def test_a_symbolic_link_out_of_the_pack_is_refused(tmp_path):
    folder = _copy(tmp_path)
    outside = tmp_path / "outside.sql"
    outside.write_text((folder / "stages" / "10_credit.sql").read_text(encoding="utf-8"))
    (folder / "stages" / "10_credit.sql").unlink()
    (folder / "stages" / "10_credit.sql").symlink_to(outside)
    with pytest.raises(PackFileError, match="leads outside the pack folder"):
        load_pack(str(folder))


@pytest.mark.parametrize("statement", [
    "INSERT INTO visits SELECT * FROM visits;",
    "create temporary table Shore_Power as select 1;",
    'DELETE FROM "berths";',
    "DROP VIEW IF EXISTS scope_visits;",
])
def test_a_stage_that_writes_what_the_pack_reads_is_refused_with_its_line(tmp_path, statement):
    folder = _copy(tmp_path)
    stage = folder / "stages" / "10_credit.sql"
    lines = stage.read_text(encoding="utf-8").count("\n")
    stage.write_text(stage.read_text(encoding="utf-8") + statement + "\n", encoding="utf-8")
    with pytest.raises(PackFileError, match=rf"10_credit.sql, line {lines + 1}: .* may not write"):
        load_pack(str(folder))


def test_an_undeclared_parameter_names_the_file(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "$credit_per_hour, 2)", "$credit_rate, 2)", "stages/10_credit.sql")
    with pytest.raises(PackFileError, match=r"10_credit.sql: uses parameters \['credit_rate'\]"):
        load_pack(str(folder))


def test_a_rule_file_that_is_not_a_query_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "SELECT\n    visit_id,", "DELETE FROM visits; SELECT\n    visit_id,", "BI01.sql")
    with pytest.raises(PackFileError, match="BI01.sql: rule BI01 must be one SELECT"):
        load_pack(str(folder))


def test_the_built_in_packs_fixtures_are_found_by_rules_test():
    for pack_id, prefix in (("carb-at-berth-2020", "AB"), ("fueleu-art6", "FE")):
        cases = load_cases(load_pack(pack_id))
        assert {c.rule[:2] for c in cases} == {prefix}
        assert {c.rule for c in cases} == {r.id for r in load_pack(pack_id).rules}


def test_rules_test_fails_a_pack_without_cases(tmp_path):
    folder = _copy(tmp_path)
    shutil.rmtree(folder / "tests")
    result = _cli("rules", "test", folder)
    assert result.exit_code == 1
    assert "has no fixture cases" in result.output


def test_a_fixture_at_a_port_it_loads_takes_local_times(tmp_path):
    """docs/packs.md section 8: `load:` loads "a port that is not built in, say", and a time
    without an offset is local time at the visit's port: the fixture's rows were stored with
    the built-in ports' zones only, so every case at a loaded port failed "without a known port
    zone" (the default visit's times are local); local times there are in the loaded zone.
    An expected instant other than the window's was compared as text and never matched."""
    folder = _copy(tmp_path)
    fixture = folder / "tests" / "BI01.yml"
    fixture.write_text(fixture.read_text(encoding="utf-8") + """
  - name: at_a_port_loaded_for_the_case
    load:
      ports: "port,name,timezone\\nJPXYZ,Port of Example,Asia/Tokyo\\n"
    tables:
      visits: [{visit_id: V1, port: JPXYZ}]
      shore-power:
        - {session_id: S1, visit_id: V1, connected: "2026-10-03 06:00",
           disconnected: "2026-10-03 16:00"}
    expect:
      V1: {verdict: compliant, basis: credit_earned, shore_power_hours: 10.0,
           arrival: "2026-10-03 06:00", departure: "2026-10-04T10:00:00Z",
           incentive_credit: 250.0}
    findings: [{visit_id: V1, minutes: 600}]
""", encoding="utf-8")
    result = _cli("rules", "test", folder, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["failed"] == 0


def test_narrower_integers_and_all_null_columns_are_widened(tmp_path):
    """docs/packs.md 6: an INTEGER or an untyped NULL column is widened to the contract's type."""
    from tests.test_berth_incentive_pack import _incentive_check

    folder = _copy(tmp_path)
    _edit(folder, "CAST(NULL AS DOUBLE) AS penalty", "NULL AS penalty", "assemble.sql")
    _edit(folder, "CAST(NULL AS BIGINT) AS violation_days", "CAST(NULL AS INTEGER) AS violation_days",
          "assemble.sql")
    results = _incentive_check(folder, tmp_path)
    assert str(results.schema["penalty"]) == "Float64"
    assert str(results.schema["violation_days"]) == "Int64"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("CAST(NULL AS TIMESTAMPTZ) AS window_start", "CAST(arrival AS TIMESTAMP) AS window_start",
     "column window_start is TIMESTAMP (without time zone), the pack contract says TIMESTAMPTZ"),
    ("credit AS incentive_credit", "CAST(NULL AS DOUBLE) AS incentive_credit",
     "column incentive_credit"),  # declared nullable = false
    ("CAST(NULL AS DOUBLE) AS excused_hours", "0 AS excused_hours",
     "column excused_hours is INTEGER, the pack contract says DOUBLE"),
])
def test_a_wrong_type_or_null_is_one_message(tmp_path, old, new, message):
    from tests.test_berth_incentive_pack import _incentive_check

    folder = _copy(tmp_path)
    _edit(folder, old, new, "assemble.sql")
    with pytest.raises(PackFileError, match="assemble.sql") as caught:
        _incentive_check(folder, tmp_path)
    assert message in str(caught.value)
    assert "custom pack berth-incentive@1.0.0" in str(caught.value)


def test_rules_show_takes_a_path():
    result = _cli("rules", "show", "BI01", "--pack", INCENTIVE)
    assert result.exit_code == 0, result.output
    assert "-- id: BI01" in result.output


@pytest.mark.parametrize("name", ["pack.toml", "stages/10_credit.sql", "BI01.sql", "assemble.sql"])
def test_a_pack_file_that_is_not_utf8_is_one_message_with_file_and_line(tmp_path, name):
    folder = _copy(tmp_path)
    path = folder / name
    lines = path.read_text(encoding="utf-8").count("\n")
    path.write_bytes(path.read_bytes() + "-- café\n".encode("cp1252"))
    result = _cli("rules", "list", "--pack", folder)
    assert result.exit_code == 2, result.output
    assert f"{name}, line {lines + 1}: not UTF-8 text (byte 0xe9" in result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


def test_a_fixture_file_that_is_not_utf8_names_it(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "tests" / "BI01.yml"
    path.write_bytes(path.read_bytes() + "# café\n".encode("cp1252"))
    result = _cli("rules", "test", folder)
    assert result.exit_code == 2, result.output
    assert "BI01.yml, line" in result.output and "not UTF-8 text" in result.output


def test_a_pack_toml_with_a_byte_order_mark_is_read(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "pack.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_pack(str(folder)).id == "berth-incentive"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('stages = ["stages/10_credit.sql"]', 'judge = "scope_visits"\nstages = ["stages/10_credit.sql"]',
     "[pack]: unknown key 'judge' (did you mean judges?)"),
    ('value = 6.0\nunit = "hours"', 'value = 6.0\nunits = "hours"',
     "parameter min_hours_on_shore_power: unknown key 'units' (did you mean unit?)"),
    ("[parameters.credit_per_hour]", "[parameter.credit_per_hour]",
     "unknown table 'parameter' (did you mean parameters?)"),
    ("[report]", "[reports]", "unknown table 'reports' (did you mean report?)"),
    ('verdicts = ["compliant"]', 'verdicts = ["compliant"]\nverdict = "compliant"',
     "[[bases]] credit_earned: unknown key 'verdict'"),
])
def test_an_unknown_key_in_pack_toml_is_refused_not_ignored(tmp_path, old, new, message):
    """A misspelt key used to be dropped without a word: `judge` left the pack judging every
    visit, `[reports]` left it without its chapter, `units` without its unit."""
    folder = _copy(tmp_path)
    _edit(folder, old, new)
    unknown = next(x for x in new.splitlines() if x not in old.splitlines())
    lines = (folder / "pack.toml").read_text(encoding="utf-8").splitlines()
    line = lines.index(unknown) + 1
    result = _cli("rules", "list", "--pack", folder)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert f"pack.toml, line {line}:" in result.output


def test_an_unknown_key_in_a_pack_table_is_refused(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "[[result_columns]]", '[tables.rates]\ncolumns = ["k"]\nrows = [["a"]]\n'
          'citation = "x"\ndesc = "y"\n\n[[result_columns]]')
    with pytest.raises(PackFileError, match="table rates: unknown key 'desc'"):
        load_pack(str(folder))


@pytest.mark.parametrize(("table", "message"), [
    ('columns = ["port", "port"]\nrows = [["A", "B"]]', "table rates: columns must be a non-empty "
     "list of distinct names (port twice)"),
    ('columns = ["port", 3]\nrows = [["A", "B"]]', "table rates: column 3 is not an identifier"),
    ('columns = ["port", "rate"]\nrows = [["A", 1.0], [2, 1.5]]',
     "table rates, column port: values of different types (int, str)"),
    ('columns = ["port", "rate"]\nrows = [["A", 1.0], ["B", 2026-10-01T00:00:00Z]]',
     "table rates row 2, column rate: datetime"),
    ('columns = ["port", "rate"]\nrows = [["A", [1.0]]]',
     "table rates row 1, column rate: [1.0] is not a boolean, integer, float, text or date"),
    ('columns = ["port", "rate"]\nrows = [["A", 1.0], ["B"]]',
     "table rates row 2 ['B'] does not match columns ['port', 'rate']"),
])
def test_a_parameter_table_with_bad_columns_or_rows_is_refused_when_loaded(tmp_path, table,
                                                                           message):
    """These were accepted and then failed inside the check as 'unexpected DuplicateError /
    TypeError / ComputeError ... a bug' (exit 1), or silently became a text column."""
    folder = _copy(tmp_path)
    _edit(folder, "[[result_columns]]",
          f'[tables.rates]\n{table}\ncitation = "x"\n\n[[result_columns]]')
    line = (folder / "pack.toml").read_text(encoding="utf-8").splitlines().index(
        "[tables.rates]") + 1
    result = _cli("rules", "list", "--pack", folder)
    assert result.exit_code == 2, result.output
    assert f"pack.toml, line {line}: {message}" in " ".join(result.output.split())


def test_integers_among_floats_in_a_parameter_table_are_floats(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "[[result_columns]]", '[tables.rates]\ncolumns = ["rate"]\nrows = [[1], [2.5]]\n'
          'citation = "x"\n\n[[result_columns]]')
    rows = load_pack(str(folder)).tables["rates"].rows
    assert [type(v) for (v,) in rows] == [float, float]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("round(sp_seconds / 60, 4) AS minutes", "CAST(round(sp_seconds / 60) AS VARCHAR) AS minutes",
     "BI01.sql (rule BI01): column minutes is VARCHAR, the pack contract says DOUBLE"),
    ("round(sp_seconds / 60, 4) AS minutes", "round(sp_seconds / 60, 4) AS minutes, 1 AS credit2",
     "BI01.sql (rule BI01) returns column credit2 the pack contract does not have"),
    ("round(sp_seconds / 60, 4) AS minutes", "0.5 AS minutes",
     "BI01.sql (rule BI01): column minutes is DECIMAL(2,1), the pack contract says DOUBLE"),
    ("' hours on shore power' AS message", "' hours on shore power' || NULL AS message",
     "BI01.sql (rule BI01): column message is NULL on 1 row(s)"),
])
def test_a_rule_returning_wrong_columns_is_one_message_naming_the_rule(tmp_path, old, new,
                                                                       message):
    """A text `minutes`, an extra column and a DECIMAL were read through the engine's CASTs
    without a word; a NULL message was blamed on assemble.sql."""
    from tests.test_berth_incentive_pack import _incentive_check

    folder = _copy(tmp_path)
    _edit(folder, old, new, "BI01.sql")
    with pytest.raises(PackFileError) as caught:
        _incentive_check(folder, tmp_path)
    assert message in str(caught.value)


@pytest.mark.parametrize(("name", "old", "new", "where"), [
    ("BI01.sql", "FROM bi_visit\nWHERE earns", "FROM bi_visit\nWHERE WHERE earns", "WHERE WHERE"),
    ("assemble.sql", "END AS verdict,\n", "END AS verdict,,\n", "verdict,,"),
    ("stages/10_credit.sql", "    FROM clipped\n", "    FRM clipped\n", "FRM clipped"),
])
def test_a_sql_syntax_error_names_the_line_and_column_of_the_file(tmp_path, name, old, new,
                                                                  where):
    from tests.test_berth_incentive_pack import _incentive_check

    folder = _copy(tmp_path)
    _edit(folder, old, new, name)
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(lines, 1) if where in x)
    with pytest.raises(BerthcheckError) as caught:
        _incentive_check(folder, tmp_path)
    assert f"{name} failed at line {line}, column " in str(caught.value), str(caught.value)
    assert "Parser Error" in str(caught.value)


def test_a_rule_of_two_statements_is_refused_when_loaded(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "FROM bi_visit\nWHERE earns", "FROM bi_visit;\nSELECT 1 WHERE earns", "BI01.sql")
    with pytest.raises(PackFileError, match="BI01.sql: rule BI01 must be one SELECT"):
        load_pack(str(folder))


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    expect:\n      V1: {verdict: not_applicable, basis: no_credit",
     "    expects:\n      V1: {verdict: compliant, basis: no_credit",
     "case 'five_hours_earn_nothing': unknown key 'expects'"),
    ("      visits: [{visit_id: V1}]\n      shore-power:",
     "      visits: [{visit_id: V1, shore_power_capble: false}]\n      shore-power:",
     "case 'five_hours_earn_nothing': tables.visits row 1: unknown column 'shore_power_capble'"),
    ('connected: "2026-10-03 08:00",\n           disconnected: "2026-10-03 13:00"',
     'connected: "2026-10-03 8h00",\n           disconnected: "2026-10-03 13:00"',
     "tables.shore-power row 1, column connected: '2026-10-03 8h00' is not an ISO time"),
    ("      shore-power:\n        - {session_id: S1, visit_id: V1, connected: \"2026-10-03 08:00\",\n"
     "           disconnected: \"2026-10-03 13:00\"}",
     "      shore_power:\n        - {session_id: S1, visit_id: V1, connected: \"2026-10-03 08:00\",\n"
     "           disconnected: \"2026-10-03 13:00\"}",
     "tables: unknown kind 'shore_power'"),
    ("findings: [{visit_id: V1, minutes: 2220}]", "findings: V1", "findings must be a list"),
    ("      visits: [{visit_id: V1}]\n    expect:\n      V1: {verdict: compliant, basis: credit_earned,"
     " incentive_credit: 925.0",
     "      visits: [{vessel_name: X}]\n    expect:\n      V1: {verdict: compliant, basis: "
     "credit_earned, incentive_credit: 925.0", "tables.visits row 1: a visit row needs a visit_id"),
])
def test_a_malformed_fixture_case_is_one_message_not_a_passing_case(tmp_path, old, new, message):
    """A misspelt `expect` made a case that could not fail; a misspelt column, kind or a bad
    time was 'unexpected KeyError / ValueError ... a bug' (exit 1)."""
    folder = _copy(tmp_path)
    _edit(folder, old, new, "tests/BI01.yml")
    result = _cli("rules", "test", folder)
    assert result.exit_code == 2, result.output
    assert "BI01.yml: " in result.output and message in result.output
    assert "unexpected" not in result.output


def test_a_fixture_row_that_cannot_be_stored_fails_its_case_with_a_message(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "      visits: [{visit_id: V1}]\n      shore-power:",
          '      visits: [{visit_id: V1, shore_power_capable: "nope"}]\n      shore-power:',
          "tests/BI01.yml")
    result = _cli("rules", "test", folder, "--json")
    assert result.exit_code == 1, result.output
    failed = [c for c in json.loads(result.stdout)["cases"] if c["problems"]]
    assert [c["case"] for c in failed] == ["five_hours_earn_nothing"]
    assert "its rows cannot be stored" in failed[0]["problems"][0]


def test_rules_list_shows_values_as_pack_toml_writes_them_and_a_path_packs_id(tmp_path):
    folder = tmp_path / "my-folder"
    shutil.copytree(INCENTIVE, folder)
    _edit(folder, "[[result_columns]]",
          '[parameters.start]\nvalue = 2026-04-01\ncitation = "x"\n\n[parameters.ports]\n'
          'value = ["JPNGO"]\ncitation = "x"\n\n[parameters.on]\nvalue = true\ncitation = "x"\n\n'
          "[[result_columns]]")
    output = _cli("rules", "list", "--pack", folder).output
    lines = {x.split()[0]: x.split(None, 1)[1].strip() for x in output.splitlines()
             if x.split() and x.split()[0] in ("start", "ports", "on")}
    assert lines == {"start": "2026-04-01", "ports": '["JPNGO"]', "on": "true"}
    assert any(x.split()[:3] == ["*", "berth-incentive", "path"] for x in output.splitlines())


@pytest.mark.parametrize(("old", "new", "message"), [
    ('currency = "USD"', "currency = 5", "[pack]: currency must be a non-empty text"),
    ('currency = "USD"', 'currency = "dollars"', "[pack] currency 'dollars' is not an ISO 4217"),
    ('citation = "tests/packs/berth-incentive/pack.toml (an example)"', "citation = 5",
     "[pack]: citation must be a non-empty text"),
    ('currency = "USD"', 'currency = "USD"\njudges = "months"',
     "[pack] judges must be one of all, scope_years, scope_visits, not 'months'"),
])
def test_a_pack_field_of_the_wrong_type_is_refused_with_its_line(tmp_path, old, new, message):
    """`currency = 5` passed `rules list` and made `check` fail as 'unexpected TypeError ... a
    bug'; a lower-case currency or a number as citation went into the report as they were."""
    folder = _copy(tmp_path)
    _edit(folder, old, new)
    result = _cli("rules", "list", "--pack", folder)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "pack.toml, line " in result.output


def test_a_pack_folder_named_without_a_slash_is_pointed_out(tmp_path, monkeypatch):
    _copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _cli("rules", "list", "--pack", "berth-incentive")
    assert result.exit_code == 2
    assert "./berth-incentive is a pack folder: give it as a path, --pack ./berth-incentive" \
        in " ".join(result.output.split())


@pytest.mark.parametrize(("new", "message"), [
    ("-- id: BI01\n-- reference: tariff 12", "BI01.sql, line 2: 'reference' is not a header key"),
    ("-- id: BI01\n-- id: BI01", "BI01.sql, line 2: 'id' is given twice"),
])
def test_a_rule_header_key_that_would_be_dropped_is_refused(tmp_path, new, message):
    folder = _copy(tmp_path)
    _edit(folder, "-- id: BI01", new, "BI01.sql")
    with pytest.raises(PackFileError, match=re.escape(message)):
        load_pack(str(folder))


def test_a_pack_without_rules_is_refused_when_loaded(tmp_path):
    """It failed in the check as 'the database reported a problem (ParserException)', exit 1."""
    folder = _copy(tmp_path)
    _edit(folder, 'rules = ["BI01"]', "rules = []")
    with pytest.raises(PackFileError, match=r"pack.toml, line \d+: \[pack\] rules must list at "
                                            "least one rule id"):
        load_pack(str(folder))


def test_findings_for_visits_not_in_the_results_name_the_rule(tmp_path):
    from tests.test_berth_incentive_pack import _incentive_check

    folder = _copy(tmp_path)
    _edit(folder, "SELECT\n    visit_id,", "SELECT\n    visit_id || '-x' AS visit_id,", "BI01.sql")
    with pytest.raises(BerthcheckError) as caught:
        _incentive_check(folder, tmp_path)
    assert "BI01.sql failed: rule BI01 gives findings for visits not in the results" \
        in str(caught.value)


@pytest.mark.parametrize(("file", "old", "new"), [
    ("stages/10_credit.sql", "    SELECT v.visit_id,", "    SELEC v.visit_id,"),  # syntax
    ("BI01.sql", "FROM", "FROM no_such_table, "),  # a table no pack may read
])
def test_rules_test_of_a_pack_that_cannot_run_is_one_pack_error(tmp_path, file, old, new):
    """A stage or rule that cannot run at all was the same message once per case (three
    here) and exit 1, where `check` with the pack exits 2: it is the pack's error (contract:
    a pack that breaks the pack contract is exit 2), said once, naming the file."""
    folder = _copy(tmp_path)
    _edit(folder, old, new, file)
    for args in (("rules", "test", folder), ("rules", "test", folder, "--json")):
        result = _cli(*args)
        assert result.exit_code == 2, result.output
        assert result.output.count(f"{folder / file}") == 1, result.output
        assert "failed" in result.output and "Traceback" not in result.output


def test_an_error_under_json_is_a_message_on_stderr_and_nothing_on_stdout(tmp_path):
    """`rules test --json` with a pack that cannot run printed only its error, no JSON, and so
    did every other command's --json on an error: the documented rule (docs/contract.md, exit
    codes) is that --json prints its object only for a command that did its work, and an error
    is `error: ...` on standard error with its exit code and an empty standard output (no JSON
    error object, so each command's JSON keeps one shape)."""
    broken = _copy(tmp_path)
    _edit(broken, "FROM bi_visit", "FROM bi_visit_missing", "BI01.sql")
    malformed = tmp_path / "malformed"
    shutil.copytree(INCENTIVE, malformed)
    _edit(malformed, "cases:", "unknown_key: 1\ncases:", "tests/BI01.yml")
    for args, code, words in [
        (("rules", "test", broken, "--json"), 2, "BI01.sql"),  # a rule that cannot run
        (("rules", "test", tmp_path / "nowhere", "--json"), 2, "no pack.toml"),
        (("rules", "test", malformed, "--json"), 2, "BI01.yml"),
        (("check", "--db", tmp_path / "s.duckdb", "--period", "2026-13", "--json"), 2, "2026-13"),
    ]:
        result = _cli(*args)
        assert result.exit_code == code, (args, result.output)
        assert result.stdout == "", (args, result.stdout)
        assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr
    # a pack without cases ran: its (empty) outcome is JSON, exit 1, the reason on stderr
    shutil.rmtree(broken / "tests")
    _edit(broken, "FROM bi_visit_missing", "FROM bi_visit", "BI01.sql")
    result = _cli("rules", "test", broken, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["cases"] == []
    assert "has no fixture cases" in result.stderr
