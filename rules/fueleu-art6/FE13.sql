-- id: FE13
-- name: data.missing_berth_ops
-- title: Whether the quay has OPS is unknown where Art. 6(2) would decide
-- section: Reg. (EU) 2023/1805 Art. 6(2) (from 1 January 2035, at a quay equipped with OPS)
-- severity: warning
-- description: From 2035, Art. 6(2) covers a call at any Member State (or EEA) quay equipped
--   with OPS. Where neither Art. 6(1) (an AFIR Art. 9 port) nor a Member State decision under
--   Art. 6(3) covers the call, its coverage hangs on the quay: a call at a berth without a
--   berths row, or whose ops_available cell is empty, cannot be judged. Its verdict is
--   insufficient_data, never "not covered": unknown is not "no OPS". So is a call under a
--   Member State decision (Art. 6(3), until 2034-12-31) that departs in 2035 at such a quay:
--   with OPS it would be assessed to its departure, without only up to 2035-01-01 00:00.
--   A ship of 5 000 GT or less, or not at a port of call, is out whatever its quay.
-- compliant: The berths row says ops_available true (the call is judged) or false (the call
--   is not covered: port_not_covered).
-- non_compliant: A container call at Vlissingen (not an AFIR port) in June 2035 at a berth the
--   berths table does not list: insufficient_data, basis missing_berth_ops.
SELECT
    visit_id,
    CASE WHEN berth_known
         THEN 'the berths table leaves ops_available empty for '
         ELSE 'the berths table has no row for ' END
        || port || ' ' || terminal || ' ' || berth
        || ': from ' || CAST(ops_unknown_from AS VARCHAR)
        || ' FuelEU Art. 6(2) covers this call only if the quay is equipped with OPS'
        || CASE WHEN regime = 'member_state'
                THEN ' (the Member State requirement, Art. 6(3), covers it until '
                     || local_text(member_state_end_instant, tz) || ' ' || tz
                     || ': with OPS at the quay the call is assessed to its departure, without '
                     || 'up to then)'
                ELSE '' END
        AS message,
    to_json({'berth': berth, 'berths_row': berth_known,
             'covered_from_if_ops': CAST(ops_unknown_from AS VARCHAR), 'port': port,
             'regime': regime, 'terminal': terminal})
        AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_outcome
WHERE verdict = 'insufficient_data' AND basis = 'missing_berth_ops'
