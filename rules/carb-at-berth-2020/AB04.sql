-- id: AB04
-- name: data.missing_ready_to_work
-- title: Ready to Work time missing
-- section: 17 CCR § 93130.12(b)(2)(A); § 93130.7(e)(4) item "Ready to Work"; docs/contract.md 2
-- severity: warning
-- description: The control window starts two hours after the vessel declared "Ready to Work".
--   A visit that must control emissions but has no ready_to_work cannot be judged: its
--   verdict is insufficient_data, never a guess.
-- compliant: ready_to_work 2026-10-03 08:00 is given: the window can be computed.
-- non_compliant: ready_to_work is empty on a regulated container visit: insufficient_data.
SELECT
    visit_id,
    'ready_to_work is missing; the control window cannot be computed' AS message,
    to_json({'arrival': iso_utc(arrival), 'departure': iso_utc(departure)}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_outcome
WHERE verdict = 'insufficient_data' AND basis = 'missing_ready_to_work'
