-- id: AB08
-- name: control.gap
-- title: Control interrupted during the window
-- section: 17 CCR § 93130.7(b); § 93130.5(b)
-- severity: violation
-- description: Every uncovered stretch between two control sessions inside the window is a separate
--   finding with its minutes (overlapping shore power and capture sessions are merged first).
-- compliant: Shore power 10:00-14:00 and capture 13:30-17:00: union, no gap.
-- non_compliant: Shore power 10:00-12:00 and 12:45-17:00: a 45-minute gap.
SELECT
    g.visit_id,
    'gap: ' || CAST(minutes_of(g.seconds - g.excused_seconds) AS VARCHAR) || ' min uncontrolled ('
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
WHERE g.segment_kind = 'gap'
  AND o.verdict = 'non_compliant'
  AND g.seconds - g.excused_seconds > 0
