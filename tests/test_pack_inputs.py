"""`[pack] inputs` (docs/packs.md section 2): a pack declares the columns of a view its SQL
reads and the sandbox is handed those only; a pack without it gets every column, a column read
but not declared fails naming the file and the declaration, a bad declaration names pack.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import check, load_pack
from berthcheck.engine.pack_spec import PackFileError
from berthcheck.engine.sandbox import open_sandbox
from berthcheck.resources import rules_dir
from tests.conftest import copy_store

runner = CliRunner()
CARB = "carb-at-berth-2020"
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def sample_db(sample_month, tmp_path_factory) -> Path:
    return copy_store(sample_month, tmp_path_factory.mktemp("inputs") / "sample.duckdb")


def _carb_with(tmp_path: Path, old: str | None, new: str = "") -> Path:
    """A copy of the CARB pack whose `[pack] inputs` line has `old` replaced by `new` (the
    whole line dropped for `old=None`)."""
    folder = tmp_path / "packs" / CARB
    shutil.copytree(rules_dir() / CARB, folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("inputs = "))
    if old is None:
        text = text.replace(line + "\n", "")
    else:
        assert old in line
        text = text.replace(line, line.replace(old, new, 1))
    toml.write_text(text, encoding="utf-8")
    return folder


def _cli(*args):
    return runner.invoke(app, [*map(str, args)], catch_exceptions=False)


def test_the_sandbox_is_handed_the_declared_columns_only():
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE visits AS SELECT 'V1' AS visit_id, 'LA' AS port, 'x' AS _row_hash, "
                "'y' AS extra")
    con.execute("CREATE TABLE events AS SELECT 'V1' AS visit_id, 'emergency' AS kind")
    narrow = open_sandbox(con, ["visits", "events"], inputs={"visits": ("port", "visit_id")},
                          history={"visits": ("visit_id", "extra")})
    whole = open_sandbox(con, ["visits", "events"])
    try:
        # in the declared order; a view not declared keeps all its columns
        assert narrow.sql("SELECT * FROM visits").columns == ["port", "visit_id"]
        assert narrow.sql("SELECT * FROM events").columns == ["visit_id", "kind"]
        assert narrow.sql("SELECT * FROM visits").fetchall() == [("LA", "V1")]
        # history reads a column `inputs` leaves out: copied from the store, not a view of it
        assert narrow.sql("SELECT * FROM history_visits").fetchall() == [("V1", "y")]
        # without the declaration: every column, as before
        assert whole.sql("SELECT * FROM visits").columns == ["visit_id", "port", "_row_hash",
                                                             "extra"]
    finally:
        narrow.close()
        whole.close()
        con.close()


def test_the_carb_declaration_changes_no_result(sample_db, tmp_path):
    undeclared = load_pack(str(_carb_with(tmp_path, None)))
    assert not undeclared.inputs and load_pack(CARB).inputs["visits"][0] == "visit_id"
    con = store.connect(sample_db)
    try:
        a = check(con, CARB, period=PERIOD, store_run=False, notes=True)
        b = check(con, undeclared, period=PERIOD, store_run=False, notes=True)
    finally:
        con.close()
    assert a.results.height > 100 and a.findings.height > 100
    assert_frame_equal(a.results, b.results)
    assert_frame_equal(a.findings, b.findings)


def test_a_column_read_but_not_declared_names_the_file_and_the_declaration(sample_db, tmp_path):
    folder = _carb_with(tmp_path, '"operator", ')
    result = _cli("check", "--db", sample_db, "--pack", folder, "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert "stages/10_visits.sql failed" in result.output
    assert '"operator"' in result.output
    # the views the failing statement reads, not every view the declaration lists
    assert ("[pack] inputs hands over only the columns it lists of visits: a column the SQL "
            "reads must be listed there") in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("old", "new", "says"), [
    ('"reported_at"', '"reported_at", "no_such"',
     "[pack] inputs.visits lists no_such, which visits does not have"),
    ("visits = ", "vists = ", "[pack] inputs names vists, which the store does not have"),
])
def test_a_declaration_the_store_does_not_match_fails_naming_pack_toml(sample_db, tmp_path,
                                                                      old, new, says):
    result = _cli("check", "--db", sample_db, "--pack", _carb_with(tmp_path, old, new),
                  "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "pack.toml" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("line", "says"), [
    ('inputs = ["visits"]', "[pack] inputs must be a table of view = [columns]"),
    ("inputs = { visits = [] }", "[pack] inputs.visits must be a non-empty list of column names"),
    ('inputs = { visits = ["visit_id", "port", "visit_id"] }',
     "[pack] inputs.visits lists visit_id twice"),
    ('inputs = { visits = ["visit id"] }', "[pack] inputs.visits must be a non-empty list"),
])
def test_a_malformed_declaration_is_refused_when_the_pack_loads(tmp_path, line, says):
    folder = _carb_with(tmp_path, None)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("\njudges = ", f"\n{line}\njudges = ", 1), encoding="utf-8")
    with pytest.raises(PackFileError, match=r"pack\.toml, line \d+: ") as raised:
        load_pack(str(folder))
    assert says in str(raised.value)


def test_a_history_column_read_but_not_declared_names_the_declaration(sample_db, tmp_path):
    """`[pack] history` hands over the columns it lists, as `inputs` does the views': a
    history column the SQL reads but the table leaves out once failed with DuckDB's message
    alone (`... does not have a column named "terminal"`), no word of the declaration."""
    folder = tmp_path / "packs" / CARB
    shutil.copytree(rules_dir() / CARB, folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    declared = 'history = { visits = ["visit_id", "imo", "port", "terminal", '
    assert declared in text
    toml.write_text(text.replace(declared, declared.replace('"terminal", ', "")),
                    encoding="utf-8")
    result = _cli("check", "--db", sample_db, "--pack", folder, "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert '"terminal"' in result.output
    assert ("[pack] history hands over only the columns it lists of visits (as "
            "history_visits): a history column the SQL reads must be listed there"
            ) in result.output
    assert "[pack] inputs" not in result.output  # the column is not one `inputs` left out
    assert "Traceback" not in result.output
