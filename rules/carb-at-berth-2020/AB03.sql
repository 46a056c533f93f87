-- id: AB03
-- name: scope.terminal_status_assumed
-- title: Terminal treated as regulated: a year's visit count is missing
-- section: 17 CCR § 93130.10(a)(2)-(3); docs/contract.md 4 step 6
-- severity: warning
-- description: Low activity status needs the terminal's yearly visit counts for the vessel
--   type (from 2021, or from the latest terminals row). A count comes from visit_counts or from
--   the loaded visits of a port-year declared complete in coverage; loaded visits alone are
--   never a count (a shipping line's own calls are not its terminals' traffic). When a count
--   the status depends on is missing, the terminal is treated as regulated and this finding
--   names the years and what to load.
-- compliant: visit_counts gives T1's container visits for 2021 (25) and 2022 (25): regulated
--   from 2023, no finding.
-- non_compliant: Only 2025 visits are loaded, with no coverage row and no visit_counts: the 2026
--   visit is treated as regulated with this finding naming 2021-2025.
SELECT
    o.visit_id,
    'terminal ' || o.terminal || ' at ' || o.port || ' treated as regulated for '
        || o.vessel_type || ' vessels in ' || CAST(t.year AS VARCHAR) || ': no visit count for '
        || coalesce(t.unknown_years, 'the years before') || '. Load visit-counts rows (holder_kind '
        || 'terminal, holder ' || o.terminal || ', port ' || o.port || ', vessel_type '
        || o.vessel_type || ') for those years, or the complete visits of ' || o.port
        || ' in those years with coverage rows (kind port, holder ' || o.port
        || '), or a terminals row for ' || CAST(t.year AS VARCHAR) AS message,
    to_json({
        'counts': t.counts_text,
        'load': 'visit-counts or coverage',
        'missing_years': t.unknown_years,
        'port': o.port,
        'terminal': o.terminal,
        'vessel_type': o.vessel_type,
        'year': t.year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome o
-- the visit's status row, joined on its status year for the visits this rule names (as AB02)
JOIN bc_terminal_year_status t
    ON t.port = o.port AND t.terminal = o.terminal AND t.vessel_type = o.vessel_type
   AND t.year = o.status_year
WHERE o.terminal_status_source = 'assumed' AND t.status_source = 'assumed'
