-- id: AB25
-- name: control.plug_in_undecided
-- title: Commissioned shore power vessel on capture at a berth whose shore power is unknown
-- section: 17 CCR § 93130.7(a); § 93130.9(a)(1), (a)(3)
-- severity: warning
-- description: A vessel whose shore power is commissioned at the terminal (commissioned = true,
--   or empty after an earlier visit to the terminal that says true) must plug in at a berth
--   with shore power, where its capture does not count (AB20). Without a berths row for the
--   berth, or with its shore_power cell empty, that cannot be told: the capture counts (the
--   duty needs a berth shown to have shore power), and this finding gives the minutes of the
--   window the session covered, which would be uncontrolled were the berth a shore power
--   berth, and what to load. A shipping line checking its own calls has no berths table.
-- compliant: The same visit at a berth listed with shore_power false (capture counts), or
--   true (AB20).
-- non_compliant: A commissioned vessel on capture for its whole window (1860 min) at a berth
--   with no berths row: compliant on the capture, with this warning.
WITH undecided AS (
    -- the visit's port, terminal, berth and window from bc_outcome: where the verdict rests on
    -- the control (compliant or non-compliant) it reports the window, and a window that is
    -- empty there (NULL) or in bc_window (start >= end) covers no second of a session
    SELECT c.visit_id, c.session_id, c.system_id, c.commissioned_from, o.port, o.terminal,
        o.berth, b.port IS NOT NULL AS listed,
        overlap_seconds(c.counted_s, c.counted_e, o.window_start, o.window_end) AS window_seconds
    FROM bc_capture c
    JOIN bc_outcome o ON o.vkey = c.vkey
    LEFT JOIN berths b ON b.port = o.port AND b.terminal = o.terminal AND b.berth = o.berth
    WHERE $plug_in_duty
      AND c.counts
      AND c.commissioned_at_terminal
      AND b.shore_power IS NULL
      -- where the verdict rests on the control: not an exempt visit, nor one a VIE/TIE excused
      AND o.verdict IN ('compliant', 'non_compliant')
      AND NOT (o.vie_honoured OR o.tie_honoured)
)
SELECT
    visit_id,
    'capture session ' || session_id || ' counted as control, but the vessel''s shore power is '
        || 'commissioned at this terminal'
        || CASE WHEN commissioned_from IS NOT NULL
                THEN ' (commissioned = true on its earlier visit ' || commissioned_from
                     || '; empty on this one)'
                ELSE '' END
        || ' and berth ' || port || '/' || terminal || '/' || berth
        || CASE WHEN listed THEN ' has an empty shore_power cell in the berths table'
                ELSE ' is not in the berths table' END
        || ': if the berth has shore power, the vessel had to plug in and the session''s '
        || bc_minutes_text(window_seconds) || ' min of the window are uncontrolled (AB20; '
        || 'vessel and terminal answer). Load '
        || CASE WHEN NOT listed THEN 'a berths row (port ' || port || ', terminal ' || terminal
                     || ', berth ' || berth || ', shore_power true or false), from the terminal '
                     || 'or the port'
                ELSE 'its berths row again with shore_power true or false' END AS message,
    to_json({
        'berth': berth,
        'commissioned_from': commissioned_from,
        'session_id': session_id,
        'system_id': system_id,
        'window_minutes': minutes_of(window_seconds)
    }) AS evidence,
    minutes_of(window_seconds) AS minutes
FROM undecided
WHERE window_seconds > 0
