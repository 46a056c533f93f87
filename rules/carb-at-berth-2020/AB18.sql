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
WITH t7 AS (
    -- Table 7's two rows for the vessel's shore power: the berth with it (rt), without (rf)
    SELECT o.visit_id, o.port, o.terminal, o.berth, o.responsible,
        b.port IS NOT NULL AS listed,
        string_split(rt.responsible, '+') AS with_sp,
        string_split(rf.responsible, '+') AS without_sp
    FROM bc_outcome o
    JOIN bc_visit v ON v.vkey = o.vkey
    LEFT JOIN berths b ON b.port = o.port AND b.terminal = o.terminal AND b.berth = o.berth
    LEFT JOIN param_responsible_parties rt
        ON rt.berth_shore_power AND rt.vessel_shore_power = coalesce(v.shore_power_capable, false)
    LEFT JOIN param_responsible_parties rf
        ON NOT rf.berth_shore_power AND rf.vessel_shore_power = coalesce(v.shore_power_capable, false)
    WHERE o.verdict = 'non_compliant' AND list_contains(string_split(o.responsible, '+'), 'unknown')
),
said AS (
    SELECT *,
        -- 'the vessel and the terminal' from ['vessel', 'terminal'], in Table 7's order
        array_to_string(list_transform(
            list_filter(['vessel', 'terminal', 'port'],
                        lambda p: list_contains(with_sp, p) AND list_contains(without_sp, p)),
            lambda p: 'the ' || p), ' and ') AS either_way,
        array_to_string(list_transform(
            list_filter(['vessel', 'terminal', 'port'],
                        lambda p: list_contains(with_sp, p) AND NOT list_contains(without_sp, p)),
            lambda p: 'the ' || p), ' and ') AS with_only,
        array_to_string(list_transform(
            list_filter(['vessel', 'terminal', 'port'],
                        lambda p: list_contains(without_sp, p) AND NOT list_contains(with_sp, p)),
            lambda p: 'the ' || p), ' and ') AS without_only
    FROM t7
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
