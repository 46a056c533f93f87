-- id: CN07
-- name: shore_power.none
-- title: Shore power not used at a berth with supply
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11; Marine Environment Protection Law (2023) Art. 110 (fine; UNCONFIRMED amounts)
-- severity: violation
-- description: A ship under the duty (receiving equipment, not a tanker, berth with supply, stay
--   over the threshold) used neither shore power nor a counted alternative measure in the window
--   W = [arrival + 1 h, departure - 1 h) (allowances UNCONFIRMED parameters). Every minute of W
--   not excused is uncontrolled; the ship (vessel) answers for it and is liable to a fine of
--   RMB 10 000-100 000 (parameters fine_min_cny / fine_max_cny, UNCONFIRMED). A session that
--   ran only in the allowances is named ("no shore power in the window"), as is a visits or
--   berths row the session contradicts (CN08). When exceptions excused part of W, the message
--   names the times not excused and the hours excused.
-- compliant: Shore power from 07:00 to 05:00 next day on a stay 06:00-06:00: no finding.
-- non_compliant: A container ship with receiving equipment 20 h at a Shanghai berth with supply,
--   no shore power: W = 18 h, 1 080 uncontrolled minutes.
SELECT
    o.visit_id,
    -- a ship whose only session ran in the allowances did use shore power, just not in the
    -- window: the message says so (pack 1.1.6; it said "no shore power used")
    CASE WHEN coalesce(sc.stay_sp_seconds, 0) + coalesce(sc.stay_capture_seconds, 0) > 0
         THEN 'no shore power in the window: ' ELSE 'no shore power used: ' END
        || printf('%.2f', uncontrolled_seconds / 3600.0)
        || ' h of the window ' || window_text || ' ' || tz || ' not on shore power and not excused'
        -- when exceptions excused part of the window, which times the ship answers for, and
        -- the hours excused (pack 1.1.6; the window's times alone did not say)
        || CASE WHEN excused_seconds > 0
                THEN ' (' || open_times || '; ' || printf('%.2f', excused_seconds / 3600.0)
                     || ' h excused)' ELSE '' END
        || CASE WHEN coalesce(sc.stay_sp_seconds, 0) + coalesce(sc.stay_capture_seconds, 0) > 0
                THEN ' (the ship''s ' || concat_ws(' and ',
                         CASE WHEN sc.stay_sp_seconds > 0
                              THEN bc_minutes_text(sc.stay_sp_seconds) || ' min of shore power' END,
                         CASE WHEN sc.stay_capture_seconds > 0
                              THEN bc_minutes_text(sc.stay_capture_seconds) || ' min of capture' END)
                     || ' ran only outside it, in the connection or disconnection allowance)'
                ELSE '' END
        || '; the ship is liable to a fine of RMB '
        || CAST($fine_min_cny AS VARCHAR) || '-' || CAST($fine_max_cny AS VARCHAR)
        || ' (Marine Environment Protection Law Art. 110)' || area_note
        || session_contradicts AS message,
    to_json({
        'excused_hours': hours_of(excused_seconds),
        'from': iso_utc(w_start),
        'port_area': port_area,
        'stay_minutes': minutes_of(stay_seconds),
        'threshold_hours': min_stay_hours,
        'to': iso_utc(w_end),
        'uncontrolled_hours': hours_of(uncontrolled_seconds)
    }) AS evidence,
    minutes_of(uncontrolled_seconds) AS minutes
FROM cn_outcome o
LEFT JOIN cn_stay_control sc ON sc.visit_id = o.visit_id
WHERE verdict = 'non_compliant' AND control_seconds = 0
