"""Issue 15, item 6: pack SQL cannot read or write files, and custom packs are labelled."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from berthcheck.cli import app
from berthcheck.engine.pack import load_pack
from berthcheck.resources import builtin_rules_dir

from ..conftest import edited_pack_copy, good_visit, write_csv

CARB = load_pack("carb-at-berth-2020").label  # the custom copy keeps the built-in id@version


def _cli(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    path = tmp / "bc.duckdb"
    assert _cli("load", "visits", write_csv(tmp / "visits.csv", [good_visit()]),
                "--db", path).exit_code == 0
    return path


def _custom_rules(tmp_path, stage_sql: str | None = None):
    """A copy of the built-in packs under review in another folder, the CARB pack's first stage
    changed (a copy byte for byte the same is the shipped pack): `stage_sql` added, or a
    comment."""
    folder = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), folder)
    stage = folder / "carb-at-berth-2020" / "stages" / "00_macros.sql"
    stage.write_text(stage.read_text(encoding="utf-8") + "\n"
                     + (stage_sql or "-- under review") + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("sql, target", [
    ("COPY (SELECT * FROM visits) TO '{out}' (FORMAT csv);", "stolen.csv"),
    ("CREATE TEMP TABLE leak AS SELECT * FROM read_csv('/etc/passwd');", None),
    ("ATTACH '{out}' AS other;", "other.duckdb"),
    ("SET enable_external_access = true;", None),
])
def test_pack_sql_cannot_reach_files(db, tmp_path, sql, target):
    out = tmp_path / (target or "unused")
    rules = _custom_rules(tmp_path, sql.format(out=out))
    result = _cli("check", "--db", db, "--period", "2026-10",
                  env={"BERTHCHECK_RULES_DIR": str(rules)})
    assert result.exit_code == 2, result.output  # a broken --pack is a usage error (issue 20)
    assert "Traceback" not in result.output
    assert f"custom pack {CARB}" in result.output
    assert "stages/00_macros.sql" in result.output  # names the pack file
    assert "which rule packs may not do" in result.output
    assert not out.exists()


def test_factor_tables_still_feed_a_sandboxed_check(db):
    result = _cli("check", "--db", db, "--period", "2026-10", "--out", "-")
    assert result.exit_code == 0, result.output
    assert "excess_nox_kg" in result.stdout.splitlines()[0]


def test_a_run_with_a_custom_pack_says_so(db, tmp_path):
    rules = _custom_rules(tmp_path)
    env = {"BERTHCHECK_RULES_DIR": str(rules)}
    manifest = tmp_path / "manifest.json"
    result = _cli("check", "--db", db, "--period", "2026-10", "--manifest", manifest, env=env)
    assert result.exit_code == 0, result.output
    pack = json.loads(manifest.read_text(encoding="utf-8"))["pack"]
    assert pack["custom"] is True
    assert pack["path"] == str((rules / "carb-at-berth-2020").resolve())
    assert len(pack["hash"]) == 64
    listed = _cli("runs", "list", "--db", db)
    custom_lines = [x for x in listed.output.splitlines() if "custom pack" in x]
    assert len(custom_lines) == 1 and str(rules / "carb-at-berth-2020") in custom_lines[0]
    html = tmp_path / "report.html"
    result = _cli("report", "--db", db, "--period", "2026-10", "--out", html, env=env)
    assert result.exit_code == 0, result.output
    assert f"{CARB} (custom pack)" in html.read_text(encoding="utf-8")


def test_a_built_in_run_is_not_labelled_custom(db, tmp_path):
    manifest = tmp_path / "m.json"
    assert _cli("check", "--db", db, "--period", "2026-10", "--manifest", manifest).exit_code == 0
    assert "custom" not in json.loads(manifest.read_text(encoding="utf-8"))["pack"]


# --- DuckDB's settings, catalog, files and SQL made from text (engine/pack_sql.py) ----------

INCENTIVE = builtin_rules_dir().parent / "tests" / "packs" / "berth-incentive"


def _incentive_with(tmp_path, file: str, old: str, new: str):
    return edited_pack_copy(INCENTIVE, tmp_path / "berth-incentive", file, old, new)


# each reads what a pack has no business reading: the store's temporary folder, the home
# and working folders (secret_directory, allowed_directories), the databases attached
@pytest.mark.parametrize("expr, name, what", [
    ("current_setting('temp_directory')", "current_setting", "settings"),
    ("(SELECT max(value) FROM duckdb_settings())", "duckdb_settings", "settings"),
    ("(SELECT max(value) FROM pg_catalog.pg_settings)", "pg_settings", "settings"),
    ("getenv('HOME')", "getenv", "environment"),
    ("(SELECT max(path) FROM duckdb_databases())", "duckdb_databases", "catalog"),
    ("(SELECT max(path) FROM duckdb_temporary_files())", "duckdb_temporary_files", "catalog"),
    ('(SELECT max(name) FROM "pragma_database_list")', "pragma_database_list", "catalog"),
    ("(SELECT max(t) FROM query('SELECT current_' || 'setting(''temp_directory'') AS t'))",
     "query()", "made from text"),
    ("(SELECT max(name) FROM query_table('pragma_' || 'database_list'))", "query_table()",
     "made from text"),
    ("(SELECT max(content) FROM read_text('/etc/hostname'))", "read_text()", "reads files"),
    ("(SELECT max(file) FROM glob('/etc/*'))", "glob()", "reads files"),
])
@pytest.mark.parametrize("file", ["stages/10_credit.sql", "BI01.sql", "assemble.sql"])
def test_pack_sql_cannot_read_settings_catalog_or_files(db, tmp_path, expr, name, what, file):
    anchors = {"stages/10_credit.sql": ("SELECT", "SELECT " + expr + " AS leak_, "),
               "BI01.sql": ("    round(sp_seconds / 60, 4) AS minutes",
                            "    round(sp_seconds / 60, 4) AS minutes,\n    " + expr
                            + " AS leak_"),
               "assemble.sql": ("    visit_id,", "    visit_id, " + expr + " AS leak_,")}
    folder = _incentive_with(tmp_path, file, *anchors[file])
    text = (folder / file).read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text, 1) if "leak_" in x)
    for args in (("check", "--db", db, "--pack", folder, "--period", "2026-10"),
                 ("rules", "test", folder)):
        result = _cli(*args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert f"custom pack berth-incentive@1.0.0: {folder / file}, line {line}: {name} " \
            in result.output, result.output
        assert what in result.output and "which rule packs may not do" in result.output


def test_a_pragma_statement_is_refused_with_its_line(db, tmp_path):
    folder = _incentive_with(tmp_path, "stages/10_credit.sql", "CREATE",
                             "PRAGMA database_list;\nCREATE")
    result = _cli("check", "--db", db, "--pack", folder, "--period", "2026-10")
    assert result.exit_code == 2, result.output
    text = (folder / "stages" / "10_credit.sql").read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text, 1) if x.startswith("PRAGMA"))
    assert f"10_credit.sql, line {line}: PRAGMA reads or changes DuckDB's settings" \
        in result.output


def test_those_words_in_text_or_as_column_names_are_not_refused(db, tmp_path):
    """A message may say "read_text" or "current_setting"; a column may be called query."""
    folder = _incentive_with(tmp_path, "BI01.sql", "'earns a credit of '",
                             "'earns (current_setting, read_text(x), pragma_x) a credit of '")
    folder2 = _incentive_with(tmp_path / "b", "assemble.sql", "    visit_id,",
                              "    visit_id,\n    -- not current_setting('x')")
    for f in (folder, folder2):
        result = _cli("check", "--db", db, "--pack", f, "--period", "2026-10")
        assert result.exit_code == 0, result.output
