-- id: AB09
-- name: control.none
-- title: No valid emission control during the window
-- section: 17 CCR § 93130.7(b); § 93130.5(a)-(b)
-- severity: violation
-- description: The window was required but no shore power session and no approved capture session
--   covered any of it.
-- compliant: Any control session inside the window.
-- non_compliant: A regulated visit with no shore power and no capture session.
SELECT
    g.visit_id,
    'no control: ' || CAST(minutes_of(g.seconds - g.excused_seconds) AS VARCHAR) || ' min uncontrolled ('
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
WHERE g.segment_kind = 'no_control'
  AND o.verdict = 'non_compliant'
  AND g.seconds - g.excused_seconds > 0
