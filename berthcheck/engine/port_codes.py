"""Reference rows at a port that is in no ports table: they apply to no visit, ever.

A `berths`, `terminals`, `allowances` or `visit_counts` row (and a `coverage` row of kind
`port`) applies to the visits of its `port` only. A visit's port must be in the ports table
(built-in or loaded: the `ports` view), so a row whose port is not there (`USLAC` typed for
`USLAX`) matches no visit now or later until a ports row for it is loaded: it would be ignored
silently, its berths "without a berths row", its TIEs never granted. Such rows are said, one
line per file and port (the rows' numbers, the first few, and their count), with the loaded
visits' nearest port codes where some look alike.

Rows at a port that IS in the ports table but has no loaded visit are not said: a port's
berths table, CARB's statewide allowances or visit counts legitimately hold rows of ports
whose visits are not in this store, and the rows apply as soon as those visits are loaded. A
typo that lands on another real port (`USLGB` for `USLAX`) is therefore not caught here; the
built-in ports are few and far apart in spelling. docs/contract.md 2, "Codes".

One grouped query per table (rows per file and port), not a scan per row.
"""

from __future__ import annotations

import difflib

from berthcheck import store
from berthcheck.ingest.kinds import KINDS

# table -> (the `berthcheck load` kind, the column holding the port, the rows that have one)
_PORT_COLUMNS = {
    "berths": ("berths", "port", ""),
    "terminals": ("terminals", "port", ""),
    "allowances": ("allowances", "port", ""),
    "visit_counts": ("visit-counts", "port", ""),
    "coverage": ("coverage", "holder", "kind = 'port'"),
}
PORT_TABLES = frozenset(_PORT_COLUMNS)


def _other_keys(kind: str, column: str) -> tuple[str, ...]:
    """The row's key columns but its port: a row of the table sharing them at a port in the
    ports table, loaded by a later load, is the row loaded again with its port corrected,
    which ends the warning (nothing is deleted, so the mistyped row stays current); one of the
    same load is another row, e.g. another port's coverage of the year."""
    return tuple(c for c in KINDS[kind].key if c != column)
_SHOWN_ROWS = 5  # row numbers named per line; the count says how many in all


def _sql(table: str, column: str, rows: str, others: tuple[str, ...]) -> str:
    sibling = " AND ".join(f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in others)
    r_rows, s_rows = (f"r.{rows}", f"s.{rows}") if rows else ("true", "true")
    # names from the table above, values never in the text; ordered by the rows' own values
    return f"""
SELECT r._source_file, r.{column} AS port, count(*) AS n,
       list(r._source_row ORDER BY r._source_row)[1:{_SHOWN_ROWS}] AS first_rows
FROM {table} r
WHERE {r_rows} AND r.{column} IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ports p WHERE p.port = r.{column})
  AND NOT EXISTS (SELECT 1 FROM {table} s JOIN ports p ON p.port = s.{column}
                  WHERE {s_rows} AND {sibling} AND s._batch_id > r._batch_id)
GROUP BY ALL
ORDER BY r._source_file, port
"""  # noqa: S608


def _with_unknown_ports(con, tables: list[str]) -> set[str]:
    """Those of `tables` with a row whose port is in no ports table, in one statement: the
    tests `_sql` makes first, without the sibling rows it then leaves out, so a table not
    among them has no line. Each table's own query took DuckDB about 6 ms of CPU to plan, and
    a `check` of the CARB pack asked four or five of them, where nearly always none has such
    a row (this statement: about 3.4 ms)."""
    if not tables:
        return set()
    parts = []
    for i, table in enumerate(tables):
        _kind, column, rows = _PORT_COLUMNS[table]
        parts.append(f"SELECT {i} AS k, {column} AS port FROM {table}"  # noqa: S608 - above
                     + (f" WHERE {rows}" if rows else ""))
    found = store.run(con, "SELECT DISTINCT r.k FROM (" + " UNION ALL ".join(parts)  # noqa: S608
                      + ") r WHERE r.port IS NOT NULL "
                      "AND NOT EXISTS (SELECT 1 FROM ports p WHERE p.port = r.port)")
    return {tables[k] for (k,) in found}


def unknown_port_warnings(con, tables: set[str] | None = None) -> list[str]:
    """One line per file and port of each table's rows whose port is in no ports table
    (`tables`: only these, e.g. the ones a pack reads)."""
    lines = []
    visit_ports: list[str] | None = None
    asked = [t for t in _PORT_COLUMNS if tables is None or t in tables]
    unknown = _with_unknown_ports(con, asked)
    for table, (kind, column, rows) in _PORT_COLUMNS.items():
        if table not in unknown:
            continue
        others = _other_keys(kind, column)
        for source, port, n, first in store.run(con, _sql(table, column, rows, others)):
            if visit_ports is None:
                visit_ports = [p for (p,) in store.run(
                    con, "SELECT DISTINCT port FROM visits ORDER BY port")]
            numbers = ", ".join(str(r) for r in first)
            where = (f"row {numbers}" if n == 1 else
                     f"rows {numbers}{', ...' if n > len(first) else ''} ({n} rows)")
            near = difflib.get_close_matches(port, visit_ports, n=3, cutoff=0.6)
            hint = (f"; loaded visits are at {', '.join(repr(p) for p in near)}, spelt "
                    "alike" if near else "")
            what = f"{table} row{'s' if n != 1 else ''}" + (
                " of kind port" if table == "coverage" else "")
            lines.append(
                f"{source}, {where}: {what} with column {column} {port!r}, a port in no ports "
                f"table (built-in or loaded): a visit's port must be in it, so "
                f"{'these rows apply' if n != 1 else 'the row applies'} to no visit{hint}; "
                f"load the {'rows' if n != 1 else 'row'} again with the visits' port "
                f"(`berthcheck load {kind} FILE`), or a ports row for {port!r} "
                "(`berthcheck load ports FILE`)")
    return lines
