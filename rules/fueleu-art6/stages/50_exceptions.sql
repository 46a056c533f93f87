-- stage: exceptions of Art. 6(5) over part of the stay, and the yearly limit on the
-- unavailability / incompatibility exceptions (an Art. 6 paragraph not retrieved; parameters
-- capped_exception_*, UNCONFIRMED).
-- Exception events clipped to W.
CREATE OR REPLACE TEMP TABLE fe_exception_piece AS
SELECT
    w.visit_id, x.kind, x.event_id,
    list_contains($capped_exception_kinds, x.kind) AS capped,
    greatest(x.s, w.window_start) AS s,
    least(x.e, w.window_end) AS e
FROM fe_window w
JOIN fe_event x ON x.visit_id = w.visit_id
WHERE list_contains($partial_exception_kinds, x.kind)
  AND w.window_start < w.window_end
  AND x.s < w.window_end
  AND x.e > w.window_start;

-- A port call uses a capped exception when a capped-kind event covers some of the W not on
-- OPS of any of its stays: once, however many of its stays claim it. Uses are numbered per
-- ship (or ship and port) and the port-local year of the call's (last) departure, in order of
-- the call's first arrival (ties by its first stay's visit_id), over every loaded call
-- whatever the period checked. fe_cap_claim: one row per call, on its first claiming stay
-- (FE08); fe_cap_use: the call's number on each stay that claims it.
CREATE OR REPLACE TEMP TABLE fe_cap_stay AS
WITH piece AS (SELECT visit_id, 0 AS part, s, e FROM fe_exception_piece WHERE capped),
capped_union AS (
    -- capped-kind events merged per visit (pack 1.2.9: a table of its own that only this
    -- statement read)
    SELECT visit_id, s, e FROM bc_interval_union(piece)
),
need AS (
    -- the not-on-OPS time they would excuse
    SELECT u.visit_id, sum(seconds_between(greatest(u.s, g.s), least(u.e, g.e))) AS seconds
    FROM capped_union u
    JOIN fe_segment g ON g.visit_id = u.visit_id AND u.s < g.e AND u.e > g.s
    GROUP BY u.visit_id
)
SELECT n.visit_id, n.seconds, c.call_key, c.port_call, c.imo, c.port, c.call_year,
    c.call_arrival, c.arrival, c.call_stays
FROM need n
JOIN fe_call c ON c.visit_id = n.visit_id
WHERE n.seconds > 0;

CREATE OR REPLACE TEMP TABLE fe_cap_claim AS
WITH kinds AS (
    SELECT c.call_key,
        string_agg(DISTINCT p.kind, '+' ORDER BY p.kind) AS kinds,
        string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids
    FROM fe_exception_piece p
    JOIN fe_cap_stay c ON c.visit_id = p.visit_id
    WHERE p.capped
    GROUP BY c.call_key
),
calls AS (
    SELECT call_key, port_call, imo, port, call_year AS year, call_arrival, call_stays,
        arg_min(visit_id, arrival) AS visit_id,
        string_agg(visit_id, ', ' ORDER BY arrival, visit_id) AS claiming_stays,
        sum(seconds) AS seconds
    FROM fe_cap_stay
    GROUP BY call_key, port_call, imo, port, call_year, call_arrival, call_stays
),
numbered AS (
    SELECT
        c.*, k.kinds, k.event_ids,
        row_number() OVER (
            PARTITION BY c.imo, c.year,
                         CASE WHEN $capped_exception_count_per = 'ship_port' THEN c.port END
            ORDER BY c.call_arrival, c.visit_id
        ) AS use_number
    FROM calls c
    JOIN kinds k ON k.call_key = c.call_key
)
SELECT
    *,
    CAST($capped_exception_limit AS INTEGER) AS use_limit,
    $capped_exception_limit < 0 OR use_number <= $capped_exception_limit AS honoured
FROM numbered;

CREATE OR REPLACE TEMP TABLE fe_cap_use AS
SELECT s.visit_id, k.use_number, k.honoured
FROM fe_cap_stay s
JOIN fe_cap_claim k ON k.call_key = s.call_key;

-- The exception events that count: every partial kind, capped kinds only on honoured uses.
-- (A UNION ALL, not `NOT capped OR EXISTS (...)`: a disjunction with a subquery is joined row
-- by row, each branch alone is a plain filter and a semi join.)
CREATE OR REPLACE TEMP TABLE fe_excuse_piece AS
SELECT p.*
FROM fe_exception_piece p
WHERE NOT p.capped
UNION ALL
SELECT p.*
FROM fe_exception_piece p
WHERE p.capped
  AND p.visit_id IN (SELECT k.visit_id FROM fe_cap_use k WHERE k.honoured);

CREATE OR REPLACE TEMP TABLE fe_excuse AS
WITH piece AS (SELECT visit_id, 0 AS part, s, e FROM fe_excuse_piece)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- Each not-on-OPS segment with the seconds of it that are excused. The LEFT JOIN is guarded:
-- without an excusing interval the overlap is 0, never the whole segment.
CREATE OR REPLACE TEMP TABLE fe_segment_net AS
SELECT
    g.visit_id, g.segment_kind, g.s, g.e,
    seconds_between(g.s, g.e) AS seconds,
    coalesce(sum(CASE WHEN x.visit_id IS NULL THEN 0
                      ELSE seconds_between(greatest(x.s, g.s), least(x.e, g.e)) END), 0)
        AS excused_seconds
