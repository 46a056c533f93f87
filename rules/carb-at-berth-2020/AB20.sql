-- id: AB20
-- name: control.plug_in_required
-- title: Commissioned shore power vessel on capture at a shore power berth
-- section: 17 CCR § 93130.7(a); § 93130.9(a)(1), (a)(3)
-- severity: violation
-- description: A vessel whose shore power is commissioned at the terminal (commissioned =
--   true) must plug in on each and every visit. At a berth with shore power (berths row) its
--   capture sessions do not count as control; the time they covered is uncontrolled and the
--   vessel and the terminal answer for it. At a berth without shore power the terminal may use
--   a TIE or an alternative CAECS, so capture counts there (no finding). The minutes are the
--   session's minutes inside the window. A visit whose commissioned is empty is under the duty
--   when an earlier visit of the vessel to the same port and terminal says commissioned = true
--   (commissioning is once per terminal): the finding names that visit (commissioned_from).
-- compliant: A commissioned vessel on capture 10:00-17:00 at a berth without shore power.
-- non_compliant: The same vessel on the same capture at a shore power berth: 420 minutes.
WITH barred AS (
    SELECT c.*, v.berth,
        overlap_seconds(c.started, c.ended, w.window_start, w.window_end) AS window_seconds
    FROM bc_capture c
    JOIN bc_window w ON w.vkey = c.vkey
    JOIN bc_visit v ON v.vkey = c.vkey
    WHERE c.plug_in_barred
)
SELECT
    visit_id,
    'capture session ' || session_id || ' does not count: the vessel''s shore power is '
        || 'commissioned at this terminal'
        || CASE WHEN commissioned_from IS NOT NULL
                THEN ' (commissioned = true on its earlier visit ' || commissioned_from
                     || '; empty on this one)'
                ELSE '' END
        || ' and berth ' || berth || ' has shore power, so the '
        || 'vessel must plug in (' || bc_minutes_text(window_seconds)
        || ' min of the window; responsible vessel and terminal)' AS message,
    to_json({
        'berth': berth,
        'commissioned_from': commissioned_from,
        'ended': iso_utc(ended),
        'session_id': session_id,
        'started': iso_utc(started),
        'system_id': system_id,
        'window_minutes': minutes_of(window_seconds)
    }) AS evidence,
    minutes_of(window_seconds) AS minutes
FROM barred
