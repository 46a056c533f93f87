-- id: CN06
-- name: exception.partial
-- title: Part of the window excused (temporary fault, bad weather, accident, emergency, or an alternative measure)
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11, second sentence (temporary faults of the ship's or terminal's facilities, bad weather, accidents and other emergencies); Art. 18 (records of faults)
-- severity: info
-- description: Time of W not under control that an exception event covers is excused: it counts
--   as excused_hours, not as uncontrolled hours. Kinds (parameter exception_kinds):
--   ops_unavailable (the terminal's shore-power facility has a temporary fault),
--   ops_incompatible (the ship's receiving facility has a temporary fault), emergency (bad
--   weather, an accident, another emergency); and zero_emission_tech over part of W (an
--   effective alternative measure). One finding per kind with its minutes and the port-local
--   times it excused, to hold against the Art. 18 record of the fault's time.
-- compliant: No shore power 07:00-12:00 and an ops_unavailable event 07:00-12:00, shore power
--   after: 300 min excused, the visit is compliant (basis controlled+ops_unavailable).
-- non_compliant: The same with an ops_unavailable event 07:00-09:00 only: 120 min excused,
--   180 min remain uncontrolled (CN08 reports them).
SELECT
    k.visit_id,
    k.kind || ' excused ' || bc_minutes_text(k.seconds)
        || ' min of the window not on shore power: ' || k.excused_times
        || ' (events ' || k.event_ids || ')' AS message,
    to_json({'event_ids': k.event_ids, 'excused_minutes': minutes_of(k.seconds), 'kind': k.kind})
        AS evidence,
    minutes_of(k.seconds) AS minutes
FROM cn_excused_kind k
JOIN cn_outcome o ON o.visit_id = k.visit_id
WHERE k.seconds > 0
  AND o.verdict IN ('compliant', 'non_compliant')
