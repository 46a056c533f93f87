"""Rows whose terminal, berth or control-system code is another table's but for case or spaces.

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

A `capture` session's `system_id` is matched to `caecs` rows, not to the visits, the same way:
`eo-1` for caecs' `EO-1` is a system "not listed in caecs" to the packs (CARB AB14), its
minutes not controlled, and is said with caecs' spelling.

`load` says them too, for the tables a load may change (`after_load`). The lines end with
those of rows at a port in no ports table (engine.port_codes), which no visit can match.

One grouped query per table: the matched table's distinct codes (the visits' port, terminal,
berth; caecs' system ids), not a scan per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from berthcheck import store
from berthcheck.codes import folded_sql


@dataclass(frozen=True)
class _Codes:
    """How a table's rows name the visits' codes."""

    kind: str  # the `berthcheck load` kind
    columns: tuple[tuple[str, str], ...]  # (the table's column, the matched table's column)
    others: tuple[str, ...] = ()  # its other key columns: a sibling row shares them
    holders: bool = False  # rows of holder_kind terminal only
    label: str = ""  # how the message names a row, after the table's name
    outcome: str = ""  # what the row does for those visits, matching none of them
    against: str = "visits"  # the table whose codes the rows name
    fix: str = ""  # what ends the warning, when not a row of `kind` spelt as the matched ones

    @property
    def by_port(self) -> bool:
        """The visits' codes are a port's; caecs' system ids are not of one port."""
        return self.against == "visits"

    def where(self, alias: str) -> str:
        return f"{alias}.holder_kind = 'terminal'" if self.holders else "true"

    def port(self, alias: str) -> list[str]:
        return [f"{alias}.port"] if self.by_port else []

    def same_port(self, one: str, other: str) -> list[str]:
        return [f"{one}.port = {other}.port"] if self.by_port else []


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
    # a session is its own record: its key (session_id, made when the file has none) is
    # shared by no other current row, so no sibling ends the warning but the session reloaded
    "capture": _Codes("capture", (("system_id", "system_id"),), ("session_id",),
                      against="caecs",
                      outcome="its system is one not listed in caecs (CARB AB14: the session's "
                      "minutes do not count as control)",
                      fix="load the session again with the system spelt as caecs has it "
                      "(`berthcheck load capture FILE --replace`), or a caecs row spelt as the "
                      "session has it (`berthcheck load caecs FILE`)"),
}


def _sql(table: str, codes: _Codes) -> str:
    mine = [r for r, _ in codes.columns]
    theirs = [v for _, v in codes.columns]
    exact = " AND ".join(codes.same_port("e", "r")
                         + [f"e.{v} = r.{r}" for r, v in codes.columns])
    folded = " AND ".join(codes.same_port("v", "r") + [
        f"{folded_sql('v.' + v)} = {folded_sql('r.' + r)}" for r, v in codes.columns])
    # a row of the table spelt as the visits spell it (loaded since: nothing is deleted, so
    # the misspelt row stays) leaves no visit without its row
    sibling = " AND ".join([*codes.same_port("s", "v"), codes.where("s"),
                            *(f"s.{r} = v.{v}" for r, v in codes.columns),
                            *(f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in codes.others)])
    port = codes.port("r")
    # names from the code (the tables and columns above), values never in the text; ordered
    # by the rows' own values to the end (two files of one name have rows of one number), so
    # the lines never follow the order rows were stored in
    return f"""
WITH codes AS (SELECT {', '.join([*codes.port(codes.against), *dict.fromkeys(theirs)])},
                      count(*) AS n
               FROM {codes.against} GROUP BY ALL)
SELECT r._source_file, r._source_row, {', '.join([*port, *('r.' + c for c in mine)])},
    {', '.join('v.' + c for c in theirs)}, v.n
FROM {table} r JOIN codes v ON {folded}
WHERE {codes.where("r")}
  AND NOT EXISTS (SELECT 1 FROM codes e WHERE {exact})
  AND NOT EXISTS (SELECT 1 FROM {table} s WHERE {sibling})
ORDER BY {', '.join(['r._source_file', 'r._source_row', *port])},
    {', '.join('r.' + c for c in (*mine, *codes.others))}, {', '.join('v.' + c for c in theirs)}
"""  # noqa: S608


