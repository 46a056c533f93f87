-- id: AB10
-- name: allowance.beyond
-- title: VIE or TIE beyond the holder's allowance for the year
-- section: 17 CCR § 93130.11(a)-(b)
-- severity: violation
-- description: A fleet's VIEs (a terminal's TIEs) are counted in order of the visits' departure
--   within the calendar year; a TIE belongs to a terminal at its port, so same-named terminals
--   at two ports are counted apart. A fleet is named ignoring case and spaces (as --fleet
--   matches it): its claims, allowances, counts and coverage are one fleet's however spelled. The allowance is the allowances row for the holder and
--   year, else a percentage (Table 3; parameter table allowance_percent) of the holder's
--   previous-year count (visit_counts, or loaded visits of a year declared complete in
--   coverage; for 2023 the count of 2021, § 93130.11(a)(2)) rounded to the nearest whole
--   number. A claim beyond the allowance does not excuse
--   its visit. A claim beyond the allowance on a visit that had no uncontrolled time anyway
--   (compliant on its control, or an empty window) is AB24, a warning: the visit did reduce
--   its emissions, so the over-assignment is the holder's reporting error, not a visit
--   without reductions (docs/regulations-carb.md 8.2). A TIE's number counts the loaded
--   claims; where its port's visits of the year are not declared complete in coverage it is a
--   lower bound, and the message says "at least" (AB26 is the claim within the allowance
--   there; docs/regulations-carb.md 8.3).
-- compliant: Fleet F has 2 VIEs for 2026; its first and second VIE claims are honoured.
-- non_compliant: The third VIE claim of fleet F in 2026 (by departure) is not honoured.
SELECT
    visit_id,
    upper(claim_kind) || ' ' || CAST(claim_number AS VARCHAR) || ' of ' || holder_kind || ' '
        || holder || coalesce(' at ' || holder_port, '') || ' in ' || CAST(year AS VARCHAR)
        || claim_number_note || ' exceeds the allowance of '
        || CAST(allowance AS VARCHAR) || ' (' || allowance_source || '); not honoured' AS message,
    to_json({
        'allowance': allowance,
        'allowance_source': allowance_source,
        'claim': claim_kind,
        'claim_number': claim_number,
        'holder': holder,
        'holder_kind': holder_kind,
        'percent': CASE WHEN allowance_source <> 'allowances' THEN percent END,
        'port': holder_port,
        'previous_year_visits': CASE WHEN allowance_source <> 'allowances' THEN prev_visits END,
        'year': year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_claim_outcome c
-- the refused claim leaves uncontrolled time (or a visit without Ready to Work) unexcused;
-- on a visit compliant on its own control it is AB24 (not on one another honoured VIE/TIE
-- made compliant: that visit did not reduce its emissions). An anti join (NOT EXISTS without
-- the correlated subquery, cheaper to plan)
ANTI JOIN (SELECT o.vkey FROM bc_outcome o
           WHERE o.verdict = 'compliant' AND NOT (o.vie_honoured OR o.tie_honoured)) o
    ON o.vkey = c.vkey
WHERE allowance IS NOT NULL AND claim_number > allowance
