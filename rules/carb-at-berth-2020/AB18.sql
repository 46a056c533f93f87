-- id: AB18
-- name: responsible.unknown
-- title: Responsible party unknown: berth not in the berths table
-- section: 17 CCR § 93130.18 Table 7
-- severity: warning
-- description: Who answers for uncontrolled time follows from whether the berth has shore
--   power and whether the vessel does (Table 7; parameter table responsible_parties). Without
--   a berths row for the visit's port, terminal and berth Table 7's parties are "unknown";
--   the CAECS operator is still named where a stretch is its capture system's (Table 6),
--   as in responsible "caecs_operator+unknown".
-- compliant: The berth is listed in berths: responsible is e.g. vessel.
-- non_compliant: A non-compliant visit at a berth missing from berths: responsible unknown
--   (caecs_operator+unknown where capture stopped early).
SELECT
    visit_id,
    'berth ' || port || '/' || terminal || '/' || berth
        || ' is not in the berths table; '
        || CASE WHEN list_contains(string_split(responsible, '+'), 'caecs_operator')
                THEN 'the parties of Table 7 (from the berth''s shore power) are unknown; the '
                     || 'CAECS operator answers for the stretches its capture system left '
                     || 'uncontrolled'
                ELSE 'the responsible party is unknown' END AS message,
    to_json({'berth': berth, 'port': port, 'terminal': terminal}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome
WHERE verdict = 'non_compliant' AND list_contains(string_split(responsible, '+'), 'unknown')
