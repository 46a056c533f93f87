-- id: AB11
-- name: allowance.unknown
-- title: VIE or TIE not honoured: allowance cannot be established
-- section: 17 CCR § 93130.11(a)-(b); data contract 4 step 3
-- severity: warning
-- description: With no allowances row for the holder and year, the allowance is computed from
--   the previous year's loaded visits. When that year is not loaded either (or the visit names
--   no fleet for a VIE), the claim is not honoured and this finding says why.
-- compliant: allowances has fleet F 2026 granted 3, or 2025 visits are loaded.
-- non_compliant: A VIE claimed in 2026 with no allowances row and no 2025 visits loaded.
SELECT
    visit_id,
    upper(claim_kind) || ' not honoured: '
        || CASE allowance_source
               WHEN 'no_holder' THEN 'the visit names no ' || holder_kind
               ELSE 'no allowances row for ' || holder_kind || ' ' || holder || ' in '
                    || CAST(year AS VARCHAR) || ' and no visits of ' || CAST(year - 1 AS VARCHAR)
                    || ' are loaded to compute it'
           END AS message,
    to_json({
        'claim': claim_kind,
        'holder_kind': holder_kind,
        'holder': holder,
        'year': year,
        'reason': allowance_source
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_claim_outcome
WHERE allowance IS NULL
