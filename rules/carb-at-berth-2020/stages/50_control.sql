-- stage: control
-- Capture sessions (§ 93130.5(a)) count for the part that lies inside their system's approval
-- in caecs: approved_from 00:00 to approved_to 24:00, port-local, empty approved_to = open
-- (counted_s .. counted_e). An unlisted system counts for nothing. With no caecs rows loaded at
-- all, capture sessions count whole and rule AB15 says approval was not verified.
-- Plug-in duty (§ 93130.7(a)): a vessel whose shore power is commissioned at the terminal
-- (commissioned = true), at a berth whose berths row has shore power, must plug in: its
-- capture sessions do not count there (plug_in_barred, rule AB20). A visit whose
-- `commissioned` is empty (not said) is commissioned at the terminal when an earlier loaded
-- visit of the same vessel (IMO) to the same port and terminal says commissioned = true:
-- commissioning is done once per terminal (§ 93130.7(a) "each and every visit to a terminal
-- where ... commissioned"), so the later visit is under the duty too (commissioned_from names
-- that visit; docs/regulations-carb.md 7). Only a shore power vessel's: a vessel the visit says
-- has no shore power equipment cannot plug in. A `commissioned` given as false is taken as
-- given.
CREATE OR REPLACE TEMP TABLE bc_capture AS
WITH loaded AS (SELECT count(*) > 0 AS caecs_loaded FROM caecs),
unsaid AS (
    SELECT DISTINCT v.visit_id, v.imo, v.port, v.terminal, v.arrival
    FROM capture c
    JOIN bc_visit v ON v.visit_id = c.visit_id
    WHERE v.commissioned IS NULL AND v.shore_power_capable IS TRUE AND v.imo IS NOT NULL
),
commissioned_before AS (
    -- the first earlier visit that says so (by arrival, then visit_id)
    SELECT u.visit_id, arg_min(h.visit_id, (h.arrival, h.visit_id)) AS commissioned_from
    FROM unsaid u
    JOIN history_visits h
        ON h.imo = u.imo AND h.port = u.port AND h.terminal = u.terminal
       AND h.commissioned IS TRUE AND h.arrival < u.arrival
    GROUP BY u.visit_id
),
approval AS (
    SELECT
        c.*,
        v.vkey,
        v.tz,
        v.arrival,
        v.departure,
        -- the vessel's shore power commissioned at the terminal (said, or said on an earlier
        -- visit): the plug-in duty at a shore power berth (AB20), undecided at a berth whose
        -- shore power is unknown (AB25)
        v.commissioned IS TRUE OR cb.commissioned_from IS NOT NULL AS commissioned_at_terminal,
        (v.commissioned IS TRUE OR cb.commissioned_from IS NOT NULL)
            AND coalesce(b.shore_power, false) AND $plug_in_duty AS plug_in_barred,
        cb.commissioned_from,
        loaded.caecs_loaded,
        k.system_id IS NOT NULL AS listed,
        k.approved_from,
        k.approved_to,
        CASE
            WHEN NOT loaded.caecs_loaded THEN c.started
            WHEN k.system_id IS NOT NULL
                THEN greatest(c.started, timezone(v.tz, CAST(k.approved_from AS TIMESTAMP)))
        END AS counted_s,
        CASE
            WHEN NOT loaded.caecs_loaded THEN c.ended
            WHEN k.system_id IS NOT NULL AND k.approved_to IS NULL THEN c.ended
            WHEN k.system_id IS NOT NULL
                THEN least(c.ended,
                           timezone(v.tz, CAST(k.approved_to AS TIMESTAMP) + INTERVAL 1 DAY))
        END AS counted_e
    FROM capture c
    JOIN bc_visit v ON v.visit_id = c.visit_id
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
    LEFT JOIN caecs k ON k.system_id = c.system_id
    LEFT JOIN commissioned_before cb ON cb.visit_id = c.visit_id
    CROSS JOIN loaded
)
SELECT
    session_id, visit_id, vkey, system_id, provider, started, ended, nox_inlet_ppm, nox_outlet_ppm,
    tz, arrival, departure, caecs_loaded, listed, approved_from, approved_to,
    commissioned_at_terminal, plug_in_barred, commissioned_from,
    CASE WHEN counted_s < counted_e THEN counted_s END AS counted_s,
    CASE WHEN counted_s < counted_e THEN counted_e END AS counted_e,
    -- approved over the whole session
    counted_s IS NOT NULL AND counted_s = started AND counted_e = ended AS approved,
    seconds_between(started, ended)
        - CASE WHEN counted_s < counted_e THEN seconds_between(counted_s, counted_e) ELSE 0 END
        AS unapproved_seconds,
    coalesce(counted_s < counted_e, false) AND NOT plug_in_barred AS counts
FROM approval;