def _with_unmatched_rows(con, tables: list[str]) -> set[str]:
    """Those of `tables` with a row whose codes no row of the matched table has letter for
    letter, in one statement. A line is of such a row (`_sql` asks that, and more), so only
    these tables are searched: each search took DuckDB about 4 ms of CPU to plan, five a
    CARB check, report or export, where most rows match exactly (this statement: about 7 ms
    for the five, and nothing else to run when no row is unmatched)."""
    if not tables:
        return set()
    parts = []
    for i, table in enumerate(tables):
        codes = _TABLES[table]
        exact = " AND ".join(codes.same_port("e", "r")
                             + [f"e.{v} = r.{r}" for r, v in codes.columns])
        parts.append(f"SELECT {i} AS k FROM {table} r WHERE {codes.where('r')} "  # noqa: S608
                     f"AND NOT EXISTS (SELECT 1 FROM {codes.against} e WHERE {exact})")
    return {tables[k] for (k,) in store.run(con, " UNION ".join(parts))}


def near_code_warnings(con, tables: set[str] | None = None) -> list[str]:
    """One line per row whose codes match loaded visits (a capture session's system: caecs
    rows) only ignoring case and spaces, while no row of its table is spelt as those are
    (`tables`: only these, e.g. the ones a pack reads; capture with caecs among them); then
    those of rows at a port in no ports table (engine.port_codes)."""
    from berthcheck.engine.port_codes import PORT_TABLES, unknown_port_warnings
    from berthcheck.engine.readiness import empty_tables

    wanted = [table for table, codes in _TABLES.items()
              if tables is None or {table, codes.against} - {"visits"} <= tables]
    port_tables = {t for t in PORT_TABLES if tables is None or t in tables}
    # a line is of a row of its table: an empty table (most stores hold no allowances, many
    # no berths) has none, and is not searched (about 80 ms of queries where all are empty)
    searched = {*wanted, *port_tables}
    filled = searched - set(empty_tables(con, searched))
    unmatched = _with_unmatched_rows(con, [table for table in wanted if table in filled])
    lines = []
    for table in wanted:
        codes = _TABLES[table]
        if table not in unmatched:
            continue
        width = 2 + len(codes.port("r")) + len(codes.columns)
        rows: dict[tuple, list[tuple]] = {}  # (file, row, port, codes) -> [(their codes, n)]
        for found in store.run(con, _sql(table, codes)):
            rows.setdefault(tuple(found[:width]), []).append(
                (tuple(found[width:-1]), int(found[-1])))
        for (source, line, *values), near in rows.items():
            where = f" at {values.pop(0)}" if codes.by_port else ""
            differing = [i for i, value in enumerate(values)
                         if any(spelt[i] != value for spelt, _ in near)]
            given = ", ".join(f"column {codes.columns[i][0]} {values[i]!r}" for i in differing)
            unit, theirs = (("visit", "visits there have") if codes.by_port else
                            ("row", f"{codes.against} rows have"))
            spellings = "; ".join(
                ", ".join(f"{codes.columns[i][1]} {spelt[i]!r}" for i in differing)
                + f" ({n} {unit}{'s' if n != 1 else ''})" for spelt, n in near)
            article = "an" if codes.kind[0] in "aeiou" else "a"
            fix = codes.fix or (f"load {article} {codes.kind} row spelt as they are "
                                f"(`berthcheck load {codes.kind} FILE`)")
            lines.append(
                f"{source}, row {line}: {table} row{codes.label}{where} with {given} "
                f"matches no loaded {'visit' if codes.by_port else codes.against + ' row'}, "
                f"but {theirs} {spellings}, which differ only by case or spaces: codes match "
                f"letter for letter, so {codes.outcome}; {fix}")
    return lines + unknown_port_warnings(con, port_tables & filled)


def after_load(con, kinds: set[str]) -> list[str]:
    """`near_code_warnings` for a `load` of these kinds: those of every table whose rows, or
    the codes they are matched to, were loaded (every reference table's once visits are; the
    capture sessions' once capture or caecs is); none for shore power, events and the other
    tables, which change no code's match (the lines would only repeat an earlier load's)."""
    from berthcheck.engine.port_codes import PORT_TABLES
    from berthcheck.ingest.kinds import KINDS

    loaded = {KINDS[k].table for k in kinds if k in KINDS}
    matched = {table: codes for table, codes in _TABLES.items()
               if {table, codes.against} & loaded}
    # rows at a port in no ports table: the loaded table's, every table's once visits are
    ports = PORT_TABLES if "visits" in loaded else PORT_TABLES & loaded
    if not matched and not ports:
        return []
    return near_code_warnings(con, set(matched) | {c.against for c in matched.values()} | ports)
