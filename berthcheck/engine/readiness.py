"""What an empty input table means for the verdicts, said before anyone reads them.

`load-dir` lists the kinds left empty that a pack for the loaded ports reads (`folder_warnings`);
`check` lists the empty ones its pack reads. Which
tables a pack reads is read off its SQL (`FROM t` / `JOIN t`), so a new pack needs no entry
here beyond the sentence for a table no pack read before.
"""

from __future__ import annotations

import functools
import re

from berthcheck import store
from berthcheck.ingest.kinds import KINDS

# table -> what its absence means (the packs' own fallbacks, see their stage SQL)
EMPTY_MEANING = {
    "visits": "no visits table: there is nothing to check",
    "terminals": "no terminals table: low-activity status comes from visit-counts or from the "
    "loaded visits of port-years declared complete in coverage; a terminal with neither is "
    "treated as regulated",
    "capture": "no capture table: no visit is credited with capture-and-control; visits at "
    "capture berths will be judged uncontrolled",
    "shore_power": "no shore-power table: no visit is credited with shore power; regulated "
    "visits without capture will be judged uncontrolled",
    "events": "no events table: no exception (nor, under CARB, a VIE or TIE) is applied to any "
    "visit",
    "berths": "no berths table: no berth is known to offer shore power, capture or on-shore "
    "power (OPS)",
    "caecs": "no caecs table: capture sessions count without checking their Executive Order "
    "(rule AB15 notes the approval was not verified)",
    "allowances": "no allowances table: VIE/TIE allowances are taken as a percentage of the "
    "holder's previous-year count (visit-counts, or a year declared complete in coverage); "
    "without one a VIE/TIE is not honoured",
    "visit_counts": "no visit-counts table: yearly counts come only from port- or fleet-years "
    "declared complete in coverage",
    "coverage": "no coverage table: the loaded visits are not known to be complete for any "
    "port or fleet",
    "ports_user": "no ports table: the built-in ports (time zones, CARB / AFIR flags) are used",
}


def tables_read(pack) -> set[str]:
    """The input tables a pack's SQL reads."""
    texts = [text for _rel, text in pack.stages] + [r.sql for r in pack.rules] + [pack.assemble]
    return set(_tables_in("\n".join(texts)))


@functools.lru_cache(maxsize=32)
def _tables_in(sql: str) -> frozenset[str]:
    """`tables_read` of a pack's SQL text, kept by that text: a `check` or `report` reads it
    twice (the empty tables, the code spellings), and a dozen searches of a large pack's SQL
    cost about 10 ms of CPU each time."""
    from berthcheck.engine.pack_text import strip_comments

    # a table a comment names is not read (a pack's headers quote SQL in their examples)
    sql = strip_comments(sql)
    tables = {k.table for k in KINDS.values()} | {"ports"}
    found = {
        t for t in tables
        if re.search(rf"\b(FROM|JOIN)\s+{t}\b", sql, flags=re.IGNORECASE)
    }
    if "ports" in found:  # the view over built-in and loaded ports
        found.discard("ports")
        found.add("ports_user")
    return frozenset(found)


def empty_tables(con, tables: set[str] | None = None) -> list[str]:
    """Input tables (current rows) with no rows, in load order."""
    from berthcheck.ingest.schema_doc import LOAD_ORDER

    names = [KINDS[k].table for k in LOAD_ORDER]
    if tables is not None:
        names = [t for t in names if t in tables]
    if not names:
        return []
    # every table in one statement (a statement per table cost a check ~1 ms each), each
    # read up to its first current row (LIMIT 1), where a count read all of them. A UNION ALL
    # giving the number of each table that has one: the same tests as eleven EXISTS columns
    # of one SELECT took DuckDB 28-30 ms of CPU to plan (3 ms this way), twice a `check`
    parts = [f"(SELECT {i} FROM {t} LIMIT 1)" for i, t in enumerate(names)]  # noqa: S608 - KINDS
    held = {i for (i,) in store.run(con, " UNION ALL ".join(parts))}
    return [t for i, t in enumerate(names) if i not in held]


def empty_warnings(con, tables: set[str] | None = None) -> list[str]:
    """One line per empty table: what it means for the verdicts."""
    return [EMPTY_MEANING.get(t, f"no {t} table") for t in empty_tables(con, tables)]


def pack_warnings(con, pack) -> list[str]:
    """`empty_warnings` for the tables this pack reads; the ports table is left out (the
    built-in ports stand in for it)."""
    return empty_warnings(con, tables_read(pack) - {"ports_user"})


# the built-in packs for ports outside California: a folder with no visit at a CARB At-Berth
# port is warned about the tables these read, not about the CARB pack's own (terminals, CAECS,
# allowances, visit-counts, coverage), which no pack would read for its visits
NON_CARB_PACKS = ("fueleu-art6", "cn-shore-power")


def folder_warnings(con) -> list[str]:
    """`empty_warnings` after a `load-dir`: every empty kind while a loaded visit is at a CARB
    At-Berth port (the `ports` view's flag) or no visit is loaded; otherwise the empty tables
    the other built-in packs read."""
    tables = None
    carb_visits = store.scalar(
        con, "SELECT count(*) FROM visits v JOIN ports p ON p.port = upper(trim(v.port)) "
        "WHERE p.carb_at_berth")
    any_visit = store.scalar(con, "SELECT count(*) > 0 FROM visits")
    if any_visit and not carb_visits:
        from berthcheck.engine.pack import load_pack

        tables = set().union(*(tables_read(load_pack(p)) for p in NON_CARB_PACKS))
    return empty_warnings(con, tables)
