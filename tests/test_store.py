"""The store's schema: migrations bring an old database to the current schema."""

from __future__ import annotations

from berthcheck import store


def test_an_old_database_is_migrated_on_open(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:1])
    con = store.connect(path)
    assert store.schema_version(con) == 1
    con.close()
    monkeypatch.undo()

    con = store.connect(path)
    assert store.schema_version(con) == store.MIGRATIONS[-1][0]
    numbers = [m[0] for m in store.MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))  # append-only, no gaps
    visit_columns = {r[0] for r in store.run(con, "DESCRIBE visits")}
    assert {"dwt", "passengers", "aux_engine_speed"} <= visit_columns
    port_columns = {r[0] for r in store.run(con, "DESCRIBE ports")}
    assert "ops_required_from" in port_columns
    assert store.scalar(con, "SELECT count(*) FROM runs") == 0
    con.close()


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    con = store.connect(path)
    store.run(con, "UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    try:
        store.connect(path)
    except store.BerthcheckError as exc:
        assert "newer than this berthcheck" in str(exc)
    else:
        raise AssertionError("a newer schema must be refused")


def _old_store(path, monkeypatch):
    """A store at schema 13, as a berthcheck before the latest migration left it."""
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", store.MIGRATIONS[:13])
        store.connect(path).close()


def test_a_reading_command_migrates_a_writable_store_of_an_older_schema(tmp_path, monkeypatch):
    """After an upgrade, `runs list` (which opens the store read-only) on the user's own store:
    the read-only open cannot migrate it, so the store is opened for writing once and migrated,
    not refused as if it were a read-only file."""
    from typer.testing import CliRunner

    from berthcheck.cli import app

    path = tmp_path / "old.duckdb"
    _old_store(path, monkeypatch)
    done = CliRunner().invoke(app, ["runs", "list", "--db", str(path)])
    assert done.exit_code == 0, done.output
    con = store.connect(path, read_only=True)
    try:
        assert store.schema_version(con) == store.MIGRATIONS[-1][0]
    finally:
        con.close()


def test_a_read_only_store_of_an_older_schema_is_refused_by_name(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from berthcheck.cli import app

    path = tmp_path / "archive.duckdb"
    _old_store(path, monkeypatch)
    # a file this process may not write (an archive copy); mode bits cannot show it to root,
    # which CI may run as
    monkeypatch.setattr(store, "readable", lambda p: p == path)
    done = CliRunner().invoke(app, ["runs", "list", "--db", str(path)])
    assert done.exit_code == 1
    assert f"database {path} is read-only and has schema version 13" in done.output
    assert "Traceback" not in done.output


def test_a_store_before_loaded_paths_is_migrated_and_its_runs_still_verify(tmp_path):
    """Schema 18 keeps the files of loads that made no batch (store.loaded_files): a store
    made before opens migrated, its runs verify and keep their ids, and it knows its batches'
    files as before."""
    from typer.testing import CliRunner

    from berthcheck.cli import app
    from tests.conftest import good_visit, write_csv

    runner = CliRunner()
    path = tmp_path / "old.duckdb"
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(path)]).exit_code == 0
    checked = runner.invoke(app, ["check", "--period", "2026-10", "--db", str(path)])
    assert checked.exit_code == 0, checked.output
    con = store.connect(path)
    run_id = store.scalar(con, "SELECT run_id FROM runs")
    # as a berthcheck at schema 17 left it
    store.run(con, "DROP TABLE loaded_paths")
    store.run(con, "UPDATE schema_meta SET value = '17' WHERE key = 'schema_version'")
    con.close()
    done = runner.invoke(app, ["audit", "verify", run_id, "--db", str(path)])
    assert done.exit_code == 0, done.output
    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.MIGRATIONS[-1][0] == 18
        assert store.loaded_files(con) == [visits.resolve()]
    finally:
        con.close()
    checked = runner.invoke(app, ["check", "--period", "2026-10", "--db", str(path)])
    assert f"run {run_id}" in checked.output, checked.output
