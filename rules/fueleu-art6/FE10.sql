-- id: FE10
-- name: data.event_ignored
-- title: Event that FuelEU Art. 6 does not count on this call
-- section: Reg. (EU) 2023/1805 Art. 6(5); docs/regulations-fueleu.md
-- severity: warning
-- description: On a call that must use OPS, only the Art. 6(5) exception events count:
--   zero_emission_tech and unscheduled_call over the whole stay, zero_emission_tech,
--   ops_unavailable, ops_incompatible and emergency over part of it. An unscheduled_call that
--   covers only part of the stay, and CARB events (vie, tie, remediation, commissioning,
--   research, innovative_concept), change nothing here; each such event gets this finding so
--   that a claim is never silently dropped.
-- compliant: An unscheduled_call event with empty start and end: the call is exempt (FE04).
-- non_compliant: An unscheduled_call event 08:00-10:00 of a 06:00-18:00 stay, or a vie event.
SELECT
    e.visit_id,
    e.kind || ' event ' || e.event_id || ' is not counted by FuelEU Art. 6'
        || CASE WHEN list_contains($whole_stay_exemption_kinds, e.kind)
                THEN ': it exempts a stay only when it covers the whole stay (an unscheduled '
                     || 'call is unscheduled as a whole: give the event with empty start and end, '
                     || 'on any one stay of a port call)'
                ELSE ': not an Art. 6(5) exception' END AS message,
    to_json({'event_id': e.event_id, 'from': iso_utc(e.s), 'kind': e.kind, 'reference': e.reference, 'to': iso_utc(e.e)}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_event e
JOIN fe_need n ON n.visit_id = e.visit_id
WHERE NOT list_contains($partial_exception_kinds, e.kind)
  AND NOT (e.whole_stay AND list_contains($whole_stay_exemption_kinds, e.kind))
