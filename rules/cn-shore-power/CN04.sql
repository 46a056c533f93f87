-- id: CN04
-- name: equivalent.whole_window
-- title: Effective alternative measure over the whole window
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11 ('and not using an effective alternative measure'); MOT emission control area plan (2018) (clean energy, new energy, on-board batteries; UNCONFIRMED mapping)
-- severity: info
-- description: A ship that uses an effective alternative measure is not obliged to use shore
--   power. Events of the kinds in equivalent_measure_kinds (zero_emission_tech: batteries,
--   clean fuel, auxiliary engines off) that, alone or together, cover the whole window W make
--   the visit exempt, with their kinds as basis. Over part of W they excuse that part (CN06).
-- compliant: A zero_emission_tech event with empty start and end on a 20-hour stay: exempt,
--   basis zero_emission_tech, this finding records it.
-- non_compliant: A zero_emission_tech event covering 5 of the 18 hours of W: no exemption; that
--   part is excused and the rest must be on shore power.
SELECT
    o.visit_id,
    'visit exempt: ' || o.equivalent_kinds || ' (effective alternative measure) over the whole window '
        || o.window_text || ' ' || o.tz
        || ' (events ' || o.equivalent_event_ids || ')' AS message,
    to_json({'event_ids': o.equivalent_event_ids, 'from': iso_utc(o.w_start), 'kinds': o.equivalent_kinds, 'to': iso_utc(o.w_end)}) AS evidence,
    minutes_of(seconds_between(o.w_start, o.w_end)) AS minutes
FROM cn_outcome o
WHERE o.verdict = 'exempt' AND o.equivalent_kinds IS NOT NULL
