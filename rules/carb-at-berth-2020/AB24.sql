-- id: AB24
-- name: allowance.beyond_on_a_controlled_visit
-- title: VIE or TIE beyond the allowance assigned to a visit that needed none
-- section: 17 CCR § 93130.11 (opening sentence; (a)(3)); § 93130.7(b)
-- severity: warning
-- description: A VIE or TIE "accommodates a limited number of situations where a vessel does not
--   reduce emissions during a visit" (§ 93130.11). Under parameter
--   claim_without_uncontrolled_time_uses_allowance (true, UNCONFIRMED) a claim on a visit that
--   had no uncontrolled time anyway is counted; when it is beyond the holder's allowance it is
--   not honoured, but the visit reduced its emissions and stays compliant on its control: the
--   over-assignment is the holder's reporting error to correct with CARB, not a violation of
--   the control requirement (AB10 is for claims that leave uncontrolled time unexcused).
--   Counted, it still takes its place in the holder's claims of the year
--   (docs/regulations-carb.md 8.2).
-- compliant: Fleet F has 1 VIE for 2026; its one claim is on a visit controlled throughout.
-- non_compliant: Fleet F has 0 VIEs for 2026 and claims one on a visit shore power covered
--   throughout: the visit is compliant (basis controlled) and this warning names the claim.
SELECT
    c.visit_id,
    upper(c.claim_kind) || ' ' || CAST(c.claim_number AS VARCHAR) || ' of ' || c.holder_kind || ' '
        || c.holder || coalesce(' at ' || c.holder_port, '') || ' in ' || CAST(c.year AS VARCHAR)
        || c.claim_number_note || ' exceeds the allowance of ' || CAST(c.allowance AS VARCHAR) || ' ('
        || c.allowance_source || '); not honoured, and not needed: the visit had no '
        || 'uncontrolled time (compliant on its control); the assignment is to be corrected'
        AS message,
    to_json({
        'allowance': c.allowance,
        'allowance_source': c.allowance_source,
        'claim': c.claim_kind,
        'claim_number': c.claim_number,
        'holder': c.holder,
        'holder_kind': c.holder_kind,
        'percent': CASE WHEN c.allowance_source <> 'allowances' THEN c.percent END,
        'port': c.holder_port,
        'previous_year_visits': CASE WHEN c.allowance_source <> 'allowances' THEN c.prev_visits END,
        'year': c.year
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_claim_outcome c
JOIN bc_outcome o ON o.vkey = c.vkey
WHERE c.allowance IS NOT NULL AND c.claim_number > c.allowance AND o.verdict = 'compliant'
  -- compliant on its own control (or an empty window), not through another honoured claim:
  -- a visit without reductions relied on a VIE/TIE, the reason above does not hold (AB10)
  AND NOT (o.vie_honoured OR o.tie_honoured)
