-- id: AB13
-- name: exception.whole_visit
-- title: Whole visit excepted (commissioning, research, innovative concept)
-- section: 17 CCR § 93130.8(c), § 93130.10(c), § 93130.17; § 93130.18 Table 6
-- severity: info
-- description: An event of a whole-visit exception kind (parameter whole_visit_exception_kinds)
--   with empty start and end, or with times that cover the whole stay (arrival or before to
--   departure or after), makes the visit exempt. An event that leaves part of the stay out
--   covers only part of the visit and does not exempt it. A commissioning event exempts only the
--   vessel's first commissioning visit to the terminal during which it connected to shore
--   power, or a visit whose event carries CARB's written approval (approval_ref); a refused
--   claim is AB19.
-- compliant: A commissioning event with empty start/end on the vessel's first visit to the
--   terminal, shore power connected: exempt, basis commissioning.
-- non_compliant: A commissioning event 10:00-12:00 only: no exemption, the window is checked.
SELECT
    o.visit_id,
    'visit exempt: whole-visit ' || x.kinds || ' (events ' || x.event_ids || ')'
        || CASE WHEN c.approval_ref IS NOT NULL
                THEN '; commissioning approved in writing (' || c.approval_ref || ')'
                WHEN c.visit_id IS NOT NULL
                THEN '; first commissioning visit to the terminal, shore power connected'
                ELSE '' END AS message,
    to_json({'approval_ref': c.approval_ref, 'event_ids': x.event_ids,
             'kinds': x.kinds}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
JOIN bc_whole_exception x ON x.vkey = o.vkey
LEFT JOIN bc_commissioning c ON c.visit_id = o.visit_id AND c.accepted
WHERE o.verdict = 'exempt' AND o.basis = x.kinds
