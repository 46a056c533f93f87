"""Macros the engine defines in every pack's sandbox before the pack's first stage (the pack
contract, docs/packs.md section 3).

`bc_interval_union(pieces)`: the union of intervals per visit, the "gaps and islands" every pack
needs (control sessions over a window, excusing events, sessions over the stay). One macro
instead of the same window SQL copied into each stage (issue 16 item 5), and cheaper than the
copies were: ONE window pass over the pieces (running end before and through each piece, the
next piece's start, its place), where the copies sorted twice (a running end, then a running
count of island starts) and grouped. A piece starts an island when no earlier piece reaches it,
and ends one when the next piece starts after every piece so far has ended; a piece doing both
(most of them: one session per visit) is its island. Only the few pieces that start or end an
island of several pieces pass through a second, small window, which pairs each start with its
end.

`bc_interval_difference(wholes, holes)`: the parts of each whole interval that no hole covers,
per visit and part: an uncontrolled stretch less its excused time (CARB's violation days, the
Chinese pack's "uncontrolled 14:30 to 15:00"), which the two packs had written twice, two ways
(issue 16 item 5). Holes need not be merged: they may overlap, nest, repeat or touch, because
the piece before a hole starts at the furthest end of the holes before it (a running maximum, in
the one window pass per whole that the packs' lag or lead over merged holes made too). Requiring
merged holes would save no pass, and a pack that passed unmerged ones would get pieces that a
second hole covers, with no error. Each whole is cut on its own (wholes are not merged with each
other) and each piece names its whole, so a pack can group the pieces per stretch. A whole goes
through the window as one row per hole that overlaps it, or one row when none does: it comes out
as it is, but still through the window's sort, so a pack that knows which wholes are cut (an
excused-seconds column) passes only those and takes the others as they are (both built-in packs
do; on a million synthetic segments with one visit in twenty excused, CARB's statement went from
0.25 to 0.07 s of CPU).

`bc_local_text(ts, tz)`: an instant as a message writes it in the port's local time,
`2026-11-01 00:30`; a wall time the fall-back night shows twice (01:30 PDT and 01:30 PST, when
the wall clock an hour on or back reads the same) gets its UTC offset, `2026-11-01 01:30
UTC-08:00`, so that a stretch ending in the repeated hour does not read an hour short.

`bc_local_time(ts, tz)`: the same, with the time's seconds when it has any and a fraction of a
second when there is one (`2026-11-03 10:30:30`, `10:00:00.5`, `01:30:30 UTC-08:00`); a time on
the minute reads as bc_local_text writes it. A stretch's minutes are exact, so a time cut to the
minute read "30.5 min (10:00 to 10:30)". The three built-in packs write their messages' times
with it (carb-at-berth-2020 1.2.10, fueleu-art6 1.2.6, cn-shore-power 1.1.5). A new name rather
than a changed bc_local_text: packs written by others call that one and their messages stay as
they are.

`bc_minutes_text(seconds)`: a duration as a message writes it in minutes: whole minutes without
a trailing ".0" (`150`, not `150.0`), others to four decimals (`1.0167`); evidence keeps the
number. The CARB pack had it as a macro of its own since 1.2.1, while FuelEU and the Chinese
pack wrote "150.0 min".

Engine-provided rather than a stage file each pack copies: a fix or a faster plan reaches
every pack at once, and packs written by others get the same semantics. Their names are
reserved (engine/pack_sql.py): a stage may not define a macro of those names.
"""

from __future__ import annotations

from berthcheck import store

# Input: a table, view or CTE name with columns `visit_id`, `part` (a second key: the union is
# per visit and part; any type, a constant for one set), `s` and `e` (the interval [s, e);
# NOT NULL, s <= e). Output: one row per island, `visit_id, part, s, e`; touching intervals
# (one's end equal to the next's start) merge.
INTERVAL_UNION_SQL = """
CREATE OR REPLACE TEMP MACRO bc_interval_union(pieces) AS TABLE
WITH marked AS (
    SELECT visit_id, part, s,
        max(e) OVER (PARTITION BY visit_id, part ORDER BY s, e
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS _before,
        max(e) OVER (PARTITION BY visit_id, part ORDER BY s, e
                     ROWS UNBOUNDED PRECEDING) AS _through,
        lead(s) OVER (PARTITION BY visit_id, part ORDER BY s, e) AS _next,
        row_number() OVER (PARTITION BY visit_id, part ORDER BY s, e) AS _place
    FROM query_table(pieces)
),
flagged AS (
    SELECT visit_id, part, s, _through, _place,
        _before IS NULL OR s > _before AS _starts,
        _next IS NULL OR _next > _through AS _ends
    FROM marked
)
SELECT visit_id, part, s, _through AS e FROM flagged WHERE _starts AND _ends
UNION ALL
SELECT visit_id, part, s, e FROM (
    SELECT visit_id, part, s, _starts,
        lead(_through) OVER (PARTITION BY visit_id, part ORDER BY _place) AS e
    FROM flagged
    WHERE _starts <> _ends
)
WHERE _starts
"""