FROM fe_segment g
LEFT JOIN fe_excuse x ON x.visit_id = g.visit_id AND x.s < g.e AND x.e > g.s
GROUP BY g.visit_id, g.segment_kind, g.s, g.e;

-- Which kinds of event excused not-on-OPS time, with their ids and seconds (kinds may
-- overlap each other, so these seconds need not add up to the excused total).
CREATE OR REPLACE TEMP TABLE fe_excused_kind AS
WITH merged AS (
    SELECT visit_id, kind,
        string_agg(DISTINCT event_id, ';' ORDER BY event_id) AS event_ids
    FROM fe_excuse_piece GROUP BY visit_id, kind
),
per_kind AS (
    -- one kind's pieces merged, so overlapping events of a kind count once
    SELECT visit_id, kind AS part, s, e FROM fe_excuse_piece
),
islands AS (
    SELECT visit_id, part AS kind, s, e FROM bc_interval_union(per_kind)
)
SELECT i.visit_id, i.kind, m.event_ids,
    sum(seconds_between(greatest(i.s, g.s), least(i.e, g.e))) AS seconds,
    -- the port-local times it excused (FE05, FE07; pack 1.2.8: only the minutes), to hold
    -- against the records of the fault or emergency
    string_agg(local_text(greatest(i.s, g.s), w.tz) || ' to ' || local_text(least(i.e, g.e), w.tz),
               ' and ' ORDER BY greatest(i.s, g.s)) AS excused_times,
    min(greatest(i.s, g.s)) AS first_excused
FROM islands i
JOIN fe_segment g ON g.visit_id = i.visit_id AND i.s < g.e AND i.e > g.s
JOIN merged m ON m.visit_id = i.visit_id AND m.kind = i.kind
JOIN fe_window w ON w.visit_id = i.visit_id
GROUP BY i.visit_id, i.kind, m.event_ids;

-- Per segment: its open times; per visit (gs NULL): all of them, in time order (FE05, whose
-- stay is one segment; it reads them only where events excused some of it). One statement
-- (pack 1.2.9: the pieces were a table of their own that only this read).
CREATE OR REPLACE TEMP TABLE fe_open_text AS
WITH x AS (
    SELECT g.visit_id, g.s AS gs, g.e AS ge,
        greatest(x.s, g.s) AS xs, least(x.e, g.e) AS xe
    FROM fe_segment g
    JOIN fe_excuse x ON x.visit_id = g.visit_id AND x.s < g.e AND x.e > g.s
),
b AS (
    SELECT x.*, lag(xe) OVER (PARTITION BY visit_id, gs ORDER BY xs) AS prev_xe FROM x
),
pieces AS (
    -- before each excused island: from the segment's start or the previous island's end
    SELECT visit_id, gs, coalesce(prev_xe, gs) AS s, xs AS e FROM b
    UNION ALL
    -- after the last island
    SELECT visit_id, gs, max(xe), ge FROM b GROUP BY visit_id, gs, ge
),
open_piece AS (
    -- each not-on-OPS segment that events partly excuse, less the excused time (fe_excuse,
    -- merged, so the pieces between its islands are never empty): the times the ship answers
    -- for, in port-local time (pack 1.2.8: FE05 named the whole stay's times when events
    -- excused part of it, FE06 named no time of a stretch at all). Segments no event touches
    -- are not here: a message writes their own times (and the cost stays with the few
    -- excused ones).
    SELECT visit_id, gs, s, e FROM pieces WHERE s < e
)
SELECT p.visit_id, p.gs,
    string_agg(local_text(p.s, w.tz) || ' to ' || local_text(p.e, w.tz), ' and ' ORDER BY p.s)
        AS open_times,
    -- the same times as evidence (FE05 `not_excused`, which the report's listing shows)
    list({'from': iso_utc(p.s), 'to': iso_utc(p.e)} ORDER BY p.s) AS open_pieces
FROM open_piece p
JOIN fe_window w ON w.visit_id = p.visit_id
GROUP BY GROUPING SETS ((p.visit_id, p.gs), (p.visit_id));

-- Each not-on-OPS stretch of a stay partly on OPS as FE06 writes it, in time order: what it
-- is, its minutes not excused, its port-local times, and what of it was excused ("late
-- connection 180 min: 2030-06-03 06:00 to 2030-06-03 12:00 less 180 min excused,
-- non-compliant 2030-06-03 09:00 to 2030-06-03 12:00"), as cn-shore-power's CN08. A stretch
-- wholly excused is left out (FE07 names it); so are stays not on OPS at all (FE05's).
CREATE OR REPLACE TEMP TABLE fe_stretch_text AS
SELECT
    g.visit_id,
    string_agg(
        CASE g.segment_kind WHEN 'late_connection' THEN 'late connection'
                            WHEN 'early_disconnection' THEN 'early disconnection'
                            ELSE g.segment_kind END
        || ' ' || bc_minutes_text(g.seconds - g.excused_seconds) || ' min: '
        || local_text(g.s, w.tz) || ' to ' || local_text(g.e, w.tz)
        || CASE WHEN g.excused_seconds > 0
                THEN ' less ' || bc_minutes_text(g.excused_seconds)
                     || ' min excused, non-compliant ' || o.open_times
                ELSE '' END,
        '; ' ORDER BY g.s) AS stretches
FROM fe_segment_net g
JOIN fe_window w ON w.visit_id = g.visit_id
LEFT JOIN fe_open_text o ON o.visit_id = g.visit_id AND o.gs = g.s
WHERE g.seconds > g.excused_seconds AND g.segment_kind <> 'no_ops'
GROUP BY g.visit_id;
