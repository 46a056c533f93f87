-- stage: events
-- Each event as an interval of its visit: an empty start is the arrival, an empty end the
-- departure; both empty = the whole visit.
CREATE OR REPLACE TEMP TABLE bc_event AS
SELECT
    e.event_id,
    e.visit_id,
    e.kind,
    e.reference,
    e.start_time IS NULL AND e.end_time IS NULL AS whole_visit,
    coalesce(e.start_time, v.arrival) AS s,
    coalesce(e.end_time, v.departure) AS e
FROM events e
JOIN bc_visit v ON v.visit_id = e.visit_id;

-- Whole-visit exceptions (commissioning, research, innovative concept) exempt the visit.
CREATE OR REPLACE TEMP TABLE bc_whole_exception AS
SELECT
    visit_id,
    string_agg(DISTINCT kind, '+' ORDER BY kind) AS kinds,
    string_agg(DISTINCT event_id, ';' ORDER BY event_id) AS event_ids
FROM bc_event
WHERE whole_visit AND list_contains($whole_visit_exception_kinds, kind)
GROUP BY visit_id;

-- A visit must control emissions when the regulation applies, its terminal is not a low
-- activity terminal for its type, and no whole-visit exception covers it.
CREATE OR REPLACE TEMP TABLE bc_need AS
SELECT v.visit_id
FROM bc_visit v
JOIN bc_terminal_status t ON t.visit_id = v.visit_id
WHERE v.not_applicable_basis IS NULL
  AND t.status = 'regulated'
  AND NOT EXISTS (SELECT 1 FROM bc_whole_exception x WHERE x.visit_id = v.visit_id);