# Input: two table, view or CTE names, each with columns `visit_id`, `part` (as for the union:
# a hole cuts only the wholes of its own visit and part; NULL keys match as values), `s` and
# `e` ([s, e); NOT NULL, s <= e). Output: one row per remaining piece, `visit_id, part,
# whole_s, whole_e, s, e`: the piece [s, e) and the whole [whole_s, whole_e) it lies in.
# Pieces are non-empty and never touch one another (a hole of zero length cuts nothing);
# identical whole rows are one whole. Each whole is one row per hole overlapping it (clipped
# to it), or one row without a hole (the LEFT JOIN) when none does. In order of the holes'
# starts, each row gives the piece before its hole, from `_from`: the whole's start, or the
# furthest end of the holes before it (a running maximum: holes may overlap); the whole's last
# row (`_more` false) also gives the piece after every hole, from `_through`, the furthest end
# of all of them (the whole's start when it has none). One window sort, one row per hole.
INTERVAL_DIFFERENCE_SQL = """
CREATE OR REPLACE TEMP MACRO bc_interval_difference(wholes, holes) AS TABLE
WITH cut AS (
    SELECT w.visit_id, w.part, w.s AS _ws, w.e AS _we,
        -- NULL without a hole (greatest and least would skip the NULL and give the whole)
        CASE WHEN h.s IS NOT NULL THEN greatest(h.s, w.s) END AS _hs,
        CASE WHEN h.s IS NOT NULL THEN least(h.e, w.e) END AS _he
    FROM query_table(wholes) w
    LEFT JOIN query_table(holes) h
      ON h.visit_id IS NOT DISTINCT FROM w.visit_id AND h.part IS NOT DISTINCT FROM w.part
     AND h.s < w.e AND h.e > w.s AND h.s < h.e
),
marked AS (
    SELECT visit_id, part, _ws, _we, _hs,
        coalesce(max(_he) OVER (_whole ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), _ws)
            AS _from,
        coalesce(max(_he) OVER (_whole ROWS UNBOUNDED PRECEDING), _ws) AS _through,
        lead(true, 1, false) OVER _whole AS _more
    FROM cut
    WINDOW _whole AS (PARTITION BY visit_id, part, _ws, _we ORDER BY _hs, _he)
),
piece AS (
    SELECT visit_id, part, _ws, _we,
        unnest(CASE WHEN _more THEN [{'s': _from, 'e': _hs}]
                    ELSE [{'s': _from, 'e': _hs}, {'s': _through, 'e': _we}] END) AS _p
    FROM marked
)
SELECT visit_id, part, _ws AS whole_s, _we AS whole_e, _p.s AS s, _p.e AS e
FROM piece
WHERE _p.e > _p.s
"""

# the offset of `ts` at `tz`: its wall time read as UTC less the instant, as +HH:MM / -HH:MM
LOCAL_TEXT_SQL = """
CREATE OR REPLACE TEMP MACRO bc_local_text(ts, tz) AS
    strftime(timezone(tz, ts), '%Y-%m-%d %H:%M')
    || CASE WHEN timezone(tz, ts + INTERVAL 1 HOUR) = timezone(tz, ts)
              OR timezone(tz, ts - INTERVAL 1 HOUR) = timezone(tz, ts)
            THEN ' UTC' || CASE WHEN round(epoch(timezone(tz, ts)) - epoch(ts)) < 0 THEN '-' ELSE '+' END
                 || strftime(make_timestamp(0, 1, 1, 0, 0, 0) + to_seconds(
                        CAST(abs(epoch(timezone(tz, ts)) - epoch(ts)) AS BIGINT)), '%H:%M')
            ELSE '' END
"""

