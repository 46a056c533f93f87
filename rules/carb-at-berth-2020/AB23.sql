-- id: AB23
-- name: violation.days
-- title: Violation days: port-local calendar days with uncontrolled time
-- section: 17 CCR § 93130.7, § 93130.9, § 93130.12(b) ("a separate violation for each calendar day")
-- severity: info
-- description: Each failure to perform an item of §§ 93130.7, 93130.9 or 93130.12 is a separate
--   violation for each calendar day on which it occurs. A non-compliant visit's violation days
--   (results column violation_days) are the port-local calendar days on which it had
--   uncontrolled time in its window, net of excused time: the uncontrolled stretches are cut
--   at local midnight. Visit reports use local time (§ 93130.12(b)(3)), hence port-local days.
--   This finding lists the dates; it does not change the verdict.
-- compliant: A visit controlled for its whole window has 0 violation days and no finding.
-- non_compliant: A 2-hour gap from 23:00 to 01:00 local: 2 violation days (10-03 and 10-04).
SELECT
    d.visit_id,
    CAST(d.violation_days AS VARCHAR) || ' violation day'
        || CASE WHEN d.violation_days = 1 THEN '' ELSE 's' END
        || ' (port-local dates with uncontrolled time: ' || d.violation_dates || ')' AS message,
    to_json({
        'dates': d.violation_dates,
        'violation_days': d.violation_days
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
-- the non-compliant visits' days (stages/70_outcome.sql)
FROM bc_violation_days d
