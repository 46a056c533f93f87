-- id: AB08
-- name: control.gap
-- title: Control interrupted during the window
-- section: 17 CCR § 93130.7(b); § 93130.5(b)
-- severity: violation
-- description: Every uncovered stretch between two control sessions inside the window is a separate
--   finding with its minutes (overlapping shore power and capture sessions are merged first).
-- compliant: Shore power 10:00-14:00 and capture 13:30-17:00: union, no gap.
-- non_compliant: Shore power 10:00-12:00 and 12:45-17:00: a 45-minute gap.
SELECT visit_id, 'gap: ' || detail AS message, evidence, minutes
FROM bc_uncontrolled_segment
WHERE segment_kind = 'gap'
