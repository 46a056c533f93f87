"""Reference rows whose terminal or berth code is a visit's but for case or spaces.

Codes are identifiers: the packs match a `berths`, `terminals`, `allowances` or
`visit_counts` row to its visits letter for letter (the loader trims surrounding spaces and
upper-cases the UN/LOCODE, nothing more), and berthcheck does not fold them, since two codes
that differ only in case may be two berths of a port's own numbering, and a folded match would
change the verdicts of every pack silently. But a row that matches no visit exactly while it
matches some only by case or inner spaces (`wbct` for the visits' `WBCT`) is almost surely the
same terminal spelt otherwise: it is said, naming the row's file, row, column and value and the
visits' spelling, never dropped quietly (the berth would otherwise be one "without a berths
row", its responsible party `unknown`; a terminal's TIE allowance or visit count would grant or
count nothing: AB11/AB10, AB03). docs/contract.md, section 2, "Codes".

A terminal holder of `allowances` and `visit_counts` (holder_kind `terminal`, with its port)
is the visits' terminal; a fleet holder is not checked here, since the CARB pack matches
fleets ignoring case and spaces already (`fleet_key`).

`load` says them too, for the tables a load may change (`after_load`).

One grouped query per table: the visits' distinct (port, terminal, berth), not a scan per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from berthcheck import store
from berthcheck.codes import folded_sql


@dataclass(frozen=True)
class _Codes:
    """How a table's rows name the visits' codes."""

    kind: str  # the `berthcheck load` kind
    columns: tuple[tuple[str, str], ...]  # (the table's column, the visits' column)
    others: tuple[str, ...] = ()  # its other key columns: a sibling row shares them
    holders: bool = False  # rows of holder_kind terminal only
    label: str = ""  # how the message names a row, after the table's name
    outcome: str = ""  # what the row does for those visits, matching none of them

    def where(self, alias: str) -> str:
        return f"{alias}.holder_kind = 'terminal'" if self.holders else "true"


_TABLES = {
    "berths": _Codes("berths", (("terminal", "terminal"), ("berth", "berth")),
                     outcome="those visits get no berths row"),
    "terminals": _Codes("terminals", (("terminal", "terminal"),), ("vessel_type", "year"),
                        outcome="those visits get no terminals row"),
    "allowances": _Codes("allowances", (("holder", "terminal"),), ("year",), holders=True,
                         label=" (holder_kind terminal)",
                         outcome="the row grants no TIE to their terminal"),
    "visit_counts": _Codes("visit-counts", (("holder", "terminal"),), ("year", "vessel_type"),
                           holders=True, label=" (holder_kind terminal)",
                           outcome="the row counts no visit of their terminal"),
}


def _sql(table: str, codes: _Codes) -> str:
    mine = [r for r, _ in codes.columns]
    theirs = [v for _, v in codes.columns]
    exact = " AND ".join(["e.port = r.port"] + [f"e.{v} = r.{r}" for r, v in codes.columns])
    folded = " AND ".join(["v.port = r.port"] + [
        f"{folded_sql('v.' + v)} = {folded_sql('r.' + r)}" for r, v in codes.columns])
    # a row of the table spelt as the visits spell it (loaded since: nothing is deleted, so
    # the misspelt row stays) leaves no visit without its row
    sibling = " AND ".join(["s.port = v.port", codes.where("s"),
                            *(f"s.{r} = v.{v}" for r, v in codes.columns),
                            *(f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in codes.others)])
    # names from the code (the tables and columns above), values never in the text; ordered
    # by the rows' own values to the end (two files of one name have rows of one number), so
    # the lines never follow the order rows were stored in
    return f"""
WITH codes AS (SELECT port, {', '.join(dict.fromkeys(theirs))}, count(*) AS n
               FROM visits GROUP BY ALL)
SELECT r._source_file, r._source_row, r.port, {', '.join('r.' + c for c in mine)},
    {', '.join('v.' + c for c in theirs)}, v.n
FROM {table} r JOIN codes v ON {folded}
WHERE {codes.where("r")}
  AND NOT EXISTS (SELECT 1 FROM codes e WHERE {exact})
  AND NOT EXISTS (SELECT 1 FROM {table} s WHERE {sibling})
ORDER BY r._source_file, r._source_row, r.port,
    {', '.join('r.' + c for c in (*mine, *codes.others))}, {', '.join('v.' + c for c in theirs)}
"""  # noqa: S608


def near_code_warnings(con, tables: set[str] | None = None) -> list[str]:
    """One line per reference row whose codes match loaded visits only ignoring case and
    spaces, while no row of its table is spelt as those visits are (`tables`: only these,
    e.g. the ones a pack reads)."""
    lines = []
    for table, codes in _TABLES.items():
        if tables is not None and table not in tables:
            continue
        width = 3 + len(codes.columns)
        rows: dict[tuple, list[tuple]] = {}  # (file, row, port, codes) -> [(visits' codes, n)]
        for found in store.run(con, _sql(table, codes)):
            rows.setdefault(tuple(found[:width]), []).append(
                (tuple(found[width:-1]), int(found[-1])))
        for (source, line, port, *values), near in rows.items():
            differing = [i for i, value in enumerate(values)
                         if any(spelt[i] != value for spelt, _ in near)]
            given = ", ".join(f"column {codes.columns[i][0]} {values[i]!r}" for i in differing)
            visits = "; ".join(
                ", ".join(f"{codes.columns[i][1]} {spelt[i]!r}" for i in differing)
                + f" ({n} visit{'s' if n != 1 else ''})" for spelt, n in near)
            article = "an" if codes.kind[0] in "aeiou" else "a"
            lines.append(
                f"{source}, row {line}: {table} row{codes.label} at {port} with {given} "
                f"matches no loaded visit, but visits there have {visits}, which differ only "
                f"by case or spaces: codes match letter for letter, so {codes.outcome}; load "
                f"{article} {codes.kind} row spelt as they are (`berthcheck load {codes.kind} "
                "FILE`)")
    return lines


def after_load(con, kinds: set[str]) -> list[str]:
    """`near_code_warnings` for a `load` of these kinds: every table's once visits are loaded
    (their codes are what the rows are matched to), else those of the tables loaded; none for
    sessions, events and the other tables, which change no code's match (the lines would only
    repeat an earlier load's)."""
    from berthcheck.ingest.kinds import KINDS

    tables = {KINDS[k].table for k in kinds if k in KINDS}
    if "visits" in tables:
        return near_code_warnings(con)
    tables &= set(_TABLES)
    return near_code_warnings(con, tables) if tables else []
