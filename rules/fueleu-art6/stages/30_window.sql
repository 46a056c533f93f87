-- stage: assessed window
-- W = [arrival, departure), half-open, for every call that must use OPS. With
-- assess_from_start_date, a call that arrived before its regime's start date is assessed from
-- port-local midnight of that date (the obligation applies from then; Art. 6(1)-(3)).
CREATE OR REPLACE TEMP TABLE fe_window AS
SELECT
    c.visit_id,
    c.tz,
    c.arrival,
    c.departure,
    c.start_instant,
    CASE WHEN $assess_from_start_date AND c.start_instant > c.arrival
         THEN c.start_instant ELSE c.arrival END AS window_start,
    c.departure AS window_end,
    $assess_from_start_date AND c.start_instant > c.arrival AS clipped_to_start
FROM fe_call c
JOIN fe_need n ON n.visit_id = c.visit_id;
