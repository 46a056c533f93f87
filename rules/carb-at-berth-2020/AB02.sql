-- id: AB02
-- name: scope.low_activity_terminal
-- title: Low activity terminal for the vessel type
-- section: 17 CCR § 93130.10(a)
-- severity: info
-- description: A terminal with fewer than 20 visits of a vessel type in both of two calendar
--   years is a low activity terminal for that type, and the emission-control requirements do
--   not apply to such visits. The terminals table decides where it has a row; otherwise the
--   loaded visit counts of the two previous years decide (both below the threshold).
-- compliant: Terminal T1 had 150 and 140 container visits in the two previous years: regulated,
--   no finding.
-- non_compliant: Terminal T9 had 4 and 6 container visits (or terminals says regulated=false):
--   the visit is exempt with basis low_activity_terminal and this finding.
SELECT
    o.visit_id,
    'terminal ' || o.terminal || ' at ' || o.port || ' is a low activity terminal for '
        || o.vessel_type || ' vessels in ' || CAST(o.year AS VARCHAR)
        || CASE t.status_source WHEN 'terminals_table' THEN ' (terminals table)'
           ELSE ' (' || CAST(t.y2_visits AS VARCHAR) || ' visits in ' || CAST(t.y2 AS VARCHAR)
                || ', ' || CAST(t.y1_visits AS VARCHAR) || ' in ' || CAST(t.y1 AS VARCHAR) || ')' END
        AS message,
    to_json({
        'source': t.status_source,
        'terminal': o.terminal,
        'vessel_type': o.vessel_type,
        'year': o.year,
        'visits_previous_year': CASE WHEN t.status_source = 'computed' THEN t.y1_visits END,
        'visits_two_years_before': CASE WHEN t.status_source = 'computed' THEN t.y2_visits END
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
JOIN bc_terminal_status t ON t.visit_id = o.visit_id
WHERE t.status = 'low_activity'
