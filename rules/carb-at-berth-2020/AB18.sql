-- id: AB18
-- name: responsible.unknown
-- title: Responsible party unknown: berth not in the berths table
-- section: 17 CCR § 93130.18 Table 7
-- severity: warning
-- description: Who answers for uncontrolled time follows from whether the berth has shore
--   power and whether the vessel does (Table 7; parameter table responsible_parties). Without
--   a berths row for the visit's port, terminal and berth the party is "unknown".
-- compliant: The berth is listed in berths: responsible is e.g. vessel.
-- non_compliant: A non-compliant visit at a berth missing from berths: responsible unknown.
SELECT
    visit_id,
    'berth ' || port || '/' || terminal || '/' || berth
        || ' is not in the berths table; the responsible party is unknown' AS message,
    to_json({'berth': berth, 'port': port, 'terminal': terminal}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome
WHERE verdict = 'non_compliant' AND responsible = 'unknown'
