"""A pack's values in the sandbox: the parameters one statement binds, and the pack's tables
registered as `param_<name>` (parameters are never pasted into SQL text)."""

from __future__ import annotations

from functools import lru_cache

from berthcheck import store
from berthcheck.engine.pack_model import Pack
from berthcheck.engine.pack_text import parameter_names


def bind(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The parameters one statement uses (DuckDB rejects unused named parameters)."""
    return {name: values[name] for name in _parameter_names(sql)}


@lru_cache(maxsize=4096)
def _parameter_names(sql: str) -> frozenset[str]:
    """The `$name`s a statement uses, found once per statement text (a check binds some 90
    pack statements, the same texts every time)."""
    return frozenset(parameter_names(sql))


@lru_cache(maxsize=64)
def _param_arrow(columns: tuple[str, ...], rows: tuple[tuple, ...]):
    """A pack table as Arrow, typed as polars infers it (made once per table content)."""
    import polars as pl

    frame = pl.DataFrame([list(row) for row in rows], schema=list(columns), orient="row")
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def register_tables(con, pack: Pack) -> None:
    for table in pack.tables.values():
        try:
            arrow = _param_arrow(table.columns, table.rows)
        except TypeError:  # a row holding a list: not hashable, made each time
            arrow = _param_arrow.__wrapped__(table.columns, table.rows)
        con.register("_bc_param", arrow)
        try:
            store.run(
                con,
                # the name is an identifier checked by load_pack, never a value
                f"CREATE OR REPLACE TEMP TABLE param_{table.name} AS SELECT * FROM _bc_param",  # noqa: S608
            )
        finally:
            con.unregister("_bc_param")

