-- id: AB26
-- name: allowance.claims_of_the_year_not_complete
-- title: TIE not honoured: the terminal's other claims of the year may not be loaded
-- section: 17 CCR § 93130.11(a)(3); docs/regulations-carb.md 8.3
-- severity: warning
-- description: A terminal's TIEs are used in the order it assigns them to visits within the
--   calendar year, and the claims are numbered in departure order among the loaded visits. A
--   shipping line holds only its own calls, and a port may have loaded only part of a year:
--   the terminal's claims on other visits of that year may be missing, so "TIE 1" of the
--   loaded claims may be the terminal's fourth. Unless the port's visits of the claim's year
--   are declared complete in coverage (kind port), a TIE within the allowance among the
--   loaded claims is not honoured (the stricter reading, as AB03 and AB11 take where a count
--   is missing) and this finding says what to load; the visit is judged on its control. A
--   claim already beyond the allowance among the loaded claims is AB10 (or AB24): more claims
--   cannot bring it back within.
-- compliant: coverage (port, USLAX, 2026) is loaded; T1's TIE 1 of 3 in 2026 is honoured.
-- non_compliant: no coverage row for USLAX 2026: T1's only loaded TIE of 2026, within its
--   allowance of 3, is not honoured and this warning names the coverage row to load.
SELECT
    visit_id,
    upper(claim_kind) || ' not honoured: it is ' || upper(claim_kind) || ' '
        || CAST(claim_number AS VARCHAR) || ' of the loaded claims of ' || holder_kind || ' '
        || holder || coalesce(' at ' || holder_port, '') || ' in ' || CAST(year AS VARCHAR)
        || ' (allowance ' || CAST(allowance AS VARCHAR) || ', ' || allowance_source || '), but '
        || coalesce(holder_port, '') || ' ' || CAST(year AS VARCHAR)
        || ' is not declared complete, so other claims at the terminal that year may not be '
        || 'loaded. Load the complete ' || CAST(year AS VARCHAR) || ' visits of '
        || coalesce(holder_port, '') || ' (with the terminal''s claims) and a coverage row '
        || '(kind port, holder ' || coalesce(holder_port, '') || ', year ' || CAST(year AS VARCHAR)
        || ')' AS message,
    to_json({
        'allowance': allowance,
        'allowance_source': allowance_source,
        'claim': claim_kind,
        'claim_number': claim_number,
        'holder': holder,
        'holder_kind': holder_kind,
        'load': 'coverage',
        'port': holder_port,
        'reason': 'claims_not_complete',
        'year': year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_claim_outcome
WHERE allowance IS NOT NULL AND claim_number <= allowance AND NOT claims_complete
