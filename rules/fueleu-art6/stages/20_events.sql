-- stage: events
-- Each event as an interval of its visit: an empty start is the arrival, an empty end the
-- departure. An event covers the whole stay when both are empty or it spans [arrival,
-- departure) entirely.
CREATE OR REPLACE TEMP TABLE fe_event AS
SELECT
    e.event_id,
    e.visit_id,
    e.kind,
    e.reference,
    coalesce(e.start_time, c.arrival) AS s,
    coalesce(e.end_time, c.departure) AS e,
    coalesce(e.start_time, c.arrival) <= c.arrival
        AND coalesce(e.end_time, c.departure) >= c.departure AS whole_stay
FROM events e
JOIN fe_call c ON c.visit_id = e.visit_id;

-- Whole-stay exceptions (zero-emission technology, unscheduled call) exempt a stay when
-- events of these kinds, alone or together, cover all of the stay under the obligation:
-- [arrival, departure), or from the regime's first instant for a stay straddling it (with
-- assess_from_start_date). Judged on the union, so that a stay covered by zero-emission
-- technology in two pieces is exempt and never "compliant" with an exempt basis. Per stay,
-- also in a port call of several stays: an event belongs to its stay (the loader keeps it
-- within it), so a call is exempt as a whole when each of its stays is covered by its own.
CREATE OR REPLACE TEMP TABLE fe_whole_exemption AS
WITH span AS (
    SELECT visit_id,
        CASE WHEN end_instant < departure THEN end_instant ELSE departure END AS span_end,
        CASE WHEN $assess_from_start_date AND start_instant > arrival
             THEN start_instant ELSE arrival END AS span_start
    FROM fe_call
    WHERE regime IS NOT NULL
),
piece AS (
    SELECT x.visit_id, 0 AS part, x.kind, x.event_id,
        greatest(x.s, sp.span_start) AS s, least(x.e, sp.span_end) AS e
    FROM fe_event x
    JOIN span sp ON sp.visit_id = x.visit_id
    WHERE list_contains($whole_stay_exemption_kinds, x.kind)
      AND x.s < sp.span_end AND x.e > sp.span_start
),
covered AS (
    -- an island of the union (bc_interval_union, the engine's macro) spanning all of it
    SELECT u.visit_id
    FROM bc_interval_union(piece) u
    JOIN span sp ON sp.visit_id = u.visit_id
    WHERE u.s <= sp.span_start AND u.e >= sp.span_end
)
SELECT
    p.visit_id,
    string_agg(DISTINCT p.kind, '+' ORDER BY p.kind) AS kinds,
    string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids
FROM piece p
WHERE p.visit_id IN (SELECT visit_id FROM covered)
GROUP BY p.visit_id;

-- A stay must use OPS when Art. 6 covers it, its gross tonnage is known and above the
-- threshold, its port call lasted at least the short-stay limit (Art. 6(5)(a): from the
-- call's arrival to its departure, a berth shift included), and no whole-stay exception
-- covers it.
CREATE OR REPLACE TEMP TABLE fe_need AS
SELECT c.visit_id
FROM fe_call c
WHERE c.not_applicable_basis IS NULL
  AND c.gross_tonnage IS NOT NULL
  AND c.call_seconds >= $short_stay_hours * 3600
  AND NOT EXISTS (SELECT 1 FROM fe_whole_exemption x WHERE x.visit_id = c.visit_id);
