-- id: AB18
-- name: responsible.unknown
-- title: Responsible party unknown: berth not in the berths table, or its shore power unknown
-- section: 17 CCR § 93130.18 Table 7
-- severity: warning
-- description: Who answers for uncontrolled time follows from whether the berth has shore
--   power and whether the vessel does (Table 7; parameter table responsible_parties). Without
--   a berths row for the visit's port, terminal and berth, or with its shore_power cell
--   empty (unknown, not "no shore power"), Table 7 is read for both kinds of berth: the
--   parties it names either way are named (a vessel without shore power: the vessel; with
--   it: the terminal), the others are "unknown", and this finding says which party the berth
--   would add and what to load. The CAECS operator is still named where a stretch is its
--   capture system's (Table 6), as in responsible "vessel+caecs_operator+unknown".
-- compliant: The berth is listed in berths with shore_power true or false: responsible is
--   e.g. vessel.
-- non_compliant: A non-compliant visit of a vessel without shore power at a berth missing from
--   berths: responsible vessel+unknown (vessel+caecs_operator+unknown where capture came late).
WITH said AS (
    -- Table 7's two rows for the vessel's shore power, in words (stages/70_outcome.sql,
    -- bc_table7: the parties both name, only the shore power berth's, only the other's)
    SELECT o.visit_id, o.port, o.terminal, o.berth, o.responsible,
        b.port IS NOT NULL AS listed,
        t7.either_way, t7.with_only, t7.without_only
    FROM bc_outcome o
    JOIN bc_visit v ON v.vkey = o.vkey
    LEFT JOIN berths b ON b.port = o.port AND b.terminal = o.terminal AND b.berth = o.berth
    LEFT JOIN bc_table7 t7
        ON t7.berth_sp IS NULL AND t7.vessel_sp = coalesce(v.shore_power_capable, false)
    WHERE o.verdict = 'non_compliant' AND list_contains(string_split(o.responsible, '+'), 'unknown')
)
SELECT
    visit_id,
    'berth ' || port || '/' || terminal || '/' || berth
        || CASE WHEN NOT listed THEN ' is not in the berths table'
                ELSE '''s shore_power cell is empty in the berths table' END
        || ', so Table 7 cannot tell whether it has shore power: '
        || CASE WHEN coalesce(either_way, '') <> ''
                THEN either_way || ' answer' || CASE WHEN either_way LIKE '% and %' THEN ''
                                                     ELSE 's' END || ' either way'
                ELSE 'no party is named either way' END
        || CASE WHEN coalesce(with_only, '') <> ''
                THEN ', with ' || with_only || ' if it has shore power' ELSE '' END
        || CASE WHEN coalesce(without_only, '') <> ''
                THEN ', with ' || without_only || ' if it has none' ELSE '' END
        || CASE WHEN list_contains(string_split(responsible, '+'), 'caecs_operator')
                THEN '; the CAECS operator answers for the stretches its capture system left '
                     || 'uncontrolled'
                ELSE '' END
        || '. Load '
        || CASE WHEN NOT listed THEN 'a berths row (port ' || port || ', terminal ' || terminal
                     || ', berth ' || berth || ', shore_power true or false), from the terminal '
                     || 'or the port'
                -- the option's two dashes built with repeat(): the engine reads two dashes as
                -- a comment's start, even inside a string literal
                ELSE 'its berths row again with shore_power true or false (load berths '
                     || repeat('-', 2) || 'replace)' END AS message,
    to_json({'berth': berth, 'port': port, 'terminal': terminal}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM said
