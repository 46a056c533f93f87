-- id: FE11
-- name: scope.start_date_clipped
-- title: Call straddling the start date: hours before it not assessed
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(3) (the obligation applies from its start date)
-- severity: info
-- description: A call that arrived before its paragraph's start date (2030-01-01 in an AFIR
--   Art. 9 port) and departed after its first instant (port-local midnight) is covered, but
--   with parameter assess_from_start_date only the hours from that instant are assessed
--   (window_start says where). The two-hour test still uses the whole stay.
-- compliant: A call from 2030-01-03 to 2030-01-04: no finding.
-- non_compliant: A call from 2029-12-31 20:00 to 2030-01-01 10:00 local: the 4 h of 2029 are
--   not assessed; the 10 h of 2030 are.
SELECT
    o.visit_id,
    'arrived before Art. 6 applied here (' || CAST(o.start_date AS VARCHAR) || '): '
        || printf('%.2f', seconds_between(o.arrival, o.w_start) / 3600.0)
        || ' h before ' || local_text(o.w_start, o.tz) || ' ' || o.tz || ' not assessed' AS message,
    to_json({'arrival': iso_utc(o.arrival), 'assessed_from': iso_utc(o.w_start),
             'start_date': CAST(o.start_date AS VARCHAR)}) AS evidence,
    minutes_of(seconds_between(o.arrival, o.w_start)) AS minutes
FROM fe_outcome o
WHERE o.clipped_to_start AND o.verdict IN ('compliant', 'non_compliant')
