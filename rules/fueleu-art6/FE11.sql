-- id: FE11
-- name: scope.start_date_clipped
-- title: Call straddling the start (or end) of the obligation: hours outside it not assessed
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(3) (the obligation applies from its start date; a Member State decision under Art. 6(3) until 31 December 2034)
-- severity: info
-- description: A call that arrived before its paragraph's start date (2030-01-01 in an AFIR
--   Art. 9 port) and departed after its first instant (port-local midnight) is covered, but
--   with parameter assess_from_start_date only the hours from that instant are assessed
--   (window_start says where). Likewise a call under a Member State decision (Art. 6(3), until
--   2034-12-31) that departs after port-local midnight of 2035-01-01, at a quay Art. 6(2) does
--   not cover, is assessed up to that instant only (window_end says where). The two-hour test
--   still uses the whole stay. The finding's minutes are the minutes not assessed.
-- compliant: A call from 2030-01-03 to 2030-01-04: no finding.
-- non_compliant: A call from 2029-12-31 20:00 to 2030-01-01 10:00 local: the 4 h of 2029 are
--   not assessed; the 10 h of 2030 are. A call under a Member State decision from 2034-12-31
--   12:00 to 2035-01-01 06:00 at a quay without OPS: the 6 h of 2035 are not assessed.
SELECT
    o.visit_id,
    concat_ws('; ',
        CASE WHEN o.clipped_to_start
             THEN 'arrived before Art. 6 applied here (' || CAST(o.start_date AS VARCHAR) || '): '
                  || printf('%.2f', seconds_between(o.arrival, o.w_start) / 3600.0)
                  || ' h before ' || o.w_start_text || ' ' || o.tz
                  || ' not assessed' END,
        CASE WHEN o.clipped_to_end
             THEN 'departed after the Member State requirement (Art. 6(3)) ended here ('
                  || CAST($member_state_addition_until AS VARCHAR) || '): '
                  || printf('%.2f', seconds_between(o.w_end, o.departure) / 3600.0)
                  || ' h from ' || o.w_end_text || ' ' || o.tz
                  || ' not assessed' END) AS message,
    to_json({'arrival': iso_utc(o.arrival), 'assessed_from': iso_utc(o.w_start),
             'assessed_to': iso_utc(o.w_end), 'departure': iso_utc(o.departure),
             'start_date': CAST(o.start_date AS VARCHAR)}) AS evidence,
    minutes_of(seconds_between(o.arrival, o.w_start) + seconds_between(o.w_end, o.departure))
        AS minutes
FROM fe_outcome o
WHERE (o.clipped_to_start OR o.clipped_to_end) AND o.verdict IN ('compliant', 'non_compliant')
