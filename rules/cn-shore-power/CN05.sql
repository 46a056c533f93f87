-- id: CN05
-- name: equivalent.capture
-- title: Capture-and-control session counted as an effective alternative measure
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11 (effective alternative measure); MOT emission control area plan (2018) (exhaust after-treatment; UNCONFIRMED mapping)
-- severity: info
-- description: With capture_counts_as_equivalent (UNCONFIRMED), the time of W under a capture
--   session (exhaust after-treatment at berth) counts as control, like shore power. The finding
--   gives the minutes of W under capture where shore power did not already run, so that an
--   auditor can see how much of the control was not shore power (shore-power and capture
--   minutes add up to the controlled minutes). No Chinese approval list of such systems is known: the caecs table is
--   not read.
-- compliant: A visit on shore power over all of W: no finding.
-- non_compliant: A visit whose W is covered by a capture session 08:00-20:00: this finding
--   with 720 minutes; the visit is compliant (basis controlled).
SELECT
    visit_id,
    'capture session(s) counted as an effective alternative measure for '
        || bc_minutes_text(capture_seconds) || ' min of the window' AS message,
    to_json({'capture_minutes': minutes_of(capture_seconds), 'from': iso_utc(w_start), 'shore_power_minutes': minutes_of(sp_seconds), 'to': iso_utc(w_end)}) AS evidence,
    minutes_of(capture_seconds) AS minutes
FROM cn_outcome
WHERE needs_control AND capture_seconds > 0
