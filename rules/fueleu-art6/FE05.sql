-- id: FE05
-- name: ops.none
-- title: No OPS use at berth
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(3); Art. 23(4) (penalty, text not retrieved: UNCONFIRMED)
-- severity: violation
-- description: A covered call must connect to OPS and use it for all of its electrical power
--   demand at berth. No shore power session fell in the assessed stay: every hour not excused
--   by an exception event is non-compliant. The penalty is EUR 1.5 x power demand at berth
--   (kW: aux_power_kw, else the pack's default for the type and size) x the non-compliant
--   hours rounded up to a whole hour (parameters penalty_eur_per_kwh and
--   non_compliant_hours_rounding, both UNCONFIRMED against Art. 23(4)). A stay of a port call
--   of several stays gets the finding for its own hours; the call's penalty is FE12's. Where
--   exception events excuse part of the stay, the message names the port-local times the ship
--   answers for, and what excused the rest and when (pack 1.2.8).
-- compliant: Any OPS session covering the whole stay.
-- non_compliant: A container ship (1 000 kW) 24 h at berth in Rotterdam in 2030 without OPS:
--   24 non-compliant hours, penalty 1.5 x 1 000 x 24 = EUR 36 000.
WITH excused AS (
    -- each kind that excused some of the stay, with its port-local times and events
    SELECT visit_id,
        string_agg(kind || ' ' || excused_times || ' (events ' || event_ids || ')', ', '
                   ORDER BY first_excused, kind) AS excused_text
    FROM fe_excused_kind WHERE seconds > 0 GROUP BY visit_id
)
SELECT
    f.visit_id,
    'no OPS use: ' || printf('%.2f', non_compliant_seconds / 3600.0)
        || ' h at berth not on OPS and not excused ('
        -- events excusing part of the stay: the times the ship answers for, then the assessed
        -- stay and what excused the rest, when (pack 1.2.8: the stay's times alone, which
        -- read as if all of it was non-compliant)
        || CASE WHEN event_excused_seconds > 0 AND o.open_times IS NOT NULL
                THEN o.open_times ELSE w_start_text || ' to ' || w_end_text
           END || ' ' || tz
        || CASE WHEN allowance_seconds > 0
                THEN ', less a connection allowance of ' || bc_minutes_text(allowance_seconds)
                     || ' min'
                ELSE '' END
        || ')'
        || CASE WHEN event_excused_seconds > 0 AND o.open_times IS NOT NULL
                THEN '; the assessed stay ' || w_start_text || ' to ' || w_end_text || ' ('
                     || printf('%.2f', seconds_between(w_start, w_end) / 3600.0) || ' h) less '
                     || printf('%.2f', event_excused_seconds / 3600.0)
                     || ' h excused: ' || x.excused_text
                ELSE '' END
        || penalty_note(call_stays, penalty_carrier, port_call, call_carrier, penalty,
                        $penalty_eur_per_kwh, power_demand_kw, power_source, billed_hours)
        -- a quay recorded without OPS in a port Art. 6(1) or 6(3) covers: the obligation is
        -- the port's, the quay's lack excuses nothing by itself; say how it is claimed
        || CASE WHEN NOT berth_ops_unknown AND NOT berth_ops_available
                THEN '; the berths table records berth ' || terminal || '/' || berth
                     || ' without OPS: an ops_unavailable event excuses the time it covers'
                     || ' (an Art. 6(5) exception, capped per year)'
                ELSE '' END
            AS message,
    to_json({
        'berth_ops_available': CASE WHEN NOT berth_ops_unknown THEN berth_ops_available END,
        'billed_hours': billed_hours,
        'excused_hours': hours_of(excused_seconds),
        -- the part events excused, which the report's listing shows after the interval
        -- (docs/packs.md 5; pack 1.2.8: it showed the stay with no word of the excused part)
        'excused_minutes': minutes_of(event_excused_seconds),
        'from': iso_utc(w_start),
        'non_compliant_hours': hours_of(non_compliant_seconds),
        -- where events excused part of the stay: the times the ship answers for, which the
        -- report's listing shows after the stay's interval (docs/packs.md 5; null otherwise)
        'not_excused': CASE WHEN event_excused_seconds > 0 THEN o.open_pieces END,
        'penalty': penalty,
        'power_category': power_category,
        'power_demand_kw': power_demand_kw,
        'power_source': power_source,
        'to': iso_utc(w_end)
    }) AS evidence,
    minutes_of(non_compliant_seconds) AS minutes
FROM fe_outcome f
LEFT JOIN fe_open_text o ON o.visit_id = f.visit_id AND o.gs IS NULL
LEFT JOIN excused x ON x.visit_id = f.visit_id
WHERE verdict = 'non_compliant' AND ops_seconds = 0 AND non_compliant_seconds > 0
