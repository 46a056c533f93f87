"""Cross-row checks of staged rows, in SQL against what is already stored: a vessel at two
berths at once, a port call's stays at one port on two ships (or spanning too long), sessions and events of unknown visits, or outside their visit's stay (clipped
within the tolerance, with a warning), and sessions overlapping on one visit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from berthcheck import store
from berthcheck.codes import folded_sql
from berthcheck.errors import RowError
from berthcheck.ingest.as_written import made_key_text, made_keys, raw_cells
from berthcheck.ingest.holders import allowance_ports
from berthcheck.ingest.kinds import MAX_STAY_DAYS, Kind, storage_name
from berthcheck.ingest.read import ROW

SESSION_TOLERANCE_MINUTES = 15  # data contract section 2: allowed, then clipped with a warning
SPANS = {  # kinds whose rows cover a stretch of their visit: (start column, end column)
    "shore-power": ("connected", "disconnected"),
    "capture": ("started", "ended"),
    "events": ("start", "end"),
}
# the stored visit's arrival and departure of each row of a SPANS kind, fetched with its zone
# (prepare.py) and staged with the row (load.py), with `_known_visit` (TRUE: a stored visit)
VISIT_STAY = ("_visit_arrival", "_visit_departure")
VISIT_COLUMNS = ("_known_visit", *VISIT_STAY)


def cross_row_checks(
    con, staged: pl.DataFrame, kind: Kind, label: str, cells: pl.DataFrame | None = None,
    *, visits_known: bool = False, stored: bool | None = None,
) -> tuple[list[RowError], list[RowError], pl.DataFrame]:
    """Return (errors, warnings, staged frame with clipped spans). `cells`: the file's text
    (ROW and `_raw_<column>`), so a message quotes a value as the file wrote it.
    `visits_known`: every staged row's visit is loaded, as the file's typing found (each
    session or event of a visit not loaded is refused there: prepare.py, `_known_visit`), so
    the stored visits are not searched for them again. `stored`: whether the kind's own
    versions table has a row, if the caller knows it (False: no stored row can pair)."""
    errors: list[RowError] = []
    warnings: list[RowError] = []
    if staged.is_empty():
        return errors, warnings, staged.drop(VISIT_COLUMNS, strict=False)
    store.register(con, "_staged", staged, batch_rows=store.SCAN_BATCH_ROWS)
    try:
        if kind.name == "visits":
            if _pairs_possible(con, staged, "imo", "visits", stored):
                errors += _vessel_overlaps(con, label, cells, stored)
            errors += _port_call_conflicts(con, label, cells, staged, stored)
        elif kind.name == "allowances":
            port_errors, port_warnings, staged = allowance_ports(con, staged, label)
            errors += port_errors
            warnings += port_warnings
        elif kind.name in SPANS:
            if not visits_known:
                errors += _unknown_visits(con, label)
            span_errors, span_warnings, clipped = _spans_within_visit(con, staged, kind,
                                                                      label, cells)
            errors += span_errors
            warnings += span_warnings
            if kind.name != "events":
                if clipped is not staged:
                    # the overlaps read the spans as clipped (a file with none clipped is the
                    # frame already registered: not handed over again, 0.6 ms a small file)
                    con.unregister("_staged")
                    store.register(con, "_staged", clipped, batch_rows=store.SCAN_BATCH_ROWS)
                if _pairs_possible(con, clipped, "visit_id", kind.table, stored):
                    errors += _session_overlaps(con, kind, label, cells, stored)
            staged = clipped
    finally:
        con.unregister("_staged")
    # the visits' stays were for the checks here: the rows stored are the kind's columns
    return errors, warnings, staged.drop(VISIT_COLUMNS, strict=False)


def _unknown_visits(con, label: str) -> list[RowError]:
    rows = store.run(
        con,
        "SELECT s._source_row, s.visit_id FROM _staged s "
        "WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.visit_id = s.visit_id) "
        "ORDER BY 1",
    )
    return unknown_visit_errors(con, label, rows)


# The ids are bound; the fold's names are the code's. Every loaded visit is folded to be
# compared: `folded_sql`'s regular expression over a million ids was most of the query (0.29
# CPU s a file of unknown visits at 1M, a tenth of a capture file's load). Its `\s` is RE2's,
# exactly tab, LF, form feed, CR and space, so an id holding none of them folds to its lower
# case: only ids with one are folded by the expression (0.14 CPU s; the same visits).
_BLANKS = " OR ".join(f"contains(v.visit_id, chr({c}))" for c in (9, 10, 12, 13, 32))
_NEAR_VISITS_SQL = f"""WITH folded AS (
    SELECT v.visit_id, CASE WHEN {_BLANKS} THEN {folded_sql('v.visit_id')}
                            ELSE lower(v.visit_id) END AS fold FROM visits v)
