"""A command that made the store file and then failed removes it: `berthcheck load visits
bad.csv --db new.duckdb` said "nothing was loaded", exit 1, and left new.duckdb behind (an
empty migrated store of 1.3 MB), which the next `check` then read as an empty month. A store
that existed before the command is never touched (berthcheck/store.py, `opened`)."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.cli import app
from tests.conftest import good_visit, write_csv


def _bad_visits(folder):
    folder.mkdir(exist_ok=True)
    return write_csv(folder / "visits.csv", [{"visit_id": "V1", "imo": "123"}])


def _store_files(db):
    return [p for p in (db, db.with_name(db.name + ".wal")) if p.exists()]


@pytest.mark.parametrize("command", ["load", "load-dir"])
def test_a_failed_first_load_leaves_no_database(runner, tmp_path, command):
    visits = _bad_visits(tmp_path / "in")
    db = tmp_path / "new.duckdb"
    args = (["load", "visits", str(visits)] if command == "load"
            else ["load-dir", str(visits.parent)])
    result = runner.invoke(app, [*args, "--db", str(db), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "nothing was loaded" in result.stderr
    assert _store_files(db) == []


def test_a_usage_error_after_the_database_was_made_leaves_none(runner, tmp_path):
    # --details belongs to dcsa-jit: refused once the store is open (cli_load_sources)
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    db = tmp_path / "new.duckdb"
    result = runner.invoke(app, ["load", "visits", str(visits), "--details", str(visits),
                                 "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert _store_files(db) == []


def test_a_missing_folder_leaves_no_database(runner, tmp_path):
    db = tmp_path / "new.duckdb"
    result = runner.invoke(app, ["load-dir", str(tmp_path / "nope"), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert _store_files(db) == []


@pytest.mark.parametrize("command", ["load", "load-dir"])
def test_a_failed_load_leaves_an_existing_store_as_it_was(runner, tmp_path, command):
    db = tmp_path / "kept.duckdb"
    good = write_csv(tmp_path / "good.csv", [good_visit()])
    assert runner.invoke(app, ["load", "visits", str(good), "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    visits = _bad_visits(tmp_path / "in")
    args = (["load", "visits", str(visits)] if command == "load"
            else ["load-dir", str(visits.parent)])
    result = runner.invoke(app, [*args, "--db", str(db), "--quiet"])
    assert result.exit_code == 1, result.output
    assert db.read_bytes() == before
    con = store.connect(db, read_only=True)
    try:
        assert store.table_counts(con)["visits"] == 1
    finally:
        con.close()


def test_a_failed_load_leaves_an_empty_store_made_before_it(runner, tmp_path):
    # a store made by an earlier command (a header-only file: exit 0) holds nothing either,
    # and is still not this command's to remove
    db = tmp_path / "empty.duckdb"
    header = tmp_path / "header.csv"
    header.write_text(",".join(good_visit()) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["load", "visits", str(header), "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    result = runner.invoke(app, ["load", "visits", str(_bad_visits(tmp_path / "in")),
                                 "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert db.read_bytes() == before


def test_a_successful_first_load_keeps_its_database(runner, tmp_path):
    db = tmp_path / "new.duckdb"
    good = write_csv(tmp_path / "good.csv", [good_visit()])
    result = runner.invoke(app, ["load", "visits", str(good), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert db.exists()


def test_a_mistyped_setting_makes_no_database(runner, tmp_path, monkeypatch):
    # checked before the file is made: it was made, then the setting refused, and left
    monkeypatch.setattr(store, "MIGRATIONS", list(store.MIGRATIONS))  # the real open (conftest)
    monkeypatch.setenv("BERTHCHECK_MEMORY_LIMIT", "lots")
    db = tmp_path / "new.duckdb"
    good = write_csv(tmp_path / "good.csv", [good_visit()])
    result = runner.invoke(app, ["load", "visits", str(good), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "BERTHCHECK_MEMORY_LIMIT='lots'" in result.stderr
    assert _store_files(db) == []


def test_a_database_whose_schema_could_not_be_made_is_not_left(tmp_path, monkeypatch):
    failing = (*store.MIGRATIONS, (store.MIGRATIONS[-1][0] + 1, "broken",
                                   lambda: ["CREATE TABLE broken (x NOSUCHTYPE)"]))
    monkeypatch.setattr(store, "MIGRATIONS", failing)
    db = tmp_path / "new.duckdb"
    with pytest.raises(Exception, match="NOSUCHTYPE"):
        store.connect(db)
    assert _store_files(db) == []


def test_a_refused_source_file_leaves_no_database(runner, tmp_path):
    jit = tmp_path / "events.json"
    jit.write_text("{not json", encoding="utf-8")
    db = tmp_path / "new.duckdb"
    result = runner.invoke(app, ["load", "dcsa-jit", str(jit), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert _store_files(db) == []
