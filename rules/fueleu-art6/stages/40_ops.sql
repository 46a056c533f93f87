-- stage: OPS use
-- OPS sessions (the shore_power table) clipped to W and merged: the union of the pieces
-- (bc_interval_union, the engine's macro), touching or overlapping pieces merged. One
-- statement (pack 1.2.9: the pieces were a table of their own that only this read, one more
-- statement to plan in every check).
CREATE OR REPLACE TEMP TABLE fe_ops AS
WITH piece AS (
    -- inner joins only, and both ends are required columns, so greatest/least never see a NULL
    SELECT
        w.visit_id,
        0 AS part,
        greatest(x.connected, w.window_start) AS s,
        least(x.disconnected, w.window_end) AS e
    FROM fe_window w
    JOIN shore_power x ON x.visit_id = w.visit_id
    WHERE w.window_start < w.window_end
      AND x.connected IS NOT NULL AND x.disconnected IS NOT NULL
      AND x.connected < w.window_end
      AND x.disconnected > w.window_start
)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- Parts of W not on OPS: before the first island (late connection), between islands (gap),
-- after the last (early disconnection), or all of W when OPS was not used at all.
CREATE OR REPLACE TEMP TABLE fe_segment AS
WITH isl AS (
    SELECT o.visit_id, o.s, o.e, w.window_start, w.window_end,
        lag(o.e) OVER (PARTITION BY o.visit_id ORDER BY o.s) AS prev_e,
        lead(o.s) OVER (PARTITION BY o.visit_id ORDER BY o.s) AS next_s
    FROM fe_ops o
    JOIN fe_window w ON w.visit_id = o.visit_id
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
SELECT w.visit_id, 'no_ops', w.window_start, w.window_end FROM fe_window w
WHERE w.window_start < w.window_end
  AND NOT EXISTS (SELECT 1 FROM fe_ops o WHERE o.visit_id = w.visit_id);

-- OPS over the whole stay [arrival, departure) of every call, for the emission estimate
-- (docs/contract.md 5: at-berth emissions count every hour of the stay not under control).
CREATE OR REPLACE TEMP TABLE fe_stay_ops AS
WITH piece AS (
    SELECT c.visit_id, 0 AS part,
        greatest(x.connected, c.arrival) AS s,
        least(x.disconnected, c.departure) AS e
    FROM fe_call c
    JOIN shore_power x ON x.visit_id = c.visit_id
    WHERE x.connected IS NOT NULL AND x.disconnected IS NOT NULL
      AND x.connected < c.departure AND x.disconnected > c.arrival
)
SELECT visit_id, sum(seconds_between(s, e)) AS stay_ops_seconds
FROM bc_interval_union(piece)
GROUP BY visit_id;
