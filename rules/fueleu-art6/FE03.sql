-- id: FE03
-- name: exception.short_stay
-- title: At berth for less than two hours
-- section: Reg. (EU) 2023/1805 Art. 6(5)(a); Art. 15(1)(a)
-- severity: info
-- description: Art. 6(1)-(3) do not apply to a ship at berth for less than two hours,
--   calculated from its arrival and departure times (first line to last line). The call is
--   exempt with basis short_visit; the finding gives the minutes at berth. Exactly two hours
--   is not less than two hours and is judged.
-- compliant: Arrival 06:00, departure 08:00 (120 min): not exempt, OPS is required.
-- non_compliant: Arrival 06:00, departure 07:59 (119 min): exempt, this finding.
SELECT
    visit_id,
    'at berth ' || bc_minutes_text(stay_seconds) || ' min, less than '
        || CAST($short_stay_hours AS VARCHAR) || ' h: Art. 6(5)(a) exception' AS message,
    to_json({'arrival': iso_utc(arrival), 'departure': iso_utc(departure),
             'minutes_at_berth': minutes_of(stay_seconds)}) AS evidence,
    minutes_of(stay_seconds) AS minutes
FROM fe_outcome
WHERE verdict = 'exempt' AND basis = 'short_visit'
