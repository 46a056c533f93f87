-- id: CN08
-- name: shore_power.partial
-- title: Shore power or capture used for only part of the window
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11; Marine Environment Protection Law (2023) Art. 110 (fine; UNCONFIRMED amounts)
-- severity: violation
-- description: Shore power (or a counted capture session) was used, but not over the whole
--   window W: the time before the first connection (late connection), between sessions (gap)
--   and after the last disconnection (early disconnection), less what exception events excuse,
--   is uncontrolled; the ship (vessel) answers for it. One finding per visit with the minutes
--   and port-local times (to the second) of each stretch. A ship whose visits row says
--   shore_power_capable false, or whose berth the berths table lists without supply (or not
--   at all), but that was on shore power during the call has receiving equipment at a berth
--   with supply: it is judged, and the message says which row the session contradicts.
-- compliant: Stay 06:00 to 06:00 next day, shore power 07:00-05:00: no finding.
-- non_compliant: Shore power 08:30-00:00 on that stay: late connection 90 min (07:00 to
--   08:30) and early disconnection 60 min (00:00 to 01:00), 150 uncontrolled minutes. The message names what controlled:
--   shore power, capture, or shore power and capture.
SELECT
    visit_id,
    -- what controlled the window: capture counts only where shore power did not already
    -- run (capture_seconds, stage 30_control), so capture inside shore power is not named
    CASE WHEN sp_seconds > 0 AND capture_seconds > 0 THEN 'shore power and capture'
         WHEN capture_seconds > 0 THEN 'capture'
         ELSE 'shore power' END
        || ' for only part of the window ' || window_text || ' ' || tz || ': '
        || printf('%.2f', control_seconds / 3600.0) || ' of '
        || printf('%.2f', seconds_between(w_start, w_end) / 3600.0) || ' h under control; '
        -- the excused hours, so that the three add up to the window (pack 1.1.6)
        || CASE WHEN excused_seconds > 0
                THEN printf('%.2f', excused_seconds / 3600.0) || ' h excused; ' ELSE '' END
        || printf('%.2f', uncontrolled_seconds / 3600.0) || ' h uncontrolled ('
        -- each stretch with its times (stage 40_excuses; pack 1.1.6)
        || stretches
        || '); the ship is liable to a fine of RMB ' || CAST($fine_min_cny AS VARCHAR) || '-'
        || CAST($fine_max_cny AS VARCHAR) || ' (Marine Environment Protection Law Art. 110)'
        || area_note || session_contradicts AS message,
    to_json({
        'controlled_hours': hours_of(control_seconds),
        'early_disconnection_minutes': minutes_of(early_seconds),
        'excused_hours': hours_of(excused_seconds),
        'from': iso_utc(w_start),
        'gap_minutes': minutes_of(gap_seconds),
        'late_connection_minutes': minutes_of(late_seconds),
        'to': iso_utc(w_end),
        'uncontrolled_hours': hours_of(uncontrolled_seconds)
    }) AS evidence,
    minutes_of(uncontrolled_seconds) AS minutes
FROM cn_outcome
WHERE verdict = 'non_compliant' AND control_seconds > 0
