-- stage: excuses
-- Time of W not under control that an Art. 11 exception (exception_kinds: a temporary fault of
-- the ship's or the terminal's facilities, bad weather, an accident or another emergency) or an
-- equivalent measure over part of W (equivalent_measure_kinds) covers is excused.
CREATE OR REPLACE TEMP TABLE cn_excuse_piece AS
SELECT
    w.visit_id, x.kind, x.event_id,
    greatest(x.s, w.window_start) AS s,
    least(x.e, w.window_end) AS e
FROM cn_need w
JOIN cn_event x ON x.visit_id = w.visit_id
WHERE (list_contains($exception_kinds, x.kind) OR list_contains($equivalent_measure_kinds, x.kind))
  AND x.s < w.window_end
  AND x.e > w.window_start;

CREATE OR REPLACE TEMP TABLE cn_excuse AS
WITH piece AS (SELECT visit_id, 0 AS part, s, e FROM cn_excuse_piece)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- Each uncontrolled segment with the seconds of it that are excused. The LEFT JOIN is guarded:
-- without an excusing interval the overlap is 0, never the whole segment.
CREATE OR REPLACE TEMP TABLE cn_segment_net AS
SELECT
    g.visit_id, g.segment_kind, g.s, g.e,
    seconds_between(g.s, g.e) AS seconds,
    coalesce(sum(CASE WHEN x.visit_id IS NULL THEN 0
                      ELSE seconds_between(greatest(x.s, g.s), least(x.e, g.e)) END), 0)
        AS excused_seconds
FROM cn_segment g
LEFT JOIN cn_excuse x ON x.visit_id = g.visit_id AND x.s < g.e AND x.e > g.s
GROUP BY g.visit_id, g.segment_kind, g.s, g.e;

-- Which kinds excused uncontrolled time, with their event ids and seconds (kinds may overlap
-- each other, so these seconds need not add up to the excused total).
CREATE OR REPLACE TEMP TABLE cn_excused_kind AS
WITH merged AS (
    SELECT visit_id, kind, string_agg(DISTINCT event_id, ';' ORDER BY event_id) AS event_ids
    FROM cn_excuse_piece GROUP BY visit_id, kind
),
per_kind AS (
    -- one kind's pieces merged, so overlapping events of a kind count once
    SELECT visit_id, kind AS part, s, e FROM cn_excuse_piece
),
islands AS (
    SELECT visit_id, part AS kind, s, e FROM bc_interval_union(per_kind)
)
SELECT i.visit_id, i.kind, m.event_ids,
    sum(seconds_between(greatest(i.s, g.s), least(i.e, g.e))) AS seconds,
    -- the port-local times it excused, for CN06 (pack 1.1.6: only the minutes)
    string_agg(local_text(greatest(i.s, g.s), w.tz) || ' to ' || local_text(least(i.e, g.e), w.tz),
               ' and ' ORDER BY greatest(i.s, g.s)) AS excused_times
FROM islands i
JOIN cn_segment g ON g.visit_id = i.visit_id AND i.s < g.e AND i.e > g.s
JOIN merged m ON m.visit_id = i.visit_id AND m.kind = i.kind
JOIN cn_need w ON w.visit_id = i.visit_id
GROUP BY i.visit_id, i.kind, m.event_ids;

-- The parts of each partly excused stretch that are NOT excused: the stretch less the excused
-- islands (bc_interval_difference, the engine's macro; each piece names its stretch by its
-- start, gs), with port-local times, so that a message can name the time the ship answers for,
-- not only the stretch's (pack 1.1.6: "gap 30 min: 12:00 to 15:00 less 150 min excused" named
-- no time of the 30 min). A stretch nothing excused is named whole by cn_stretch_text. One
-- statement (pack 1.1.8: the pieces were a table of their own, cn_open_piece, that only this
-- read, one more statement to plan in every check).
CREATE OR REPLACE TEMP TABLE cn_open_text AS
WITH whole AS (
    SELECT visit_id, 0 AS part, s, e FROM cn_segment_net
    WHERE excused_seconds > 0 AND seconds > excused_seconds
),
hole AS (SELECT visit_id, 0 AS part, s, e FROM cn_excuse),
open_piece AS (
    SELECT visit_id, whole_s AS gs, s, e FROM bc_interval_difference(whole, hole)
)
SELECT p.visit_id, p.gs,
    string_agg(local_text(p.s, w.tz) || ' to ' || local_text(p.e, w.tz), ' and ' ORDER BY p.s)
        AS open_times
FROM open_piece p
JOIN cn_need w ON w.visit_id = p.visit_id
GROUP BY p.visit_id, p.gs;

-- Each uncontrolled stretch as a message writes it, in time order: what it is, its minutes not
-- excused, its port-local times to the second, and what of it was excused ("late connection
-- 90 min: 2026-10-03 07:00 to 2026-10-03 08:30"), so that an inspector can hold it against
-- the ship's and the supplier's records of shore-power start and end times (Art. 18). Pack
-- 1.1.6: CN08 gave only the minutes of each kind. A partly excused stretch also names the
-- times not excused ("... less 150 min excused, uncontrolled 2026-10-03 14:30 to
-- 2026-10-03 15:00"). open_times: every uncontrolled, not excused time of the visit (CN07,
-- where the stretch is the whole window).
CREATE OR REPLACE TEMP TABLE cn_stretch_text AS
WITH stretch AS (
    -- each stretch with its port-local times, written once for both texts below (pack 1.1.8:
    -- each text wrote them itself, two more macro calls to plan in every check)
    SELECT g.*, local_text(g.s, w.tz) || ' to ' || local_text(g.e, w.tz) AS times
    FROM cn_segment_net g
    JOIN cn_need w ON w.visit_id = g.visit_id
    WHERE g.seconds > g.excused_seconds
)
SELECT
    g.visit_id,
    string_agg(
        CASE g.segment_kind WHEN 'late_connection' THEN 'late connection'
                            WHEN 'early_disconnection' THEN 'early disconnection'
                            ELSE g.segment_kind END
        || ' ' || bc_minutes_text(g.seconds - g.excused_seconds) || ' min: ' || g.times
        || CASE WHEN g.excused_seconds > 0
                THEN ' less ' || bc_minutes_text(g.excused_seconds) || ' min excused, uncontrolled '
                     || o.open_times
                ELSE '' END,
        '; ' ORDER BY g.s) AS stretches,
    string_agg(coalesce(o.open_times, g.times), ' and ' ORDER BY g.s) AS open_times
FROM stretch g
LEFT JOIN cn_open_text o ON o.visit_id = g.visit_id AND o.gs = g.s
GROUP BY g.visit_id;
