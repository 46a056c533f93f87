-- id: FE04
-- name: exception.whole_stay
-- title: Whole stay excepted (zero-emission technology, unscheduled call)
-- section: Reg. (EU) 2023/1805 Art. 6(5) (points after (a), text not retrieved: UNCONFIRMED)
-- severity: info
-- description: Events of the whole-stay kinds (parameter whole_stay_exemption_kinds:
--   zero_emission_tech, unscheduled_call) that, alone or together, cover all of the stay under
--   the obligation (arrival, or the start instant for a call straddling it, to departure; an
--   empty start is the arrival, an empty end the departure) make the call exempt with their
--   kinds as basis. Art. 6(5) exempts port calls: in a port call of several stays the call is
--   exempt as a whole, every stay of it, when such events cover every stay under the
--   obligation, or when an unscheduled_call (parameter call_exemption_kinds) covers the whole
--   of any one of its stays (the basis of every stay, pack 1.2.5; the finding on the other
--   stays names the stay that carries it).
--   Events covering only part of it do not exempt the call (zero_emission_tech excuses its
--   part, FE07, also over one whole stay of a call of several; a partial unscheduled_call is
--   ignored, FE10, also beside zero_emission_tech over the rest of the stay: pack 1.2.7).
-- compliant: A zero_emission_tech event with empty start/end: exempt, basis zero_emission_tech.
-- non_compliant: A zero_emission_tech event 08:00-12:00 of a 06:00-18:00 stay: no exemption.
SELECT
    o.visit_id,
    CASE WHEN x.claimed_on IS NOT NULL
         THEN 'stay exempt: port call ' || o.port_call || ' (stays ' || o.call_stay_ids
              || ') is exempt as a whole: ' || x.kinds || ' over the whole of its stay '
              || x.claimed_on
         ELSE CASE WHEN o.call_stays > 1 THEN 'stay' ELSE 'call' END
              || ' exempt: ' || x.kinds || ' over the whole stay'
              || CASE WHEN o.call_stays > 1
                      THEN ' (port call ' || o.port_call || ': stays ' || o.call_stay_ids || ')'
                      ELSE '' END
    END || ' (events ' || x.event_ids || ')' AS message,
    to_json({'claimed_on': x.claimed_on, 'event_ids': x.event_ids, 'kinds': x.kinds})
        AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_outcome o
JOIN fe_whole_exemption x ON x.visit_id = o.visit_id
WHERE o.verdict = 'exempt' AND o.basis = x.kinds
