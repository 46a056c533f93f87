-- id: AB03
-- name: scope.terminal_status_assumed
-- title: Terminal treated as regulated for lack of visit history
-- section: 17 CCR § 93130.10(a); data contract 3.6
-- severity: warning
-- description: Without a terminals row, low activity status is computed from the loaded
--   visits of the two previous calendar years. A year counts as known for a port only when
--   visits of that port departing in that year are loaded; missing years are never read as
--   zero visits. When a year is missing, or the two years disagree (one below, one at or above
--   the threshold, so the status depends on earlier history), the terminal is treated as
--   regulated and this finding records the assumption.
-- compliant: Both previous years are loaded with 150 and 140 container visits: no finding.
-- non_compliant: Only October 2026 is loaded: every regulated visit gets this finding.
SELECT
    o.visit_id,
    'terminal ' || o.terminal || ' treated as regulated for ' || o.vessel_type || ' vessels in '
        || CAST(o.year AS VARCHAR) || ': '
        || CASE WHEN NOT (t.y1_known AND t.y2_known) THEN
               'visits of ' || o.port || ' in '
               || concat_ws(' and ', CASE WHEN NOT t.y2_known THEN CAST(t.y2 AS VARCHAR) END,
                                     CASE WHEN NOT t.y1_known THEN CAST(t.y1 AS VARCHAR) END)
               || ' are not loaded'
           ELSE 'counts ' || CAST(t.y2_visits AS VARCHAR) || ' and ' || CAST(t.y1_visits AS VARCHAR)
               || ' straddle the threshold; status depends on earlier years' END AS message,
    to_json({
        'terminal': o.terminal,
        'vessel_type': o.vessel_type,
        'year': o.year,
        'previous_year_loaded': t.y1_known,
        'two_years_before_loaded': t.y2_known,
        'visits_previous_year': CASE WHEN t.y1_known THEN t.y1_visits END,
        'visits_two_years_before': CASE WHEN t.y2_known THEN t.y2_visits END
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
JOIN bc_terminal_status t ON t.visit_id = o.visit_id
WHERE t.status_source = 'assumed'
