"""Cross-row check of `allowances` rows: a terminal's allowance belongs to a terminal AT A PORT.

17 CCR § 93130.11 grants TIEs to a terminal operator; two terminals with the same code at two
ports never share an allowance (data contract 2, allowances). A terminal row given without
`port` is accepted only where the terminal code is known at exactly one loaded port (from the
loaded visits, berths and terminals): its port is then filled in, with a warning saying so.
Otherwise it is an error naming file, row, column and value.
"""

from __future__ import annotations

import polars as pl

from berthcheck import store
from berthcheck.codes import folded_sql
from berthcheck.errors import RowError
from berthcheck.ingest.read import ROW

# every (port, terminal) the store knows; the staged file itself names no ports for these rows
_KNOWN_TERMINALS = """
    SELECT DISTINCT upper(port) AS port, terminal FROM visits
    UNION SELECT DISTINCT upper(port), terminal FROM berths
    UNION SELECT DISTINCT upper(port), terminal FROM terminals
"""


def allowance_ports(
    con, staged: pl.DataFrame, label: str
) -> tuple[list[RowError], list[RowError], pl.DataFrame]:
    """(errors, warnings, staged with the ports filled in) for an allowances file."""
    missing = staged.filter((pl.col("holder_kind") == "terminal") & pl.col("port").is_null())
    if missing.is_empty():
        return [], [], staged
    known = store.fetch_polars(
        con,
        f"SELECT terminal, string_agg(port, ', ' ORDER BY port) AS ports, count(*) AS n "  # noqa: S608
        f"FROM ({_KNOWN_TERMINALS}) GROUP BY terminal",
    )
    rows = missing.select(ROW, "holder").join(
        known.rename({"terminal": "holder"}), on="holder", how="left"
    ).sort(ROW)
    errors: list[RowError] = []
    warnings: list[RowError] = []
    fill: dict[int, str] = {}
    for row, holder, ports, n in rows.iter_rows():
        if not n:
            errors.append(RowError(
                label, row, "port", "",
                f"required for terminal {holder}: no loaded visit, berth or terminals row names "
                "this terminal at any port (a TIE belongs to a terminal at one port)"
                + _spelt_otherwise(con, holder),
            ))
        elif n > 1:
            errors.append(RowError(
                label, row, "port", "",
                f"required for terminal {holder}: a terminal with this code is loaded at {n} "
                f"ports ({ports}); give the port (a TIE belongs to a terminal at one port)",
            ))
        else:
            fill[row] = ports
            warnings.append(RowError(
                label, row, "port", "",
                f"empty; filled with {ports}, the only loaded port with terminal {holder}",
            ))
    if fill:
        lookup = pl.DataFrame({ROW: list(fill), "__port": list(fill.values())},
                              schema={ROW: staged.schema[ROW], "__port": pl.Utf8})
        staged = (
            staged.join(lookup, on=ROW, how="left", maintain_order="left")
            .with_columns(pl.coalesce("port", "__port").alias("port"))
            .drop("__port")
        )
        errors += _duplicates_after_fill(staged, label, set(fill))
    return errors, warnings, staged


def _duplicates_after_fill(staged: pl.DataFrame, label: str, filled: set[int]) -> list[RowError]:
    """A filled-in row may now repeat another row's key (year, holder kind, holder, port)."""
    key = ["year", "holder_kind", "holder", "port"]
    dup = staged.filter(pl.struct(key).is_duplicated() & pl.col(ROW).is_in(sorted(filled)))
    if dup.is_empty():
        return []
    first = staged.filter(pl.struct(key).is_duplicated()).group_by(key).agg(
        pl.col(ROW).min().alias("_first"))
    dup = dup.join(first, on=key, how="left")
    return [
        RowError(label, r[ROW], "port", "",
                 f"once filled with {r['port']} it repeats row {r['_first']} of this file")
        for r in dup.iter_rows(named=True) if r[ROW] != r["_first"]
    ]


def _spelt_otherwise(con, holder: str) -> str:
    """The loaded terminal codes that are `holder` but for case or spaces, as a clause (codes
    match letter for letter: docs/contract.md 2, "Codes"), else nothing."""
    near = store.run(
        con,
        f"SELECT terminal, string_agg(port, ', ' ORDER BY port) FROM ({_KNOWN_TERMINALS}) "  # noqa: S608
        f"WHERE {folded_sql('terminal')} = {folded_sql('?')} GROUP BY terminal ORDER BY terminal",
        [holder],
    )
    return "".join(f"; loaded terminal {code!r} (at {ports}) differs only by case or spaces "
                   "(codes match letter for letter)" for code, ports in near)
