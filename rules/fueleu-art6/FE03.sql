-- id: FE03
-- name: exception.short_stay
-- title: At berth for less than two hours
-- section: Reg. (EU) 2023/1805 Art. 6(5)(a); Art. 15(1)(a)
-- severity: info
-- description: Art. 6(1)-(3) do not apply to a ship at berth for less than two hours,
--   calculated from its arrival and departure times (first line to last line). The unit is the
--   port call: the stays sharing a port_call count from the first arrival to the last
--   departure, a berth shift included. The call is exempt with basis short_visit; the finding
--   gives the minutes at berth (and names the call and its stays). Exactly two hours is not
--   less than two hours and is judged.
-- compliant: Arrival 06:00, departure 08:00 (120 min): not exempt, OPS is required.
-- non_compliant: Arrival 06:00, departure 07:59 (119 min): exempt, this finding.
SELECT
    visit_id,
    CASE WHEN call_stays > 1
         THEN 'port call ' || port_call || ' (stays ' || call_stay_ids || '): '
              || bc_minutes_text(call_seconds) || ' min from its first arrival to its last '
              || 'departure, less than ' || CAST($short_stay_hours AS VARCHAR)
              || ' h: Art. 6(5)(a) exception'
         ELSE 'at berth ' || bc_minutes_text(stay_seconds) || ' min, less than '
              || CAST($short_stay_hours AS VARCHAR) || ' h: Art. 6(5)(a) exception'
    END AS message,
    CASE WHEN call_stays > 1
         THEN to_json({'arrival': iso_utc(arrival), 'departure': iso_utc(departure),
                       'minutes_at_berth': minutes_of(stay_seconds),
                       'port_call': port_call, 'port_call_arrival': iso_utc(call_arrival),
                       'port_call_departure': iso_utc(call_departure),
                       'port_call_minutes': minutes_of(call_seconds),
                       'port_call_stays': call_stay_ids})
         ELSE to_json({'arrival': iso_utc(arrival), 'departure': iso_utc(departure),
                       'minutes_at_berth': minutes_of(stay_seconds)})
    END AS evidence,
    minutes_of(stay_seconds) AS minutes
FROM fe_outcome
WHERE verdict = 'exempt' AND basis = 'short_visit'
