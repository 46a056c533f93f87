"""`berthcheck demo`: a fresh database in its folder every time, but never at the cost of a
store the demo did not make (`demo --out .` beside a port's own ./berthcheck.duckdb)."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

runner = CliRunner()


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


def test_demo_starts_afresh_over_its_own_database(tmp_path):
    out = tmp_path / "runs" / "demo"  # its parent made by --mkdir (the first demo's)
    for pack in ("cn-shore-power", "fueleu-art6"):  # another pack's demo in the same folder too
        result = runner.invoke(app, ["demo", "--pack", pack, "--out", str(out), "--mkdir"])
        assert result.exit_code == 0, result.output
    assert _batches(out / "berthcheck.duckdb") == 4  # Rotterdam's four files only


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