-- The control sessions (shore power, and capture sessions that count) by visit key: the text
-- visit_id of shore_power is joined once here, and the window and the stay below join on the
-- key. Each session also clipped to the visit's stay [arrival, departure) (stay_s, stay_e;
-- NULL when it lies outside), for the stay control below, which so reads no visit row again.
CREATE OR REPLACE TEMP TABLE bc_session AS
WITH session AS (
    SELECT v.vkey, true AS is_shore_power, sp.connected AS s, sp.disconnected AS e,
        v.arrival, v.departure
    FROM shore_power sp
    JOIN bc_visit v ON v.visit_id = sp.visit_id
    WHERE sp.connected IS NOT NULL AND sp.disconnected IS NOT NULL
    UNION ALL
    SELECT vkey, false, counted_s, counted_e, arrival, departure FROM bc_capture WHERE counts
)
SELECT vkey, is_shore_power, s, e,
    CASE WHEN s < departure AND e > arrival THEN greatest(s, arrival) END AS stay_s,
    CASE WHEN s < departure AND e > arrival THEN least(e, departure) END AS stay_e
FROM session;

-- Control sessions clipped to W (`piece`; inner joins only, and both ends are required
-- columns, so greatest/least never see a NULL), then their union (bc_interval_union, the
-- engine's macro): touching or overlapping pieces merge. A visit with one piece (nearly every
-- one: one session) has that piece as its union, so only the visits with several go through
-- the macro's window sort, as in bc_stay_control below. `single` marks the island that was a
-- visit's only piece: bc_segment needs no window to find its neighbours (it has none). The
-- pieces are a materialized CTE, not a table of their own (bc_control_piece before pack
-- 1.2.15): this statement is their only reader. At 200 000 visits bc_control and bc_segment
-- cost 0.15 -> 0.07-0.10 CPU s; a sample month's check runs the two (planning included) in
-- about 1 ms less.
CREATE OR REPLACE TEMP TABLE bc_control AS
WITH piece AS MATERIALIZED (
    SELECT
        w.vkey,
        greatest(x.s, w.window_start) AS s,
        least(x.e, w.window_end) AS e
    FROM bc_window w
    JOIN bc_session x ON x.vkey = w.vkey
    WHERE w.window_start < w.window_end
      AND x.s < w.window_end
      AND x.e > w.window_start
),
several AS (
    SELECT vkey FROM piece GROUP BY vkey HAVING count(*) > 1
),
merged AS (
    SELECT p.vkey AS visit_id, 0 AS part, p.s, p.e
    FROM piece p SEMI JOIN several x ON x.vkey = p.vkey
)
SELECT p.vkey, p.s, p.e, true AS single
FROM piece p ANTI JOIN several x ON x.vkey = p.vkey
UNION ALL
SELECT visit_id AS vkey, s, e, false FROM bc_interval_union(merged);

-- Uncontrolled segments of W: before the first island (late connection), between islands
-- (gap), after the last (early disconnection), or all of W when nothing controlled it.
-- The islands of a visit with several pieces are ordered by a window (lag, lead); a visit's
-- single island has no island before or after it (bc_control), so it skips that sort.
CREATE OR REPLACE TEMP TABLE bc_segment AS
WITH isl AS (
    SELECT c.vkey, c.s, c.e, w.window_start, w.window_end,
        lag(c.e) OVER (PARTITION BY c.vkey ORDER BY c.s) AS prev_e,
        lead(c.s) OVER (PARTITION BY c.vkey ORDER BY c.s) AS next_s
    FROM bc_control c
    JOIN bc_window w ON w.vkey = c.vkey
    WHERE NOT c.single
    UNION ALL
    SELECT c.vkey, c.s, c.e, w.window_start, w.window_end, NULL, NULL
    FROM bc_control c
    JOIN bc_window w ON w.vkey = c.vkey
    WHERE c.single
)
SELECT vkey, 'late_connection' AS segment_kind, window_start AS s, s AS e FROM isl
WHERE prev_e IS NULL AND s > window_start
UNION ALL
SELECT vkey, 'gap', prev_e, s FROM isl
WHERE prev_e IS NOT NULL AND s > prev_e
UNION ALL
SELECT vkey, 'early_disconnection', e, window_end FROM isl
WHERE next_s IS NULL AND e < window_end
UNION ALL
SELECT w.vkey, 'no_control', w.window_start, w.window_end FROM bc_window w
-- no island at all (an anti join: NOT EXISTS without a correlated subquery to plan)
ANTI JOIN bc_control c ON c.vkey = w.vkey
WHERE w.window_start < w.window_end;

-- Excusing events (emergency, remediation) clipped to W and merged.
CREATE OR REPLACE TEMP TABLE bc_excuse_piece AS
SELECT
    x.visit_id, w.vkey, x.kind, x.event_id,
    greatest(x.s, w.window_start) AS s,
    least(x.e, w.window_end) AS e
