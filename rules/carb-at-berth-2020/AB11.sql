-- id: AB11
-- name: allowance.unknown
-- title: VIE or TIE not honoured: allowance cannot be established
-- section: 17 CCR § 93130.11(a)-(b); docs/contract.md 4 step 3
-- severity: warning
-- description: With no allowances row for the holder and year, the allowance is the Table 3
--   percentage of the holder's previous-year count: from visit_counts, or from the loaded
--   visits of that year declared complete in coverage (kind fleet for a VIE, kind port for a
--   TIE). Loaded visits alone are never a count. Without any of these (or when the visit names
--   no fleet for a VIE) the claim is not honoured and this finding says what to load; for a
--   TIE whose port-year is not declared complete also the coverage row its place in the
--   terminal's year needs (AB26 would follow otherwise).
-- compliant: allowances has fleet F 2026 granted 3; or visit_counts has fleet F 2025 = 60; or
--   fleet F's 2025 visits are loaded with a coverage row (fleet, F, 2025).
-- non_compliant: A VIE claimed in 2026 with 2025 visits of fleet F loaded but no coverage row,
--   no visit_counts and no allowances row.
SELECT
    visit_id,
    upper(claim_kind) || ' not honoured: '
        || CASE allowance_source
               WHEN 'no_holder' THEN 'the visit names no ' || holder_kind
               ELSE 'no allowances row for ' || holder_kind || ' ' || holder
                    || coalesce(' at ' || holder_port, '') || ' in ' || CAST(year AS VARCHAR)
                    || ' and no count of its ' || CAST(count_year AS VARCHAR) || ' visits. Load an '
                    || 'allowances row (' || holder_kind || ' ' || holder
                    || coalesce(', port ' || holder_port, '') || ', ' || CAST(year AS VARCHAR)
                    || '), a visit-counts row for ' || CAST(count_year AS VARCHAR)
                    || ', or the complete ' || CAST(count_year AS VARCHAR) || ' visits with a '
                    || 'coverage row (kind '
                    || CASE WHEN holder_port IS NULL THEN 'fleet, holder ' || holder
                            ELSE 'port, holder ' || holder_port END || ')'
                    -- a TIE whose year is not declared complete would then be AB26: say it now
                    || CASE WHEN NOT claims_complete
                            THEN '; and, for its place among the terminal''s claims of '
                                 || CAST(year AS VARCHAR) || ', the complete '
                                 || CAST(year AS VARCHAR) || ' visits of ' || holder_port
                                 || ' with a coverage row (kind port, holder ' || holder_port
                                 || ', year ' || CAST(year AS VARCHAR) || ')'
                            ELSE '' END
           END AS message,
    to_json({
        'claim': claim_kind,
        'holder': holder,
        'holder_kind': holder_kind,
        'missing_year': count_year,
        'port': holder_port,
        'reason': allowance_source,
        'year': year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_claim_outcome
WHERE allowance IS NULL
