-- id: FE07
-- name: exception.partial
-- title: Part of the stay excused by an Art. 6(5) exception event
-- section: Reg. (EU) 2023/1805 Art. 6(5) (points after (a), text not retrieved: UNCONFIRMED); docs/regulations-fueleu.md
-- severity: info
-- description: Time at berth not on OPS that a zero_emission_tech, ops_unavailable,
--   ops_incompatible or emergency event covers (parameter partial_exception_kinds) is excused:
--   it counts as excused_hours, not as non-compliant hours. ops_unavailable and
--   ops_incompatible count only within the yearly limit (FE08). The finding gives the excused
--   minutes per kind and the port-local times they cover (pack 1.2.8), to hold against the
--   record of the unavailability or the emergency.
-- compliant: No OPS 06:00-12:00 and an ops_unavailable event 06:00-12:00, OPS after: 360 min
--   excused, the call is compliant (basis controlled+ops_unavailable).
-- non_compliant: The same with an ops_unavailable event 06:00-09:00 only: 180 min excused,
--   180 min remain non-compliant (and FE06 reports them).
SELECT
    k.visit_id,
    k.kind || ' excused ' || bc_minutes_text(k.seconds)
        || ' min at berth not on OPS: ' || k.excused_times || ' ' || o.tz
        || ' (events ' || k.event_ids || ')'
        -- kinds whose events overlap excuse some time twice over here, once in the row's
        -- excused hours: say the total, so the findings' minutes are not added up (1.2.7)
        || CASE WHEN sum(k.seconds) OVER (PARTITION BY k.visit_id)
                     > o.event_excused_seconds + 0.5
                THEN '; the kinds overlap: ' || bc_minutes_text(o.event_excused_seconds)
                     || ' min excused in all'
                ELSE '' END AS message,
    to_json({
        'event_ids': k.event_ids,
        'excused_minutes': minutes_of(k.seconds),
        'kind': k.kind
    }) AS evidence,
    minutes_of(k.seconds) AS minutes
FROM fe_excused_kind k
JOIN fe_outcome o ON o.visit_id = k.visit_id
WHERE k.seconds > 0
  AND o.verdict IN ('compliant', 'non_compliant')
