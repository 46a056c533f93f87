-- id: AB09
-- name: control.none
-- title: No valid emission control during the window
-- section: 17 CCR § 93130.7(b); § 93130.5(a)-(b)
-- severity: violation
-- description: The window was required but no shore power session and no approved capture session
--   covered any of it.
-- compliant: Any control session inside the window.
-- non_compliant: A regulated visit with no shore power and no capture session.
SELECT visit_id, 'no control: ' || detail AS message, evidence, minutes
FROM bc_uncontrolled_segment
WHERE segment_kind = 'no_control'
