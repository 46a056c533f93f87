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

-- Whole-stay exceptions (zero-emission technology, unscheduled call) exempt the call.
CREATE OR REPLACE TEMP TABLE fe_whole_exemption AS
SELECT
    visit_id,
    string_agg(DISTINCT kind, '+' ORDER BY kind) AS kinds,
    string_agg(DISTINCT event_id, ';' ORDER BY event_id) AS event_ids
FROM fe_event
WHERE whole_stay AND list_contains($whole_stay_exemption_kinds, kind)
GROUP BY visit_id;

-- A call must use OPS when Art. 6 covers it, its gross tonnage is known and above the
-- threshold, it stayed at least the short-stay limit, and no whole-stay exception covers it.
CREATE OR REPLACE TEMP TABLE fe_need AS
SELECT c.visit_id
FROM fe_call c
WHERE c.not_applicable_basis IS NULL
  AND c.gross_tonnage IS NOT NULL
  AND c.stay_seconds >= $short_stay_hours * 3600
  AND NOT EXISTS (SELECT 1 FROM fe_whole_exemption x WHERE x.visit_id = c.visit_id);
