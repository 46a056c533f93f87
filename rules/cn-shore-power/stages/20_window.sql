-- stage: window
-- A visit under the duty that stayed MORE than its threshold (3 h coastal, 2 h inland; Art. 11)
-- must use shore power over W = [arrival + connection allowance, departure - disconnection
-- allowance), half-open. A stay at or below the threshold is exempt (short_visit); so is a stay
-- whose W is empty (only possible with allowances longer than the threshold).
CREATE OR REPLACE TEMP TABLE cn_window AS
SELECT
    c.visit_id, c.tz, c.arrival, c.departure,
    c.arrival + to_microseconds(CAST(round($connection_allowance_hours * 3600e6) AS BIGINT))
        AS window_start,
    c.departure - to_microseconds(CAST(round($disconnection_allowance_hours * 3600e6) AS BIGINT))
        AS window_end
FROM cn_call c
WHERE c.not_applicable_basis IS NULL
  AND c.missing_basis IS NULL
  AND c.stay_over_threshold;  -- at a port without port_area: over both thresholds (10_calls)

-- Equivalent measures (equivalent_measure_kinds) that, alone or together, cover all of W
-- exempt the visit (Art. 11: 'unless an effective alternative measure is used').
CREATE OR REPLACE TEMP TABLE cn_whole_equivalent AS
WITH piece AS (
    SELECT x.visit_id, 0 AS part, x.kind, x.event_id,
        greatest(x.s, w.window_start) AS s, least(x.e, w.window_end) AS e,
        w.window_start, w.window_end
    FROM cn_event x
    JOIN cn_window w ON w.visit_id = x.visit_id
    WHERE list_contains($equivalent_measure_kinds, x.kind)
      AND w.window_start < w.window_end
      AND x.s < w.window_end AND x.e > w.window_start
),
covered AS (
    -- an island of the union (bc_interval_union, the engine's macro) spanning all of W
    SELECT u.visit_id
    FROM bc_interval_union(piece) u
    JOIN cn_window w ON w.visit_id = u.visit_id
    WHERE u.s <= w.window_start AND u.e >= w.window_end
)
SELECT
    p.visit_id,
    string_agg(DISTINCT p.kind, '+' ORDER BY p.kind) AS kinds,
    string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids
FROM piece p
WHERE p.visit_id IN (SELECT visit_id FROM covered)
GROUP BY p.visit_id;

-- The visits that must show shore power (or an equivalent measure) over a non-empty W.
CREATE OR REPLACE TEMP TABLE cn_need AS
SELECT w.*
FROM cn_window w
WHERE w.window_start < w.window_end
  AND NOT EXISTS (SELECT 1 FROM cn_whole_equivalent x WHERE x.visit_id = w.visit_id);
