-- id: AB13
-- name: exception.whole_visit
-- title: Whole visit excepted (commissioning, research, innovative concept)
-- section: 17 CCR § 93130.8(c), § 93130.10(c), § 93130.17; § 93130.18 Table 6
-- severity: info
-- description: An event of a whole-visit exception kind (parameter whole_visit_exception_kinds)
--   with empty start and end makes the visit exempt. An event with a start or end covers
--   only part of the visit and does not exempt it.
-- compliant: A commissioning event with empty start/end: exempt, basis commissioning.
-- non_compliant: A commissioning event 10:00-12:00 only: no exemption, the window is checked.
SELECT
    o.visit_id,
    'visit exempt: whole-visit ' || x.kinds || ' (events ' || x.event_ids || ')' AS message,
    to_json({'kinds': x.kinds, 'event_ids': x.event_ids}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
JOIN bc_whole_exception x ON x.visit_id = o.visit_id
WHERE o.verdict = 'exempt' AND o.basis = x.kinds