SELECT t.given, list(DISTINCT v.visit_id ORDER BY v.visit_id)[1:3]
FROM unnest(CAST($ids AS VARCHAR[])) AS t(given) JOIN folded v
ON v.fold = {folded_sql('t.given')} GROUP BY t.given"""  # noqa: S608


def unknown_visit_errors(con, label: str, rows) -> list[RowError]:
    """An error per (row, visit_id) naming no loaded visit. Visit ids match letter for letter
    (they are identifiers; docs/contract.md 2, "Codes"); one the loaded visits have but for
    case or spaces (`v1` for `V1`) is named in the reason, found by one query over the
    unknown ids (only on this error path)."""
    rows = list(rows)
    if not rows:
        return []
    ids = sorted({str(visit) for _, visit in rows})
    near: dict[str, list[str]] = dict(store.run(con, _NEAR_VISITS_SQL, {"ids": ids}))
    quarantined = _quarantined_visit_rows(con, ids)
    errors = []
    for row, visit in rows:
        reason = "no such visit is loaded (load the visits first)"
        if (refused := quarantined.get(str(visit))) is not None:
            # loaded it was, one step before (`load-dir --quarantine`, or an earlier load):
            # "load the visits first" sent the user to do again what they had done
            file, source_row, column, why = refused
            reason = (f"no such visit is loaded: its visits row was quarantined ({file} row "
                      f"{source_row}{f', column {column}' if column else ''}: {why}); correct "
                      "that row, then load it and this row again")
        elif spelt := near.get(str(visit)):
            reason = (f"no such visit is loaded; the loaded visits have "
                      f"{' and '.join(repr(s) for s in spelt)}, which "
                      f"{'differs' if len(spelt) == 1 else 'differ'} only by case or spaces "
                      "(visit ids match letter for letter)")
        errors.append(RowError(label, row, "visit_id", visit, reason))
    return errors


def _quarantined_visit_rows(con, ids: list[str]) -> dict[str, tuple]:
    """The quarantined visits row of each of these visit ids that has one (the latest load's,
    its first problem): (file, row, column, reason). Only on this error path."""
    rows = store.run(con, """
        SELECT visit_id, source_file, source_row, column_name, reason FROM (
            SELECT json_extract_string(record, '$.visit_id') AS visit_id, source_file,
                   source_row, column_name, reason, batch_id
            FROM quarantine WHERE kind = 'visits')
        WHERE list_contains(CAST($ids AS VARCHAR[]), visit_id)
        ORDER BY visit_id, batch_id DESC, source_row, column_name NULLS FIRST""", {"ids": ids})
    found: dict[str, tuple] = {}
    for visit, *refused in rows:
        found.setdefault(visit, tuple(refused))
    return found


@dataclass
class SpanFit:
    """What a load makes of one session's or event's span against its visit's stay: errors
    (outside by more than the tolerance), or the clipped start and end (None: kept as given),
    each said in a warning."""

    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None


def fit_span(label: str, row: int, kind: Kind, arrival: datetime, departure: datetime,
             s: datetime, e: datetime, open_start: bool, *, why: str = "",
             given: tuple[str | None, str | None] = (None, None)) -> SpanFit:
    """The data contract's test of a span `[s, e)` (an event's open end already filled in
    with the visit's arrival or departure) against the stay `[arrival, departure]`: a fresh
    load and `load visits --replace` (berthcheck/ingest/replace.py) both decide by it, so a
    corrected visit clips its stored sessions exactly as a fresh load of it would. `why` is
    added to each message (the replace names the visit row that moved the stay). `given`: the
    start and end cells as the file wrote them, when known: a message quotes the cell and says
    the instant it was read as (`read_as` reads that back for a later replace)."""
    start, end = SPANS[kind.name]
    fit = SpanFit()
    tolerance = timedelta(minutes=SESSION_TOLERANCE_MINUTES)

    def said(column: str, instant: datetime, reason: str) -> RowError:
        text = given[0] if column == start else given[1]
        if text is None:  # no cell at hand (a stored row a replace tests): the instant
            return RowError(label, row, column, instant.isoformat(), reason)
        return RowError(label, row, column, text,
                        f"{READ_AS} {instant.isoformat()}, {reason}")

    if s >= departure or e <= arrival:
        column, value = (end, e) if open_start else (start, s)
        fit.errors.append(said(column, value, f"lies entirely outside its visit's stay{why}"))
        return fit
    if s < arrival - tolerance:
        fit.errors.append(said(start, s, f"before the visit's arrival ({arrival.isoformat()}) "
                               f"by more than {SESSION_TOLERANCE_MINUTES} minutes{why}"))
    elif s < arrival:
        fit.start = arrival
        fit.warnings.append(said(start, s,
                                 f"before arrival; clipped to {arrival.isoformat()}{why}"))
    if e > departure + tolerance:
        fit.errors.append(said(end, e, f"after the visit's departure ({departure.isoformat()}) "
                               f"by more than {SESSION_TOLERANCE_MINUTES} minutes{why}"))
    elif e > departure:
        fit.end = departure
        fit.warnings.append(said(end, e,
                                 f"after departure; clipped to {departure.isoformat()}{why}"))
    return fit


READ_AS = "read as"
_READ_AS = re.compile(READ_AS + r" (\d{4}-\d\d-\d\dT[0-9:.]+(?:[+-]\d\d:\d\d|Z))")


def read_as(message: str) -> datetime | None:
    """The instant a span message of `fit_span` says its cell was read as (None: it says none)."""
    found = _READ_AS.match(message)
    return datetime.fromisoformat(found.group(1)) if found else None


def _spans_within_visit(con, staged: pl.DataFrame, kind: Kind, label: str,
                        cells: pl.DataFrame | None = None):
    """(errors, warnings, spans) of the file's spans against their visits' stays: the spans
    clipped to their visit where they reach past it, or `staged` itself (the same object) when
    none does, which `cross_row_checks` relies on to leave the frame registered as it is."""
    start, end = SPANS[kind.name]
    s_col, e_col = storage_name(start), storage_name(end)
    # Each row's visit's stay came with its zone (prepare.py, `VISIT_STAY`; `_known_visit`
    # where the row's visit is stored): the same rows and values as joining the file's rows
    # with the stored visits again, which cost about 0.3 CPU s of the 1M benchmark's load.
    arrival, departure = (f"s.{c}" for c in VISIT_STAY)
    rows = store.fetch_polars(
        con,
        # an open end of an event is its visit's arrival or departure (data contract 2)
        f"""SELECT s._source_row, {arrival} AS arrival, {departure} AS departure,
                   coalesce(s.{s_col}, {arrival}) AS s, coalesce(s.{e_col}, {departure}) AS e,
                   s.{s_col} IS NULL AS open_start
            FROM _staged s
            WHERE s._known_visit AND NOT (s.{s_col} IS NULL AND s.{e_col} IS NULL)
              AND (s.{s_col} < {arrival} OR s.{e_col} > {departure}
                   OR s.{s_col} >= {departure} OR s.{e_col} <= {arrival})
            -- the file's order: a join's rows come in whatever order its threads give, and
            -- the warnings (load's report, `load --json`) are listed in this order
            ORDER BY s._source_row""",  # noqa: S608
        small=staged.height < store.SMALL_TABLE_ROWS,  # a small file's rows: bound once
    )
    errors, warnings = [], []
    clip_start: dict[int, object] = {}
    clip_end: dict[int, object] = {}
    text = raw_cells(cells, rows[ROW].to_list(), [start, end])
    for r in rows.iter_rows(named=True):
        fit = fit_span(label, r[ROW], kind, r["arrival"], r["departure"], r["s"], r["e"],
                       r["open_start"],
                       given=(text.get((r[ROW], start)), text.get((r[ROW], end))))
        errors += fit.errors
        warnings += fit.warnings
        if fit.start is not None:
            clip_start[r[ROW]] = fit.start
        if fit.end is not None:
            clip_end[r[ROW]] = fit.end
    if clip_start or clip_end:
        dtype = staged.schema[s_col]

        def patch(column: str, values: dict[int, object]) -> pl.Expr:
            if not values:
                return pl.col(column)
            lookup = pl.DataFrame(
                {ROW: list(values), "__v": list(values.values())},
                schema={ROW: pl.Int64, "__v": dtype},
            )
            return pl.coalesce(
                pl.col(ROW).replace_strict(lookup[ROW], lookup["__v"], default=None,
                                           return_dtype=dtype),
                pl.col(column),
            )

        staged = staged.with_columns(
            patch(s_col, clip_start).alias(s_col), patch(e_col, clip_end).alias(e_col)
        )
    return errors, warnings, staged


# A stored row is paired only with rows of its own group (a visit's sessions, a vessel's
# visits), and only pairs with a row of the file are errors: the stored rows of groups the file
# has no row in are left out of the pool (a month's sessions were windowed with every stored
# session). The same pairs come out.
_OF_STAGED = "t.{group} IN (SELECT {group} FROM _staged)"


def _pool(staged_sql: str, stored_sql: str, stored: bool | None) -> str:
    """The rows a check pairs: the staged ones, and the stored ones it reads (`stored_sql`,
    the kind's own table) unless that table has no row at all (`stored` False, as the loader
    found): the same rows, of the same types (the staged frame holds the table's columns), for
    about 1.5-2.5 ms less planning a small file (a first load of a kind: most of the suite's)."""
    return staged_sql if stored is False else f"{staged_sql}\n        UNION ALL{stored_sql}"


def _pairs_possible(con, staged: pl.DataFrame, group: str, table: str,
                    stored: bool | None = None) -> bool:
    """Whether `_overlapping_pairs` can find a pair: only rows of one group pair, so it finds
    none when no two staged rows share a group and no stored row (current, of `table`) is of a
    staged row's group. Asked of small files only: their pairs' window query was about 5 ms of
    planning, which most of the suite's loads paid for none (a visit into an empty store). A
    NULL group pairs with nothing (the pairs' join is on equal groups). A stored row the file
    replaces, and a version another replaced, count here (the versions table is read, not
    its view of current rows, which costs more to plan): asking too often is safe, the query
    then decides. A larger file nearly always has a group of two rows: not asked. `stored`
    False: `table` has no row at all (the loader knows it), so none is asked for either."""
    if staged.height > store.SMALL_TABLE_ROWS:
        return True
    if staged.get_column(group).drop_nulls().is_duplicated().any():
        return True
    if stored is False:
        return False
    return bool(store.scalar(
        con, f"SELECT EXISTS (SELECT 1 FROM {table}_versions t "  # noqa: S608 - our names
        f"WHERE {_OF_STAGED.format(group=group)})"))


def _overlapping_pairs(con, pool_sql: str, group: str) -> list[tuple]:
    """Pairs (new row, other) of intervals that overlap within a group.

    A window pass finds the rows that overlap anything (sorted by start, a row overlaps iff it
    starts before the latest end so far, or ends after the earliest later start); only those
    are paired, so this stays O(n log n) when a vessel has hundreds of visits.

    Rows are sorted by start alone, and every row of an overlapping pair is marked whatever
    order rows of one start take in either window. Take a pair, A starting no later than B
    (A.s <= B.s, B.s < A.e, A.s < B.e). B's frame is every row of its group starting before
    or with it but B itself (RANGE, not ROWS: all its peers, in any order), so it holds A and
    its latest end is after B's start: B is marked. If A starts with B, A's frame holds B
    likewise and A is marked. If A starts before B, the row right after A in its group
    (`lead`) is a peer of A or the first to start after A, so it starts no later than B,
    before A's end: A is marked. (A NULL start or end overlaps nothing: no comparison with
    it holds.) The marked rows are then paired exactly: the same pairs as sorting by start
    and id, which cost a string sort key in the million-row sort and a second framed
    aggregate (the 1M benchmark's visits' query about 15 % less CPU).
    """
    return store.run(
        con,
        f"""WITH pool AS ({pool_sql}),
            marked AS (
                SELECT *,
                    s < max(e) OVER w_before AS hits_before,
                    e > lead(s) OVER w_sorted AS hits_after
                FROM pool
                WINDOW w_before AS (PARTITION BY {group} ORDER BY s
                                    RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                                    EXCLUDE CURRENT ROW),
                       w_sorted AS (PARTITION BY {group} ORDER BY s)
            ),
            hit AS (SELECT * FROM marked WHERE hits_before OR hits_after)
            SELECT a.row, a.id, a.label, b.id, b.new, b.row
            FROM hit a JOIN hit b ON a.{group} = b.{group} AND a.id <> b.id
             AND a.s < b.e AND b.s < a.e
            WHERE a.new AND (NOT b.new OR a.row > b.row)
            ORDER BY 1, 4""",  # noqa: S608 - our names only
    )


def _session_overlaps(con, kind: Kind, label: str, cells: pl.DataFrame | None = None,
                      stored: bool | None = None) -> list[RowError]:
    start, end = (storage_name(c) for c in SPANS[kind.name])
    key = kind.key[0]
    pool = _pool(f"""
        SELECT {key} AS id, {key} AS label, visit_id, {start} AS s, {end} AS e,
               _source_row AS row, TRUE AS new FROM _staged""", f"""
        SELECT {key}, {key}, visit_id, {start}, {end}, _source_row, FALSE FROM {kind.table} t
        WHERE NOT EXISTS (SELECT 1 FROM _staged n WHERE n.{key} = t.{key})
          AND {_OF_STAGED.format(group="visit_id")}""", stored)  # noqa: S608
    errors = []
    pairs = _overlapping_pairs(con, pool, "visit_id")
    # a session whose id cell is empty: its id is the loader's, not the file's (said so)
    made = made_keys(cells, [p[0] for p in pairs] + [p[5] for p in pairs if p[4]], kind)
    for row, session, _label, other, other_new, other_row in pairs:
        where = f"row {other_row} of this file" if other_new else "an already loaded session"
        if other_new and other_row in made:
            where += ", whose session_id cell is empty too"
        errors.append(RowError(
            label, row, "session_id", "" if row in made else session,
            f"overlaps session {other} ({where}) on the same visit"
            + (made_key_text(kind, session) if row in made else "")))
    return errors


def _vessel_overlaps(con, label: str, cells: pl.DataFrame | None = None,
                     stored: bool | None = None) -> list[RowError]:
    pool = _pool("""
        SELECT visit_id AS id, imo AS label, imo, arrival AS s, departure AS e,
               _source_row AS row, TRUE AS new FROM _staged""", """
        SELECT visit_id, imo, imo, arrival, departure, _source_row, FALSE FROM visits t
        WHERE NOT EXISTS (SELECT 1 FROM _staged n WHERE n.visit_id = t.visit_id)
          AND """ + _OF_STAGED.format(group="imo"), stored)  # noqa: S608 - our names only
    pairs = _overlapping_pairs(con, pool, "imo")
    # the cell as written (`IMO 9321483`), the number it was read as in the reason
    text = raw_cells(cells, [p[0] for p in pairs], ["imo"])
    return [
        RowError(label, row, "imo", text.get((row, "imo"), str(imo)),
                 f"vessel IMO {imo} is at berth in visit {other} at the same time "
                 f"({'row ' + str(other_row) + ' of this file' if new else 'already loaded'})")
        for row, _id, imo, other, new, other_row in pairs
    ]


def _port_call_conflicts(con, label: str, cells: pl.DataFrame | None,
                         staged: pl.DataFrame, stored: bool | None = None) -> list[RowError]:
    """A `port_call` value names one FuelEU port call within its port: ports number their own
    calls, and a line's references are its ships' own, so the same value at another port is
    another call. At one port, every stay carrying it must be the same ship (imo), and the
    call, first arrival to last departure, no longer than a stay may be (MAX_STAY_DAYS: a check
    hands a pack the stays of a call within that reach of its scope,
    engine/judged_visits.py). Stays of one ship never overlap (`_vessel_overlaps`). A row is
    named with the stay it conflicts with (the first by arrival); of two rows of the file, the
    later.
    `staged`: the staged frame (registered as `_staged`): a file with no port_call value can
    conflict with nothing, and its query is not run (a million visits' stage was scanned three
    times for none). `stored`: whether the visits table has a row (`_pool`)."""
    if staged.get_column("port_call").null_count() == staged.height:
        return []
    pool = _pool("""
        SELECT visit_id, port_call, imo, port, arrival, departure, _source_row AS row,
               TRUE AS new FROM _staged WHERE port_call IS NOT NULL""", """
        SELECT visit_id, port_call, imo, port, arrival, departure, _source_row, FALSE
        FROM visits t
        WHERE port_call IS NOT NULL
          AND (port, port_call) IN (SELECT port, port_call FROM _staged
                                    WHERE port_call IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM _staged n WHERE n.visit_id = t.visit_id)""", stored)
    rows = store.run(con, f"""
        WITH pool AS ({pool}),
        other AS (
            SELECT a.row, a.port_call, a.imo, a.port, b.visit_id AS other, b.imo AS other_imo,
                   b.new AS other_new, b.row AS other_row,
                   row_number() OVER (PARTITION BY a.row ORDER BY b.arrival, b.visit_id) AS n
            FROM pool a JOIN pool b ON a.port = b.port AND a.port_call = b.port_call
             AND a.visit_id <> b.visit_id AND a.imo <> b.imo
            -- two rows of the file: the later one is blamed (as a duplicate is)
            WHERE a.new AND (NOT b.new OR a.row > b.row)
        ),
        span AS (
            SELECT port, port_call, min(arrival) AS first_arrival,
                   max(departure) AS last_departure
            FROM pool GROUP BY port, port_call
            HAVING max(departure) - min(arrival) > INTERVAL {int(MAX_STAY_DAYS)} DAY
        )
        SELECT row, port_call, imo, port, other, other_imo, other_new, other_row,
               NULL, NULL FROM other WHERE n = 1
        UNION ALL
        SELECT p.row, p.port_call, NULL, p.port, NULL, NULL, NULL, NULL,
               strftime(timezone('UTC', s.first_arrival), '%Y-%m-%dT%H:%MZ'),
               strftime(timezone('UTC', s.last_departure), '%Y-%m-%dT%H:%MZ')
        FROM pool p JOIN span s USING (port, port_call)
        -- the call's last row of the file is blamed
        WHERE p.new AND p.row NOT IN (SELECT row FROM other)
          AND p.row = (SELECT max(q.row) FROM pool q
                       WHERE q.new AND q.port = p.port AND q.port_call = p.port_call)
        ORDER BY 1""")  # noqa: S608 - our names and an int
    errors = []
    written = raw_cells(cells, [r[0] for r in rows], ["port_call"])
    for (row, call, imo, port, other, other_imo, other_new, other_row, first, last) in rows:
        cell = written.get((row, "port_call"), call)  # as written (spaces kept)
        if first is not None:
            errors.append(RowError(
                label, row, "port_call", cell,
                f"port call {call} at {port} runs from {first} to {last}, first arrival to "
                f"last departure: more than {MAX_STAY_DAYS} days (a port call's stays are one "
                "ship's stays at one port, back to back; a value used again for a later call "
                "at the same port needs a value of its own)"))
            continue
        where = f"row {other_row} of this file" if other_new else "already loaded"
        errors.append(RowError(
            label, row, "port_call", cell,
            f"port call {call} at {port} is also on visit {other} ({where}) of ship IMO "
            f"{other_imo}, not {imo}: at one port, one port call is one ship's stays"))
    return errors
