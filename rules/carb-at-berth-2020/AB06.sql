-- id: AB06
-- name: control.late_connection
-- title: Control began later than two hours after Ready to Work
-- section: 17 CCR § 93130.12(b)(2)(A); § 93130.7(b)
-- severity: violation
-- description: Emission control (shore power or an approved capture system) must begin within two hours
--   of Ready to Work. Minutes from ready_to_work + 2 h to the first control, less any part
--   excused by an emergency or remediation event, are late.
-- compliant: Ready to Work 08:00, shore power connected at 10:00 exactly (on time).
-- non_compliant: Ready to Work 08:00, shore power connected at 10:01: a 1-minute late connection.
SELECT visit_id, 'late connection: ' || detail AS message, evidence, minutes
FROM bc_uncontrolled_segment
WHERE segment_kind = 'late_connection'
