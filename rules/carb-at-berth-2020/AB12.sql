-- id: AB12
-- name: exception.partial
-- title: Part of the window excused by an emergency or remediation event
-- section: 17 CCR § 93130.8(a) (safety and emergency event); § 93130.5(b)(3), § 93130.15 (remediation)
-- severity: info
-- description: Uncontrolled parts of the window covered by an emergency or remediation event
--   are excused: they count as excused_hours, not uncontrolled_hours. Events with empty
--   start and end cover the whole visit. The finding gives the excused minutes per kind.
-- compliant: Shore power fails 12:00-13:00 and an emergency event covers 11:30-13:30: 60
--   minutes excused, the visit is compliant (basis controlled+emergency).
-- non_compliant: The same failure with an emergency event 12:30-13:00 only: 30 minutes excused,
--   30 minutes remain uncontrolled (and AB08 reports the gap).
SELECT
    k.visit_id,
    k.kind || ' excused ' || bc_minutes_text(k.seconds)
        || ' min of uncontrolled time (events ' || k.event_ids || ')' AS message,
    to_json({
        'event_ids': k.event_ids,
        'excused_minutes': minutes_of(k.seconds),
        'kind': k.kind
    }) AS evidence,
    minutes_of(k.seconds) AS minutes
FROM bc_excused_kind k
JOIN bc_outcome o ON o.vkey = k.vkey
WHERE k.seconds > 0
  AND o.verdict IN ('compliant', 'non_compliant')
  AND NOT (o.vie_honoured OR o.tie_honoured)
