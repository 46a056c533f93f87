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
SELECT
    g.visit_id,
    'late connection: ' || CAST(minutes_of(g.seconds - g.excused_seconds) AS VARCHAR) || ' min uncontrolled ('
        || local_text(g.s, o.tz) || ' to ' || local_text(g.e, o.tz) || ' ' || o.tz || ')'
        || CASE WHEN g.excused_seconds > 0
                THEN ', ' || CAST(minutes_of(g.excused_seconds) AS VARCHAR) || ' min excused'
                ELSE '' END AS message,
    to_json({
        'from': iso_utc(g.s),
        'to': iso_utc(g.e),
        'minutes': minutes_of(g.seconds),
        'excused_minutes': minutes_of(g.excused_seconds),
        'uncontrolled_minutes': minutes_of(g.seconds - g.excused_seconds)
    }) AS evidence,
    minutes_of(g.seconds - g.excused_seconds) AS minutes
FROM bc_segment_net g
JOIN bc_outcome o ON o.visit_id = g.visit_id
WHERE g.segment_kind = 'late_connection'
  AND o.verdict = 'non_compliant'
  AND g.seconds - g.excused_seconds > 0
