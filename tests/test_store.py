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
