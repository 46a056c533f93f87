-- assemble: one result row per visit, in the column order of docs/contract.md 4 (the engine adds
-- `pack` and `findings`). The pack defines no penalty (the fine is the authority's decision):
-- `penalty` is empty. Pack-specific columns follow the contract's columns.
SELECT
    visit_id,
    verdict,
    basis,
    window_start,
    window_end,
    controlled_hours,
    uncontrolled_hours,
    excused_hours,
    responsible,
    CAST(NULL AS DOUBLE) AS penalty,
    CAST(NULL AS BIGINT) AS violation_days,  -- a CARB column (docs/contract.md 4)
    vessel_name,
    imo,
    vessel_type,
    fleet,
    operator,
    port,
    terminal,
    berth,
    arrival,
    departure,
    tz AS port_timezone,
    port_area,
    min_stay_hours AS threshold_hours,
    CASE WHEN berth_known THEN berth_supply END AS berth_shore_power,
    stated_capable AS shore_power_capable,  -- the visit's own value, as loaded
    start_date,
    CASE WHEN needs_control THEN minutes_of(sp_seconds) END AS shore_power_minutes,
    CASE WHEN needs_control THEN minutes_of(capture_seconds) END AS capture_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(late_seconds) END AS late_connection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(early_seconds) END
        AS early_disconnection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(gap_seconds) END AS gap_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(no_control_seconds) END AS no_control_minutes,
    -- hours over the whole stay, read by berthcheck/emissions.py (docs/contract.md 5)
    hours_of(stay_seconds) AS stay_hours,
    hours_of(coalesce(sc.stay_sp_seconds, 0)) AS shore_power_hours,
    hours_of(coalesce(sc.stay_capture_seconds, 0)) AS capture_hours
FROM cn_outcome
LEFT JOIN cn_stay_control sc USING (visit_id)
ORDER BY visit_id;
