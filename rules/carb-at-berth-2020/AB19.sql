-- id: AB19
-- name: exception.commissioning_refused
-- title: Commissioning claim refused
-- section: 17 CCR § 93130.8(c), § 93130.10(c)
-- severity: warning
-- description: The first commissioning visit of a vessel to a terminal is an exception as long
--   as the vessel connected to shore power during it; any other commissioning visit only with
--   CARB's written approval (the event's approval_ref). A visit whose commissioned is true is
--   not a commissioning visit. "First" is judged from the loaded visits of the same IMO at the
--   same port and terminal. A refused claim gets this finding naming the failed conditions, and
--   the visit is judged like any other.
-- compliant: First commissioning visit of IMO 9321483 at T1 with a shore power session: exempt.
-- non_compliant: The same vessel's second commissioning claim at T1 without approval_ref, or a
--   first claim with no shore power session: this finding, and the window is checked.
SELECT
    c.visit_id,
    'commissioning claim refused (events ' || c.event_ids || '): ' || c.refusal AS message,
    to_json({
        'already_commissioned': c.already_commissioned,
        'approval_ref': c.approval_ref,
        'connected': c.connected,
        'earlier_commissioning_visit': c.earlier_visit,
        'event_ids': c.event_ids
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_commissioning c
JOIN bc_visit v ON v.visit_id = c.visit_id
WHERE NOT c.accepted AND v.not_applicable_basis IS NULL
