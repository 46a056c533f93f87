-- id: AB07
-- name: control.early_disconnection
-- title: Control ended earlier than one hour before Pilot on Board
-- section: 17 CCR § 93130.12(b)(2)(C); § 93130.7(b)
-- severity: violation
-- description: Emission control must continue until at least one hour before the outbound pilot boards.
--   Minutes from the last control to pilot_on_board - 1 h, less excused parts, are early.
-- compliant: Pilot on board 18:00, disconnected at 17:00 exactly (on time).
-- non_compliant: Pilot on board 18:00, disconnected at 16:30: a 30-minute early disconnection.
SELECT
    g.visit_id,
    'early disconnection: ' || CAST(minutes_of(g.seconds - g.excused_seconds) AS VARCHAR) || ' min uncontrolled ('
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
WHERE g.segment_kind = 'early_disconnection'
  AND o.verdict = 'non_compliant'
  AND g.seconds - g.excused_seconds > 0