# bc_local_time binds the zone's conversions ONCE, in a one-element list of a struct that a
# lambda reads. A macro's parameter is copied into its body wherever the body names it: the
# earlier body expanded bc_local_text twice and named `timezone(tz, ts)` four times more, about
# twenty copies of the pack's argument to bind, 3.6-3.7 ms of planning per call (CPU of the
# planning thread, a trivial SELECT 0.33) where this one costs 2.2; the built-in packs call it
# about 5 (CARB), 10 (FuelEU) and 11 (China) times a check (17 and 18 before their session-28
# versions wrote each window's local times once). (bc_local_text, written out once, plans in
# 2.0 ms and runs faster as it is: a lambda would not pay there.) The text is the earlier text
# for every instant and zone: tests/test_pack_macros_local_time.py keeps the earlier body as its
# reference over DST nights of many zones and random instants 1850-2100. The lambda's body names
# only its own parameter, `_bc`, never `ts` or `tz`: a pack's argument `w.window_end` inside it
# would read a lambda parameter of that name.
#   w: the wall time; p, m: the wall times an hour on and back (the same as w on the night the
#   wall clock shows twice); e: the instant's epoch. The offset is written as bc_local_text
#   writes it: the wall time's epoch less the instant's, to the second (a zero offset is
#   `UTC+00:00`; the sign once followed the two doubles' rounding, and an instant with a
#   fraction of a second in London's or Dublin's repeated hour read `UTC-00:00`), the seconds
#   of a pre-1900 offset dropped.
# The wall time is written to the microsecond, `YYYY-MM-DD HH:MM:SS.ffffff`, less what reads as
# nothing: `:00.000000` on the minute, else the fraction's trailing zeros (and its point when it
# is all zeros): `10:30`, `10:30:30`, `10:00:00.5`. One strftime, one regular expression.
LOCAL_TIME_SQL = r"""
CREATE OR REPLACE TEMP MACRO bc_local_time(ts, tz) AS
list_transform([{'w': timezone(tz, ts), 'p': timezone(tz, ts + INTERVAL 1 HOUR),
                 'm': timezone(tz, ts - INTERVAL 1 HOUR), 'e': epoch(ts)}], lambda _bc:
    regexp_replace(strftime(_bc.w, '%Y-%m-%d %H:%M:%S.%f'), ':00\.0+$|\.?0+$', '')
    || CASE WHEN _bc.p = _bc.w OR _bc.m = _bc.w
            THEN ' UTC' || CASE WHEN round(epoch(_bc.w) - _bc.e) < 0 THEN '-' ELSE '+' END
                 || strftime(make_timestamp(
                        CAST(abs(epoch(_bc.w) - _bc.e) AS BIGINT) * 1000000), '%H:%M')
            ELSE '' END)[1]
"""

MINUTES_TEXT_SQL = r"""
CREATE OR REPLACE TEMP MACRO bc_minutes_text(seconds) AS
    regexp_replace(CAST(round(seconds / 60.0, 4) AS VARCHAR), '\.0$', '')
"""

# name -> how a pack calls it (docs/packs.md, generated)
ENGINE_MACROS = {
    "bc_interval_union": "bc_interval_union(pieces): columns visit_id, part, s, e in; one row "
                         "per island (visit_id, part, s, e) out",
    "bc_interval_difference": "bc_interval_difference(wholes, holes): columns visit_id, part, "
                              "s, e in, each; one row per piece of a whole no hole covers "
                              "(visit_id, part, whole_s, whole_e, s, e) out",
    "bc_local_text": "bc_local_text(ts, tz): an instant as port-local text, `2026-11-01 00:30`; "
                     "a wall time the fall-back night shows twice with its UTC offset, "
                     "`2026-11-01 01:30 UTC-08:00`",
    "bc_local_time": "bc_local_time(ts, tz): the same with the time's seconds when it has any, "
                     "`2026-11-03 10:30:30`, `10:00:00.5`, `2026-11-01 01:30:30 UTC-08:00`",
    "bc_minutes_text": "bc_minutes_text(seconds): a duration as minutes text, `150` (not "
                       "`150.0`) or `1.0167`",
}


def define_macros(sandbox) -> None:
    """Define the engine's macros in a pack's sandbox (before the pack's stages run)."""
    store.run(sandbox, INTERVAL_UNION_SQL)
    store.run(sandbox, INTERVAL_DIFFERENCE_SQL)
    store.run(sandbox, LOCAL_TEXT_SQL)
    store.run(sandbox, LOCAL_TIME_SQL)
    store.run(sandbox, MINUTES_TEXT_SQL)
