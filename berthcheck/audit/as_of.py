"""The store as it stood right after a load batch (what `audit verify` recomputes over and
`audit diff` compares rows in)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from berthcheck import store
from berthcheck.engine.manifest_v1 import _kinds

ASOF_CATALOG = "bc_asof"


def as_of_predicate(batch: int) -> str:
    """Rows of a `_versions` table that were current right after load batch `batch`."""
    n = int(batch)
    return f"_batch_id <= {n} AND (_replaced_by IS NULL OR _replaced_by > {n})"



@contextlib.contextmanager
def as_of(con, batch: int) -> Iterator[None]:
    """Make the connection see the store as it stood right after load batch `batch`.

    An in-memory catalog is attached and made the default (`USE`): it gets each
    `<table>_versions` as it was then (rows loaded up to that batch; `_replaced_by` cleared
    where a later batch replaced the row),
    copies of the `*_builtin` reference tables and of the load log up to that batch, and the
    store's own view definitions replayed over them. The pack's unqualified table names then
    resolve there and nothing can read the current state by accident (a table the copy lacks
    is an error, never a silent read of today's data). The database file is not written;
    temporary tables (the pack's stages) live in the connection's temp catalog as usual.
    """
    main = store.scalar(con, "SELECT current_database()")
    views = store.run(
        con,
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? "
        "AND schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY view_name",
        [main],
    )
    store.run(con, f"DETACH DATABASE IF EXISTS {ASOF_CATALOG}")
    # READ_WRITE: on a read-only store (an archive) the copy must still be writable
    store.run(con, f"ATTACH ':memory:' AS {ASOF_CATALOG} (READ_WRITE)")
    src = f"{store.quote_ident(main)}.main"
    try:
        for kind in _kinds():
            store.run(
                con,
                f"CREATE TABLE {ASOF_CATALOG}.main.{kind.table}_versions AS "  # noqa: S608
                # rows retired by then are kept (the views hide them): the pieces a
                # version-2 fingerprint combines are recomputed from them
                f"SELECT * REPLACE (CASE WHEN _replaced_by <= {int(batch)} THEN _replaced_by "
                "END AS _replaced_by) "
                f"FROM {src}.{kind.table}_versions WHERE _batch_id <= {int(batch)} "
                "ORDER BY _batch_id, _source_row",
            )
        for table in store.builtin_tables(con):
            store.run(con, f"CREATE TABLE {ASOF_CATALOG}.main.{store.quote_ident(table)} AS "  # noqa: S608
                           f"SELECT * FROM {src}.{store.quote_ident(table)}")
        store.run(con, f"CREATE TABLE {ASOF_CATALOG}.main.load_batches AS "  # noqa: S608
                       f"SELECT * FROM {src}.load_batches WHERE batch_id <= {int(batch)}")
        store.run(con, f"USE {ASOF_CATALOG}")
        # berthcheck's own view definitions, never the database's (which could be redefined)
        from berthcheck.tamper import canonical_views

        canonical = canonical_views()
        names = {name for name, _ in canonical}
        _replay_views(con, [*canonical, *((n, q) for n, q in views if n not in names)])
        yield
    finally:
        store.run(con, f"USE {store.quote_ident(main)}")
        store.run(con, f"DETACH DATABASE IF EXISTS {ASOF_CATALOG}")


def _replay_views(con, views: list[tuple[str, str]]) -> None:
    """Recreate the store's views in the as-of catalog, dependencies first. A view over
    something the copy lacks (runs, reports, ...) is left out."""
    import duckdb

    pending = list(views)
    while pending:
        left = []
        for name, sql in pending:
            try:
                store.run(con, sql)
            except duckdb.Error:  # refers to something not (yet) copied
                left.append((name, sql))
        if len(left) == len(pending):
            break
        pending = left
