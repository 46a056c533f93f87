-- id: AB14
-- name: capture.not_approved
-- title: Capture system not approved for the whole session
-- section: 17 CCR § 93130.5(a) (Executive Order required for every strategy other than shore power)
-- severity: violation
-- description: A capture session counts as control only when its system_id is listed in caecs
--   and approved over the whole session (approved_from to approved_to inclusive, port-local
--   days). Otherwise the session does not count and this finding names the session.
-- compliant: System EO-1 approved from 2024-01-01, open-ended: its 2026 sessions count.
-- non_compliant: System EO-2 approved to 2026-09-30 used on 2026-10-03, or an unlisted system.
SELECT
    c.visit_id,
    'capture session ' || c.session_id || ' does not count: system ' || c.system_id
        || CASE WHEN c.listed
                THEN ' is approved ' || CAST(c.approved_from AS VARCHAR) || ' to '
                     || coalesce(CAST(c.approved_to AS VARCHAR), 'open')
                     || ', not over the whole session'
                ELSE ' is not listed in caecs' END AS message,
    to_json({
        'session_id': c.session_id,
        'system_id': c.system_id,
        'provider': c.provider,
        'started': iso_utc(c.started),
        'ended': iso_utc(c.ended),
        'listed': c.listed,
        'approved_from': CAST(c.approved_from AS VARCHAR),
        'approved_to': CAST(c.approved_to AS VARCHAR)
    }) AS evidence,
    minutes_of(seconds_between(c.started, c.ended)) AS minutes
FROM bc_capture c
JOIN bc_need n ON n.visit_id = c.visit_id
WHERE c.caecs_loaded AND NOT c.approved
