-- id: AB15
-- name: capture.approval_unverified
-- title: Capture session counted without an approvals (caecs) table
-- section: 17 CCR § 93130.5(a); docs/contract.md 4 step 7
-- severity: warning
-- description: With no caecs rows loaded at all, capture sessions count as control, and this
--   finding records that the system's approval was not verified.
-- compliant: caecs is loaded and lists the system: no finding.
-- non_compliant: No caecs file was loaded: every capture session gets this finding.
SELECT
    c.visit_id,
    'capture session ' || c.session_id || ' (system ' || c.system_id
        || ') counted without verifying its approval: no caecs table is loaded' AS message,
    to_json({'session_id': c.session_id, 'system_id': c.system_id}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_capture c
JOIN bc_need n ON n.vkey = c.vkey
WHERE NOT c.caecs_loaded
