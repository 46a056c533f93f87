-- stage: control
-- Every control session of every visit, clipped to the stay: shore power, and capture sessions
-- when they count as an effective alternative measure (capture_counts_as_equivalent). Inner
-- joins only, and both ends are required columns, so greatest/least never see a NULL.
CREATE OR REPLACE TEMP TABLE cn_session AS
SELECT c.visit_id, 'shore_power' AS source,
    greatest(x.connected, c.arrival) AS s, least(x.disconnected, c.departure) AS e
FROM cn_call c
JOIN shore_power x ON x.visit_id = c.visit_id
WHERE x.connected < c.departure AND x.disconnected > c.arrival
UNION ALL
SELECT c.visit_id, 'capture',
    greatest(x.started, c.arrival), least(x.ended, c.departure)
FROM cn_call c
JOIN capture x ON x.visit_id = c.visit_id
WHERE $capture_counts_as_equivalent
  AND x.started < c.departure AND x.ended > c.arrival;

-- Control within W, merged (bc_interval_union, the engine's macro; touching pieces merge).
CREATE OR REPLACE TEMP TABLE cn_control AS
WITH piece AS (
    SELECT w.visit_id, 0 AS part, greatest(x.s, w.window_start) AS s, least(x.e, w.window_end) AS e
    FROM cn_need w
    JOIN cn_session x ON x.visit_id = w.visit_id
    WHERE x.s < w.window_end AND x.e > w.window_start
)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- Seconds of W on shore power, and on capture where shore power did not already run (for the
-- findings' evidence: how much of the control was not shore power). The two add up to the
-- control of W, never more: overlapping capture is not counted twice (pack 1.1.3).
CREATE OR REPLACE TEMP TABLE cn_source_seconds AS
WITH piece AS (
    -- every session ('all'), and shore power alone, clipped to W
    SELECT w.visit_id, 'all' AS part,
        greatest(x.s, w.window_start) AS s, least(x.e, w.window_end) AS e
    FROM cn_need w
    JOIN cn_session x ON x.visit_id = w.visit_id
    WHERE x.s < w.window_end AND x.e > w.window_start
    UNION ALL
    SELECT w.visit_id, 'shore_power',
        greatest(x.s, w.window_start), least(x.e, w.window_end)
    FROM cn_need w
    JOIN cn_session x ON x.visit_id = w.visit_id
    WHERE x.source = 'shore_power' AND x.s < w.window_end AND x.e > w.window_start
),
islands AS (
    SELECT * FROM bc_interval_union(piece)
),
totals AS (
    SELECT visit_id,
        sum(CASE WHEN part = 'all' THEN seconds_between(s, e) ELSE 0 END) AS all_seconds,
        sum(CASE WHEN part = 'shore_power' THEN seconds_between(s, e) ELSE 0 END) AS sp_seconds
    FROM islands
    GROUP BY visit_id
)
SELECT visit_id, sp_seconds, all_seconds - sp_seconds AS capture_seconds
FROM totals;

-- Parts of W not under control: before the first island (late connection), between islands
-- (gap), after the last (early disconnection), or all of W when nothing was used.
CREATE OR REPLACE TEMP TABLE cn_segment AS
WITH isl AS (
    SELECT o.visit_id, o.s, o.e, w.window_start, w.window_end,
        lag(o.e) OVER (PARTITION BY o.visit_id ORDER BY o.s) AS prev_e,
        lead(o.s) OVER (PARTITION BY o.visit_id ORDER BY o.s) AS next_s
    FROM cn_control o
    JOIN cn_need w ON w.visit_id = o.visit_id
)
SELECT visit_id, 'late_connection' AS segment_kind, window_start AS s, s AS e FROM isl
WHERE prev_e IS NULL AND s > window_start
UNION ALL
SELECT visit_id, 'gap', prev_e, s FROM isl
WHERE prev_e IS NOT NULL AND s > prev_e
UNION ALL
SELECT visit_id, 'early_disconnection', e, window_end FROM isl
WHERE next_s IS NULL AND e < window_end
UNION ALL
SELECT w.visit_id, 'no_control', w.window_start, w.window_end FROM cn_need w
WHERE NOT EXISTS (SELECT 1 FROM cn_control o WHERE o.visit_id = w.visit_id);

-- Over the whole stay, for the emission estimate (docs/contract.md 5): shore power merged, and
-- capture only where shore power did not already run, so the two never add up past the stay.
CREATE OR REPLACE TEMP TABLE cn_stay_control AS
WITH piece AS (
    -- every session ('all'), and shore power alone
    SELECT visit_id, 'all' AS part, s, e FROM cn_session
    UNION ALL
    SELECT visit_id, 'shore_power', s, e FROM cn_session WHERE source = 'shore_power'
),
islands AS (
    SELECT * FROM bc_interval_union(piece)
),
totals AS (
    SELECT visit_id, sum(seconds_between(s, e)) AS all_seconds FROM islands
    WHERE part = 'all' GROUP BY visit_id
),
sp AS (
    SELECT visit_id, sum(seconds_between(s, e)) AS sp_seconds FROM islands
    WHERE part = 'shore_power' GROUP BY visit_id
)
SELECT t.visit_id, coalesce(sp.sp_seconds, 0) AS stay_sp_seconds,
    t.all_seconds - coalesce(sp.sp_seconds, 0) AS stay_capture_seconds
FROM totals t
LEFT JOIN sp ON sp.visit_id = t.visit_id;
