-- id: FE06
-- name: ops.partial
-- title: OPS used for only part of the stay
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(3) (OPS for all electrical power demand at berth); Art. 23(4) (penalty, text not retrieved: UNCONFIRMED)
-- severity: violation
-- description: OPS was used, but not over the whole assessed stay: the time before the first
--   connection (late connection), between sessions (gap) and after the last disconnection
--   (early disconnection), less what exception events excuse, is non-compliant. One finding
--   per call with the minutes and port-local times of each part (and of a part partly
--   excused, the times not excused; pack 1.2.8) and the penalty (EUR 1.5 x power demand at berth
--   x non-compliant hours rounded up; UNCONFIRMED parameters). A stay of a port call of
--   several stays gets the finding for its own hours; the call's penalty is FE12's.
-- compliant: Arrival 06:00, departure next day 06:00, OPS 06:00-06:00: no finding.
-- non_compliant: OPS 08:30-05:00 on that stay: 2 h 30 min late and 1 h early = 3.5 h
--   non-compliant, billed 4 h; at 1 000 kW the penalty is 1.5 x 1 000 x 4 = EUR 6 000.
SELECT
    f.visit_id,
    'partial OPS use: ' || printf('%.2f', ops_seconds / 3600.0) || ' of '
        || printf('%.2f', seconds_between(w_start, w_end) / 3600.0)
        || ' h on OPS in the assessed stay ' || w_start_text || ' to ' || w_end_text || ' '
        || tz || '; '
        || printf('%.2f', non_compliant_seconds / 3600.0) || ' h non-compliant ('
        -- each stretch not on OPS with its port-local times and what of it was excused
        -- (stage exceptions; pack 1.2.8: the minutes of each kind only, no time)
        || concat_ws('; ', st.stretches,
               CASE WHEN allowance_seconds > 0
                    THEN 'less a connection allowance of '
                         || bc_minutes_text(allowance_seconds) || ' min' END)
        || ')'
        || penalty_note(call_stays, penalty_carrier, port_call, call_carrier, penalty,
                        $penalty_eur_per_kwh, power_demand_kw, power_source, billed_hours)
            AS message,
    to_json({
        'billed_hours': billed_hours,
        'early_disconnection_minutes': minutes_of(early_seconds),
        'excused_hours': hours_of(excused_seconds),
        -- the part events excused, which the report's listing shows after the interval
        -- (docs/packs.md 5; pack 1.2.8: it showed the stay with no word of the excused part)
        'excused_minutes': minutes_of(event_excused_seconds),
        'from': iso_utc(w_start),
        'gap_minutes': minutes_of(gap_seconds),
        'late_connection_minutes': minutes_of(late_seconds),
        'non_compliant_hours': hours_of(non_compliant_seconds),
        'ops_hours': hours_of(ops_seconds),
        'penalty': penalty,
        'power_category': power_category,
        'power_demand_kw': power_demand_kw,
        'power_source': power_source,
        'to': iso_utc(w_end)
    }) AS evidence,
    minutes_of(non_compliant_seconds) AS minutes
FROM fe_outcome f
LEFT JOIN fe_stretch_text st ON st.visit_id = f.visit_id
WHERE verdict = 'non_compliant' AND ops_seconds > 0 AND non_compliant_seconds > 0
