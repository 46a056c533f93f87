-- id: CN09
-- name: data.event_ignored
-- title: Event that the Chinese shore-power rule does not count
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11
-- severity: warning
-- description: On a visit that must use shore power, only the Art. 11 exceptions
--   (exception_kinds: emergency, ops_unavailable, ops_incompatible) and effective alternative
--   measures (equivalent_measure_kinds: zero_emission_tech) count. Other events (vie, tie,
--   remediation, commissioning, research, innovative_concept, unscheduled_call) change nothing
--   here; each gets this finding so that a claim is never dropped silently.
-- compliant: An emergency event on a visit under the duty: counted (CN06).
-- non_compliant: A vie or unscheduled_call event on such a visit: this finding.
SELECT
    e.visit_id,
    e.kind || ' event ' || e.event_id
        || ' is not counted by the Chinese shore-power rule: not an Art. 11 exception or alternative measure'
        AS message,
    to_json({'event_id': e.event_id, 'from': iso_utc(e.s), 'kind': e.kind, 'reference': e.reference, 'to': iso_utc(e.e)}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM cn_event e
JOIN cn_window w ON w.visit_id = e.visit_id
WHERE NOT list_contains($exception_kinds, e.kind)
  AND NOT list_contains($equivalent_measure_kinds, e.kind)
