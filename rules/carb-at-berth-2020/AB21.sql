-- id: AB21
-- name: history.count_disagrees
-- title: A reported visit count disagrees with the loaded visits of a complete year
-- section: 17 CCR § 93130.10(a) (terminal counts); § 93130.11(a) (VIE/TIE counts); docs/contract.md 2
-- severity: warning
-- description: A year's count can come from two places: a visit_counts row, and the loaded
--   visits of a year the coverage table declares complete. berthcheck uses the visit_counts
--   row; where the two differ it says so on every visit whose judgement read that count (the
--   visits of the two following years at that terminal for its vessel type, and the VIE/TIE
--   claims of the following year), so the choice is never silent.
-- compliant: visit_counts says T1 had 25 container visits in 2024 and the 25 loaded 2024 visits
--   of USLAX (coverage port USLAX 2024) agree.
-- non_compliant: visit_counts says 25, coverage declares USLAX 2024 complete and 22 are loaded.
WITH terminal_counts AS (
    SELECT v.visit_id,
        'terminal ' || c.terminal || ' at ' || c.port || ', ' || c.vessel_type || ' visits in '
            || CAST(c.year AS VARCHAR) AS what,
        c.year, c.reported_visits, c.loaded_visits, c.reported_source,
        -- the threshold's count is every visit: a row's innovative-concept visits are added
        CASE WHEN c.reported_innovative_concept_visits > 0
             THEN ' (' || CAST(c.reported_visits - c.reported_innovative_concept_visits AS VARCHAR)
                 || ' + ' || CAST(c.reported_innovative_concept_visits AS VARCHAR)
                 || ' innovative-concept)' ELSE '' END AS reported_parts
    FROM bc_terminal_year_count c
    JOIN bc_visit v
        ON v.port = c.port AND v.terminal = c.terminal AND v.vessel_type = c.vessel_type
       AND v.status_year IN (c.year + 1, c.year + 2)
    WHERE v.not_applicable_basis IS NULL
      AND c.reported_visits IS NOT NULL AND c.loaded_visits IS NOT NULL
      AND c.reported_visits <> c.loaded_visits
),
claim_counts AS (
    SELECT visit_id,
        holder_kind || ' ' || holder || coalesce(' at ' || holder_port, '') || ', visits in '
            || CAST(count_year AS VARCHAR) AS what,
        count_year AS year, reported_visits, loaded_visits, CAST(NULL AS VARCHAR) AS reported_source,
        '' AS reported_parts
    FROM bc_claim_outcome
    WHERE reported_visits IS NOT NULL AND loaded_visits IS NOT NULL
      AND reported_visits <> loaded_visits
),
both_kinds AS (
    SELECT * FROM terminal_counts UNION ALL SELECT * FROM claim_counts
)
SELECT
    visit_id,
    what || ': visit_counts says ' || CAST(reported_visits AS VARCHAR) || reported_parts
        || ', the loaded visits of '
        || 'that year (declared complete in coverage) number ' || CAST(loaded_visits AS VARCHAR)
        || '; the visit_counts row is used' AS message,
    to_json({
        'count': what,
        'loaded_visits': loaded_visits,
        'visit_counts': reported_visits,
        'visit_counts_source': reported_source,
        'year': year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM both_kinds
