-- id: AB18
-- name: responsible.unknown
-- title: Responsible party unknown: berth not in the berths table, or its shore power unknown
-- section: 17 CCR § 93130.18 Table 7
-- severity: warning
-- description: Who answers for uncontrolled time follows from whether the berth has shore
--   power and whether the vessel does (Table 7; parameter table responsible_parties). Without
--   a berths row for the visit's port, terminal and berth, or with its shore_power cell
--   empty (unknown, not "no shore power"), Table 7's parties are "unknown";
--   the CAECS operator is still named where a stretch is its capture system's (Table 6),
--   as in responsible "caecs_operator+unknown".
-- compliant: The berth is listed in berths with shore_power true or false: responsible is
--   e.g. vessel.
-- non_compliant: A non-compliant visit at a berth missing from berths: responsible unknown
--   (caecs_operator+unknown where capture stopped early).
SELECT
    o.visit_id,
    'berth ' || o.port || '/' || o.terminal || '/' || o.berth
        || CASE WHEN b.port IS NULL THEN ' is not in the berths table; '
                ELSE '''s shore_power cell is empty in the berths table; ' END
        || CASE WHEN list_contains(string_split(o.responsible, '+'), 'caecs_operator')
                THEN 'the parties of Table 7 (from the berth''s shore power) are unknown; the '
                     || 'CAECS operator answers for the stretches its capture system left '
                     || 'uncontrolled'
                ELSE 'the responsible party is unknown' END AS message,
    to_json({'berth': o.berth, 'port': o.port, 'terminal': o.terminal}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
LEFT JOIN berths b ON b.port = o.port AND b.terminal = o.terminal AND b.berth = o.berth
WHERE o.verdict = 'non_compliant' AND list_contains(string_split(o.responsible, '+'), 'unknown')
