SELECT
    visit_id, verdict, basis,
    CASE WHEN verdict IN ('compliant', 'non_compliant') THEN ws END AS window_start,
    CASE WHEN verdict IN ('compliant', 'non_compliant') THEN we END AS window_end,
    CASE WHEN verdict IN ('compliant', 'non_compliant')
         THEN round(sp_seconds / 3600, 6) END AS controlled_hours,
    CASE WHEN verdict IN ('compliant', 'non_compliant')
         THEN round(uncontrolled_seconds / 3600, 6) END AS uncontrolled_hours,
    CASE WHEN verdict IN ('compliant', 'non_compliant')
         THEN round(excused_seconds / 3600, 6) END AS excused_hours,
    CASE WHEN verdict = 'non_compliant' THEN 'vessel' END AS responsible,
    CASE WHEN verdict = 'non_compliant' THEN fee_hours * $fee_per_hour END AS penalty,
    CAST(NULL AS BIGINT) AS violation_days,
    vessel_name, imo, vessel_type, port, terminal, berth, arrival, departure,
    tz AS port_timezone,
    fee_hours,
    round(stay_seconds / 3600, 6) AS stay_hours,
    round(stay_sp_seconds / 3600, 6) AS shore_power_hours,
    CAST(0 AS DOUBLE) AS capture_hours
FROM hf_judged
