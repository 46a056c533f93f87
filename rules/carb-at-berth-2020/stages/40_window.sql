-- stage: control window
-- W = [ready_to_work + 2 h, coalesce(pilot_on_board, departure) - 1 h), half-open, for every
-- visit that must control emissions and has a ready_to_work.
CREATE OR REPLACE TEMP TABLE bc_window AS
SELECT
    v.visit_id,
    v.vkey,
    v.tz,
    v.ready_to_work,
    v.pilot_on_board,
    v.departure,
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
