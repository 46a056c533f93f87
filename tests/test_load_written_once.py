"""Issue 16: a big load into a table that already holds rows (the visits' seals after the berths'
and terminals', a second month's visits) is written to the file once.

DuckDB writes an insert of a row group or more straight into the file. Its checkpoint's vacuum
then merged the table's last, part-filled row group with those new row groups, which wrote every
new row a second time (0.2 s of CPU for 200 000 visits' seals; 16 MB of the file left free) and
kept the store no smaller. The store's connections leave row groups as they are written."""

from __future__ import annotations

from berthcheck import store

HELD = 111  # the small kinds' seals, before the visits'
BULK = 130_000  # more than one row group (122 880): written straight to the file


def _seals(first: int, count: int) -> str:
    return (
        "INSERT INTO input_seals SELECT 'visits', 1, CAST(i AS INTEGER), 'visits.csv', "  # noqa: S608
        f"'V' || i, sha256('r' || i), sha256('c' || i) FROM range({first}, {first + count}) t(i)"
    )


def _blocks(con) -> tuple[int, int]:
    total, used, free = store.run(con, "PRAGMA database_size")[0][3:6]
    return used, free


def _held_then_bulk(con) -> None:
    """The small kinds' seals, checkpointed, then a bulk load's in a transaction of its own."""
    with store.transaction(con):
        store.run(con, _seals(0, HELD))
    store.run(con, "CHECKPOINT")
    with store.transaction(con):
        store.run(con, _seals(HELD, BULK))


def test_a_bulk_load_into_a_table_that_holds_rows_is_not_written_again(tmp_path):
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        _held_then_bulk(con)
        store.run(con, "CHECKPOINT")
        used, free = _blocks(con)
        # nothing the load wrote was thrown away and written again
        assert free == 0, (used, free)
        # the same rows, in the order they were inserted
        rows = store.run(con, "SELECT count(*), min(source_row), max(source_row), "
                              "bool_and(source_row = rowid) FROM input_seals")
        assert rows == [(HELD + BULK, 0, HELD + BULK - 1, True)]
    finally:
        con.close()


def test_a_store_reopened_keeps_its_rows_and_writes_them_once(tmp_path):
    path = tmp_path / "bc.duckdb"
    con = store.connect(path)
    try:
        _held_then_bulk(con)
    finally:
        con.close()  # the checkpoint on close
    con = store.connect(path)
    try:
        assert _blocks(con)[1] == 0
        assert store.scalar(con, "SELECT count(*) FROM input_seals") == HELD + BULK
    finally:
        con.close()
