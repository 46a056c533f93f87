"""Reference rows whose terminal or berth code is a visit's but for case or spaces.

Codes are identifiers: the packs match a `berths` or `terminals` row to its visits letter for
letter (the loader trims surrounding spaces and upper-cases the UN/LOCODE, nothing more), and
berthcheck does not fold them, since two codes that differ only in case may be two berths of a
port's own numbering, and a folded match would change the verdicts of every pack silently.
But a row that matches no visit exactly while it matches some only by case or inner spaces
(`wbct` for the visits' `WBCT`) is almost surely the same terminal spelt otherwise: it is said,
naming the row's file, row, column and value and the visits' spelling, never dropped quietly
(the berth would otherwise be one "without a berths row", its responsible party `unknown`).
docs/contract.md, section 2, "Codes".

One grouped query per table: the visits' distinct (port, terminal, berth), not a scan per row.
"""

from __future__ import annotations

from berthcheck import store
from berthcheck.codes import folded_sql

# table -> (the code columns it shares with the visits, its other key columns)
_TABLES = {"berths": (("terminal", "berth"), ()),
           "terminals": (("terminal",), ("vessel_type", "year"))}


def _sql(table: str, columns: tuple[str, ...], others: tuple[str, ...]) -> str:
    keys = ("port", *columns)
    exact = " AND ".join(f"e.{c} = r.{c}" for c in keys)
    folded = " AND ".join(["v.port = r.port"] + [
        f"{folded_sql('v.' + c)} = {folded_sql('r.' + c)}" for c in columns])
    # a row of the table spelt as the visits spell it (loaded since: nothing is deleted, so
    # the misspelt row stays) leaves no visit without its row
    sibling = " AND ".join([*(f"s.{c} = v.{c}" for c in keys), *(f"s.{c} = r.{c}" for c in others)])
    # names from the code (the tables and columns above), values never in the text; ordered
    # by the rows' own values to the end (two files of one name have rows of one number), so
    # the lines never follow the order rows were stored in
    return f"""
WITH codes AS (SELECT {', '.join(keys)}, count(*) AS n FROM visits GROUP BY ALL)
SELECT r._source_file, r._source_row, {', '.join('r.' + c for c in keys)},
    {', '.join('v.' + c for c in columns)}, v.n
FROM {table} r JOIN codes v ON {folded}
WHERE NOT EXISTS (SELECT 1 FROM codes e WHERE {exact})
  AND NOT EXISTS (SELECT 1 FROM {table} s WHERE {sibling})
ORDER BY r._source_file, r._source_row, {', '.join('r.' + c for c in (*keys, *others))},
    {', '.join('v.' + c for c in columns)}
"""  # noqa: S608


def near_code_warnings(con, tables: set[str] | None = None) -> list[str]:
    """One line per reference row whose codes match loaded visits only ignoring case and
    spaces, while no row of its table is spelt as those visits are (`tables`: only these,
    e.g. the ones a pack reads)."""
    lines = []
    for table, (columns, others) in _TABLES.items():
        if tables is not None and table not in tables:
            continue
        rows: dict[tuple, list[tuple]] = {}  # (file, row, port, codes) -> [(visits' codes, n)]
        for found in store.run(con, _sql(table, columns, others)):
            width = 3 + len(columns)
            rows.setdefault(tuple(found[:width]), []).append(
                (tuple(found[width:-1]), int(found[-1])))
        for (source, line, port, *codes), near in rows.items():
            differing = [(c, value) for c, value in zip(columns, codes, strict=True)
                         if any(spelt[columns.index(c)] != value for spelt, _ in near)]
            given = ", ".join(f"column {c} {value!r}" for c, value in differing)
            visits = "; ".join(
                ", ".join(f"{c} {spelt[columns.index(c)]!r}" for c, _ in differing)
                + f" ({n} visit{'s' if n != 1 else ''})" for spelt, n in near)
            lines.append(
                f"{source}, row {line}: {table} row at {port} with {given} matches no loaded "
                f"visit, but visits there have {visits}, which differ only by case or spaces: "
                f"codes match letter for letter, so those visits get no {table} row; load a "
                f"{table} row spelt as they are (`berthcheck load {table} FILE`)")
    return lines