FROM bc_window w
JOIN bc_event x ON x.vkey = w.vkey
WHERE list_contains($excusing_event_kinds, x.kind)
  AND x.s IS NOT NULL AND x.e IS NOT NULL
  AND w.window_start < w.window_end
  AND x.s < w.window_end
  AND x.e > w.window_start;

CREATE OR REPLACE TEMP TABLE bc_excuse AS
WITH piece AS (SELECT vkey AS visit_id, 0 AS part, s, e FROM bc_excuse_piece)
SELECT visit_id AS vkey, s, e FROM bc_interval_union(piece);

-- Each uncontrolled segment with the seconds of it that are excused. The LEFT JOIN is guarded:
-- without an excusing interval the overlap is 0, never the whole segment.
CREATE OR REPLACE TEMP TABLE bc_segment_net AS
SELECT
    g.vkey, g.segment_kind, g.s, g.e,
    seconds_between(g.s, g.e) AS seconds,
    coalesce(sum(CASE WHEN x.vkey IS NULL THEN 0
                      ELSE seconds_between(greatest(x.s, g.s), least(x.e, g.e)) END), 0)
        AS excused_seconds
FROM bc_segment g
LEFT JOIN bc_excuse x ON x.vkey = g.vkey AND x.s < g.e AND x.e > g.s
GROUP BY g.vkey, g.segment_kind, g.s, g.e;

-- Which kinds of event excused uncontrolled time, with their ids and seconds.
CREATE OR REPLACE TEMP TABLE bc_excused_kind AS
SELECT
    p.visit_id, p.vkey, p.kind,
    string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids,
    sum(seconds_between(greatest(p.s, g.s), least(p.e, g.e))) AS seconds
FROM bc_excuse_piece p
JOIN bc_segment g ON g.vkey = p.vkey AND p.s < g.e AND p.e > g.s
GROUP BY p.visit_id, p.vkey, p.kind;

-- Control over the whole stay [arrival, departure), for the emission estimate (docs/contract.md
-- 5: at-berth emissions count every hour of the stay not under control, not only the window).
-- The same sessions as above (shore power, and capture sessions that count), clipped to the
-- stay and merged per visit twice: shore power alone, and shore power with capture. Capture
-- hours are the second minus the first, so an hour under both counts once, as shore power.
CREATE OR REPLACE TEMP TABLE bc_stay_control AS
-- (not materialized: `stay` is a filter of bc_session, read twice below; written out as its
-- own table first it cost more than reading bc_session twice, 0.02-0.03 CPU s at 1M)
WITH stay AS NOT MATERIALIZED (
    SELECT vkey, is_shore_power, stay_s AS s, stay_e AS e
    FROM bc_session WHERE stay_s IS NOT NULL
),
visit AS (
    -- each visit's pieces counted and summed in one grouped pass, shore power alone and all:
    -- a set of one piece (nearly every visit: one session) is its own union, and a visit
    -- without a counting capture session has 'all' = shore power
    SELECT vkey,
        count(*) FILTER (WHERE is_shore_power) AS sp_pieces,
        sum(seconds_between(s, e)) FILTER (WHERE is_shore_power) AS sp_seconds,
        count(*) AS pieces,
        sum(seconds_between(s, e)) AS seconds,
        bool_or(NOT is_shore_power) AS capture
    FROM stay GROUP BY vkey
),
several AS (
    -- only the sets of several pieces go through bc_interval_union (the vkey in its visit_id)
    SELECT t.vkey AS visit_id, 'shore_power' AS part, t.s, t.e
    FROM stay t SEMI JOIN visit v ON v.vkey = t.vkey AND v.sp_pieces > 1
    WHERE t.is_shore_power
    UNION ALL
    SELECT t.vkey, 'any', t.s, t.e
    FROM stay t SEMI JOIN visit v ON v.vkey = t.vkey AND v.capture AND v.pieces > 1
),
merged AS (
    SELECT visit_id AS vkey, part, sum(seconds_between(s, e)) AS seconds
    FROM bc_interval_union(several)
    GROUP BY visit_id, part
),
shore AS (
    SELECT v.vkey, v.capture, v.pieces, v.seconds,
        CASE WHEN v.sp_pieces > 1 THEN m.seconds ELSE coalesce(v.sp_seconds, 0) END
            AS stay_shore_power_seconds
    FROM visit v
    LEFT JOIN merged m ON m.vkey = v.vkey AND m.part = 'shore_power'
)
SELECT
    s.vkey,
    s.stay_shore_power_seconds,
    CASE WHEN NOT s.capture THEN s.stay_shore_power_seconds
         WHEN s.pieces > 1 THEN m.seconds
         ELSE s.seconds
    END AS stay_controlled_seconds
FROM shore s
LEFT JOIN merged m ON m.vkey = s.vkey AND m.part = 'any';
