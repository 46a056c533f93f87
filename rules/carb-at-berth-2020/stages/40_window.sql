-- stage: control window
-- W = [ready_to_work + 2 h, coalesce(pilot_on_board, departure) - 1 h), half-open, for every
-- visit that must control emissions and has a ready_to_work. By the visit key only: a reader
-- that writes the visit's id, zone or times reads them from bc_visit (AB05) or its own rows
-- (bc_excuse_piece); copied here for every window they were half this statement.
CREATE OR REPLACE TEMP TABLE bc_window AS
SELECT
    v.vkey,
    v.pilot_on_board IS NULL AS pilot_fallback,
    v.ready_to_work
        + to_seconds(CAST(round($connect_after_ready_to_work_hours * 3600) AS BIGINT))
        AS window_start,
    coalesce(v.pilot_on_board, v.departure)
        - to_seconds(CAST(round($disconnect_before_pilot_on_board_hours * 3600) AS BIGINT))
        AS window_end
FROM bc_visit v
JOIN bc_need n ON n.vkey = v.vkey
WHERE v.ready_to_work IS NOT NULL;
