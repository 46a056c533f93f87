-- id: AB14
-- name: capture.not_approved
-- title: Capture session outside its system's approval
-- section: 17 CCR § 93130.5(a) (Executive Order required for every strategy other than shore power)
-- severity: violation
-- description: A capture session counts as control for the part that lies inside its
--   system's approval in caecs (approved_from 00:00 to approved_to 24:00, port-local; empty
--   approved_to = open). The part outside it, or the whole session of a system not listed in
--   caecs, does not count: this finding gives its minutes.
-- compliant: System EO-1 approved from 2024-01-01, open-ended: its 2026 sessions count whole.
-- non_compliant: System EO-3 approved from 2026-10-04 used 2026-10-03 20:00 to 10-04 04:00: the
--   4 hours before midnight do not count (240 minutes), the 4 after do.
SELECT
    c.visit_id,
    'capture session ' || c.session_id || ': '
        || bc_minutes_text(c.unapproved_seconds) || ' min do not count: system '
        || c.system_id
        || CASE WHEN c.listed
                THEN ' is approved ' || CAST(c.approved_from AS VARCHAR) || ' to '
                     || coalesce(CAST(c.approved_to AS VARCHAR), 'open')
                     || CASE WHEN c.counted_s IS NULL THEN ', not during the session'
                             ELSE '; only ' || local_text(c.counted_s, c.tz) || ' to '
                                  || local_text(c.counted_e, c.tz) || ' ' || c.tz || ' counts' END
                ELSE ' is not listed in caecs' END AS message,
    to_json({
        'approved_from': CAST(c.approved_from AS VARCHAR),
        'approved_to': CAST(c.approved_to AS VARCHAR),
        'counted_from': iso_utc(c.counted_s),
        'counted_to': iso_utc(c.counted_e),
        'ended': iso_utc(c.ended),
        'listed': c.listed,
        'provider': c.provider,
        'session_id': c.session_id,
        'started': iso_utc(c.started),
        'system_id': c.system_id,
        'unapproved_minutes': minutes_of(c.unapproved_seconds)
    }) AS evidence,
    minutes_of(c.unapproved_seconds) AS minutes
FROM bc_capture c
JOIN bc_need n ON n.vkey = c.vkey
WHERE c.caecs_loaded AND c.unapproved_seconds > 0
