"""The check's results leave the sandbox: read in batches, the sandbox closed with its memory
handed back, then joined and sorted into one polars frame without holding it twice.

At a million visits the results are ~70 columns; each step here is about the peak memory of
a check (docs/scaling.md, "Seventh pass, C").
"""

from __future__ import annotations

from berthcheck import store

FETCH_BATCH_ROWS = 122_880  # rows of the results read at a time (DuckDB's row group)

# a bulk free of more than this makes DuckDB's allocator hand its free pages back at once
# (its default, 512 MiB, is more than a sandbox holds at a million visits)
SANDBOX_FLUSH = "64MB"


def close_at_once(sandbox) -> None:
    """Close the sandbox, its memory handed back to the system now, not over the next seconds
    (jemalloc's decay): polars, with an allocator of its own, then makes the results' frame
    in pages the pack's tables held (-0.2 to -0.3 GB at the peak of a million visits)."""
    import duckdb

    try:
        store.run(sandbox, f"SET allocator_bulk_deallocation_flush_threshold = '{SANDBOX_FLUSH}'")
    except duckdb.Error:  # an interrupted or failed statement can leave it unusable
        pass
    sandbox.close()


def read_batches(sandbox, sql: str, params: dict[str, object]) -> list:
    """The query's rows as polars frames of FETCH_BATCH_ROWS rows (no copy of DuckDB's Arrow;
    one empty frame with the query's columns and types for no row): DuckDB's whole result
    as Arrow never exists next to them."""
    import polars as pl

    reader = sandbox.sql(sql, params=params or None).to_arrow_reader(FETCH_BATCH_ROWS)
    try:
        parts = [pl.from_arrow(batch) for batch in reader]
        return parts or [pl.from_arrow(reader.schema.empty_table())]
    finally:
        reader.close()


SORT_GROUP_COLUMNS = 8  # columns gathered at a time by `sorted_frame` (in parallel)
SORT_APART_ROWS = 50_000  # below this many rows one sort of the frame is cheaper


def sorted_frame(parts: list, keys: tuple[str, ...]):
    """The batches `parts` (emptied: the caller keeps no reference to them) as one frame
    sorted by `keys` (unique, never NULL: `visit_id` for the results), one chunk per column.

    Joined a column at a time (polars would copy a frame of many chunks whole before sorting
    it, and gathers from many chunks at twice the CPU). A batch's memory is one Arrow import,
    handed back only when its last column is gone, so the join holds the results twice: it
    runs after the sandbox is closed, and the batches are dropped before the sort. Sorted a
    few columns at a time: the order found once, each group of columns gathered in it and
    the unsorted columns dropped as they go, so the sort never holds the results twice (0.6
    GB at a million visits) for the CPU of one sort."""
    import polars as pl

    if len(parts) == 1:  # one batch: already one chunk per column
        frame = parts.pop()
    else:
        columns = {name: pl.concat([part.get_column(name) for part in parts], rechunk=True)
                   for name in parts[0].columns}
        parts.clear()
        frame = pl.DataFrame(columns)
        del columns
    if frame.height < SORT_APART_ROWS:
        return frame.sort(list(keys))
    order = frame.select(pl.arg_sort_by(list(keys))).to_series()
    names, columns = frame.columns, {}
    for start in range(0, len(names), SORT_GROUP_COLUMNS):
        group = names[start:start + SORT_GROUP_COLUMNS]
        columns.update(frame.select(group)[order].to_dict())
        frame = frame.drop(group)
    return pl.DataFrame(columns)
