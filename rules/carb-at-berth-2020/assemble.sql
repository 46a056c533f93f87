-- assemble: one result row per visit, in the column order of docs/contract.md 4 (the engine adds
-- `pack` and `findings`). Pack-specific columns follow the contract's columns.
WITH outcome AS (
    -- the applicable visits (stages/70_outcome.sql)
    SELECT * FROM bc_outcome
    UNION ALL BY NAME
    -- the not-applicable visits, straight from bc_visit: their verdict, basis and note are
    -- their applicability; every column not named here (window, hours, responsible party,
    -- terminal status) is NULL for them
    SELECT visit_id, vkey, vessel_name, imo, vessel_type, fleet, operator, port, terminal, berth,
        arrival, ready_to_work, pilot_on_board, departure, tz,
        'not_applicable' AS verdict,
        not_applicable_basis AS basis,
        -- the note of rule AB01 ([pack] notes): why the visit is not applicable; the same
        -- macro as AB01's message (stages/05_notes.sql)
        not_applicable_reason(not_applicable_basis, port, vessel_type, start_date,
                              arrival_local_date) AS not_applicable_reason
    FROM bc_visit
    WHERE not_applicable_basis IS NOT NULL
)
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
    -- § 93130.7 / .9 / .12(b): each port-local calendar day with uncontrolled time is a violation
    CAST(CASE verdict WHEN 'non_compliant' THEN coalesce(vd.violation_days, 0)
                      WHEN 'compliant' THEN 0 END AS BIGINT) AS violation_days,
    vessel_name,
    imo,
    vessel_type,
    fleet,
    operator,
    port,
    terminal,
    berth,
    arrival,
    ready_to_work,
    pilot_on_board,
    departure,
    tz AS port_timezone,
    -- uncontrolled_hours in minutes, from the seconds: what the findings, `check`, the report
    -- and `export carb-visit-report` say a visit's uncontrolled minutes are
    uncontrolled_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(late_seconds) END
        AS late_connection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(early_seconds) END
        AS early_disconnection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(gap_seconds) END AS gap_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(no_control_seconds) END
        AS no_control_minutes,
    terminal_status,
    terminal_status_source,
    -- the note of rule AB01 ([pack] notes): why the visit is not applicable, else NULL
    not_applicable_reason,
    -- hours over the whole stay, read by berthcheck/emissions.py (docs/contract.md 5)
    hours_of(seconds_between(arrival, departure)) AS stay_hours,
    hours_of(coalesce(sc.stay_shore_power_seconds, 0)) AS shore_power_hours,
    hours_of(coalesce(sc.stay_controlled_seconds, 0) - coalesce(sc.stay_shore_power_seconds, 0))
        AS capture_hours
FROM outcome
-- joined on the visit key (stages/10_visits.sql), which stays out of the results
LEFT JOIN bc_stay_control sc ON sc.vkey = outcome.vkey
-- (its days by key: the visit_id above is the outcome's)
LEFT JOIN (SELECT vkey, violation_days FROM bc_violation_days) vd ON vd.vkey = outcome.vkey
ORDER BY visit_id;
