-- id: AB02
-- name: scope.low_activity_terminal
-- title: Low activity terminal for the vessel type
-- section: 17 CCR § 93130.10(a)(1)-(3)
-- severity: info
-- description: Low activity status is a state per port, terminal and vessel type. A terminal
--   with fewer than 20 visits of a type in both 2021 and 2022 is a low activity terminal for
--   that type from 2023; it stays one until it has 20 or more visits in two consecutive
--   calendar years, and is regulated from 1 January of the year after; once regulated it stays
--   regulated. A terminals row decides its own year and is the starting state for later years.
--   Counts come from visit_counts, else from the loaded visits of a port-year declared complete
--   in coverage. Visits to a low activity terminal are exempt (basis low_activity_terminal).
-- compliant: Terminal T1 had 25 container visits in 2021 and 25 in 2022 (visit_counts): regulated
--   from 2023 on, no finding.
-- non_compliant: Terminal T9 had 5 and 5 in 2021-2022, then 25 in 2023 and 10 in 2024: still low
--   activity in 2025, the 2025 visit is exempt with this finding.
SELECT
    o.visit_id,
    'terminal ' || o.terminal || ' at ' || o.port || ' is a low activity terminal for '
        || o.vessel_type || ' vessels in ' || CAST(t.year AS VARCHAR)
        || CASE WHEN t.own_row OR t.counts_text IS NULL
                THEN ' (terminals table)'
                ELSE ' (visits ' || t.counts_text
                     || CASE WHEN t.anchor_year IS NOT NULL
                             THEN '; low activity in ' || CAST(t.anchor_year AS VARCHAR)
                                  || ' per the terminals table' ELSE '' END
                     || '; never ' || CAST($low_activity_threshold_visits AS VARCHAR)
                     || ' or more in two consecutive years)' END AS message,
    to_json({
        'anchor_year': t.anchor_year,
        'count_sources': t.count_sources,
        'counts': t.counts_text,
        'port': o.port,
        'source': t.status_source,
        'terminal': o.terminal,
        'vessel_type': o.vessel_type,
        'year': t.year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
-- the visit's status row (stages/20_terminal_status.sql), joined for the few visits this rule
-- names: bc_outcome carries the status (its terminal_status, terminal_status_source) and the
-- status year
JOIN bc_terminal_year_status t
    ON t.port = o.port AND t.terminal = o.terminal AND t.vessel_type = o.vessel_type
   AND t.year = o.status_year
WHERE o.terminal_status = 'low_activity' AND t.status = 'low_activity'
