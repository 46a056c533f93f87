-- id: FE12
-- name: port_call.judged_as_one
-- title: Port call of several stays judged as one (a berth shift)
-- section: Reg. (EU) 2023/1805 Art. 6(5)(a) (less than two hours, from the arrival and departure times of Art. 15(1)(a)); Art. 23(4) (penalty per non-compliant port call, text not retrieved: UNCONFIRMED)
-- severity: info
-- description: Art. 6 judges a port call, and a ship shifting berths stays in one port call:
--   the stays sharing a visits' port_call are one call. Its two-hour test runs from its first
--   arrival to its last departure (the shift included); its non-compliant hours (the time at
--   berth, shift excluded) are added up over its stays and rounded up once; a capped
--   exception is one use. Each stay keeps its own verdict and hours. The finding, on the stay
--   that carries the call's billed hours and penalty (its last stay with non-compliant time,
--   else its last; penalty_on), names the stays, their non-compliant hours and the penalty,
--   what a mean power demand is the mean of, a stay judged at its call-mates' gross tonnage,
--   and a stay that could not be judged (its time is not in the call's: the penalty may rise).
-- compliant: A stay without a port_call, or a call whose stays are all on OPS: no finding
--   beyond this note.
-- non_compliant: 06:00-07:30 at one Rotterdam quay, 08:00-20:10 at another, no OPS, 1 000 kW:
--   one call of 14 h 10 min, 1.5 + 12.17 = 13.67 h non-compliant, billed 14 h, penalty
--   1.5 x 1 000 x 14 = EUR 21 000 (as two calls: exempt + EUR 19 500).
SELECT
    visit_id,
    'port call ' || port_call || ' judged as one: stays ' || call_stay_ids || ', '
        || printf('%.2f', call_seconds / 3600.0) || ' h from first arrival to last departure; '
        || CASE WHEN verdict = 'compliant' THEN 'compliant'
                ELSE printf('%.2f', call_non_compliant_seconds / 3600.0)
                     || ' h non-compliant (' || call_stay_hours || ')'
                     || CASE WHEN call_penalty IS NOT NULL
                             THEN '; penalty EUR ' || printf('%.2f', call_penalty) || ' = '
                                  || CAST($penalty_eur_per_kwh AS VARCHAR) || ' EUR/kWh x '
                                  || CASE WHEN call_power_differs
                                          THEN printf('%.4f', call_power_demand_kw)
                                          ELSE CAST(call_power_demand_kw AS VARCHAR) END
                                  || ' kW x ' || CAST(billed_hours AS VARCHAR) || ' h, on this stay'
                                  -- stays giving different demands: the mean (4 decimals, as
                                  -- export fueleu-calls writes it, so the product gives the
                                  -- penalty to the cent) and what it is the mean of
                                  || CASE WHEN call_power_differs
                                          THEN '; ' || printf('%.4f', call_power_demand_kw)
                                               || ' kW is the stays'' power demands weighted'
                                               || ' by their hours (' || call_stay_power || ')'
                                          ELSE '' END
                             ELSE '; penalty not computed: power demand unknown' END
           END
        -- stays that give no gross tonnage, judged at the one their call-mates give (1.2.7)
        || CASE WHEN call_stays_without_gross_tonnage IS NOT NULL
                THEN '; ' || call_stays_without_gross_tonnage || ' give'
                     || CASE WHEN strpos(call_stays_without_gross_tonnage, ',') = 0 THEN 's'
                             ELSE '' END
                     || ' no gross tonnage: judged at the ship''s '
                     || tonnage_text(judged_gross_tonnage) || ' GT that its other stays give'
                ELSE '' END
        -- stays of the call that could not be judged add no time to it (pack 1.2.4): what the
        -- call owes is known only once their data is (1.2.7: the finding did not say)
        || CASE WHEN u.unjudged IS NOT NULL
                THEN '; ' || u.unjudged || ': '
                     || CASE WHEN u.unjudged_stays = 1 THEN 'its' ELSE 'their' END
                     || ' time is not in this call''s, so '
                     || CASE WHEN verdict = 'non_compliant'
                             THEN 'the penalty may rise' ELSE 'the call may owe a penalty' END
                     || ' once '
                     || CASE WHEN u.unjudged_stays = 1 THEN 'its' ELSE 'their' END
                     || ' data is known'
                ELSE '' END AS message,
    to_json({
        'billed_hours': billed_hours,
        'non_compliant_hours': hours_of(call_non_compliant_seconds),
        'penalty': call_penalty,
        'port_call': port_call,
        'port_call_arrival': iso_utc(call_arrival),
        'port_call_departure': iso_utc(call_departure),
        'port_call_hours': hours_of(call_seconds),
        'power_demand_kw': call_power_demand_kw,
        'stays': call_stay_ids
    }) AS evidence,
    CASE WHEN verdict = 'non_compliant' THEN minutes_of(call_non_compliant_seconds) END
        AS minutes
FROM fe_outcome
LEFT JOIN (
    SELECT call_key AS unjudged_call, count(*) AS unjudged_stays,
        string_agg(visit_id || ' could not be judged (insufficient_data, ' || basis || ')', '; '
                   ORDER BY arrival, visit_id) AS unjudged
    FROM fe_outcome
    WHERE verdict = 'insufficient_data' AND call_stays > 1
    GROUP BY call_key
) u ON u.unjudged_call = fe_outcome.call_key
WHERE call_stays > 1 AND penalty_carrier AND verdict IN ('compliant', 'non_compliant')
