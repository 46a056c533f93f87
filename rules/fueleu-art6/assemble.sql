-- assemble: one result row per visit, in the column order of docs/contract.md 4 (the engine adds
-- `pack` and `findings`). Pack-specific columns follow the contract's columns. `penalty` is in
-- the pack's currency (pack.toml: [pack] currency = "EUR").
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
    CAST(penalty AS DOUBLE) AS penalty,
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
    ready_to_work,
    pilot_on_board,
    departure,
    tz AS port_timezone,
    gross_tonnage,
    regime,
    start_date,
    -- the penalty's arithmetic: EUR rate x power_demand_kw x non_compliant_hours_billed
    CASE WHEN verdict IN ('compliant', 'non_compliant') THEN uncontrolled_hours END
        AS non_compliant_hours,
    -- a port call's billed hours and penalty are on one of its stays (penalty_on), so that
    -- adding up the rows counts each call once
    CASE WHEN penalty_carrier THEN billed_hours END AS non_compliant_hours_billed,
    -- the carrying stay of a call whose stays give different power demands: the call's
    -- (their mean weighted by billed time), so that its row still multiplies out
    CASE WHEN NOT needs_ops THEN NULL
         WHEN verdict = 'non_compliant' AND penalty_carrier
              AND call_power_demand_kw IS DISTINCT FROM power_demand_kw
              AND call_power_demand_kw IS NOT NULL THEN call_power_demand_kw
         ELSE power_demand_kw END AS power_demand_kw,
    CASE WHEN NOT needs_ops THEN NULL
         WHEN verdict = 'non_compliant' AND penalty_carrier
              AND call_power_demand_kw IS DISTINCT FROM power_demand_kw
              AND call_power_demand_kw IS NOT NULL THEN 'port_call_mean'
         ELSE power_source END AS power_source,
    CASE WHEN needs_ops THEN power_category END AS power_category,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(late_seconds) END
        AS late_connection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(early_seconds) END
        AS early_disconnection_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(gap_seconds) END AS gap_minutes,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(no_ops_seconds) END AS no_ops_minutes,
    k.use_number AS capped_exception_use,
    k.honoured AS capped_exception_honoured,
    -- the port call (docs/regulations-fueleu.md, "A berth shift within one port call")
    port_call,
    call_stays AS port_call_stays,
    hours_of(call_seconds) AS port_call_hours,
    CASE WHEN verdict = 'non_compliant' THEN call_carrier END AS penalty_on,
    -- the claim that exempts a stay (Art. 6(5)): its events and the stays they are recorded
    -- on, which for a stay exempt by its call-mate's unscheduled call is another stay
    CASE WHEN verdict = 'exempt' AND basis = exemption_kinds THEN exemption_claim_event_ids
         END AS exemption_events,
    CASE WHEN verdict = 'exempt' AND basis = exemption_kinds THEN exemption_claimed_on_ids END
        AS exemption_claimed_on,
    -- hours over the whole stay, read by berthcheck/emissions.py (docs/contract.md 5); OPS is the
    -- only control FuelEU Art. 6 knows, so capture hours are 0
    hours_of(stay_seconds) AS stay_hours,
    hours_of(coalesce(so.stay_ops_seconds, 0)) AS shore_power_hours,
    CAST(0.0 AS DOUBLE) AS capture_hours
FROM fe_outcome
LEFT JOIN fe_stay_ops so USING (visit_id)
LEFT JOIN fe_cap_use k USING (visit_id)
ORDER BY visit_id;
