-- stage: assessed window
-- W = [arrival, departure), half-open, for every call that must use OPS. With
-- assess_from_start_date, a call that arrived before its regime's start date is assessed from
-- port-local midnight of that date (the obligation applies from then; Art. 6(1)-(3)). A call
-- under a Member State decision (Art. 6(3), until 31 December 2034) that departs after its
-- end_instant (stage calls) is assessed up to it.
CREATE OR REPLACE TEMP TABLE fe_window AS
SELECT
    c.visit_id,
    c.tz,
    c.arrival,
    c.departure,
    c.start_instant,
    CASE WHEN $assess_from_start_date AND c.start_instant > c.arrival
         THEN c.start_instant ELSE c.arrival END AS window_start,
    CASE WHEN c.end_instant < c.departure THEN c.end_instant ELSE c.departure END AS window_end,
    $assess_from_start_date AND c.start_instant > c.arrival AS clipped_to_start,
    coalesce(c.end_instant < c.departure, false) AS clipped_to_end
FROM fe_call c
JOIN fe_need n ON n.visit_id = c.visit_id;
