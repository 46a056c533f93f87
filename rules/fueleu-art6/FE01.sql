-- id: FE01
-- name: scope.not_applicable
-- title: Call not covered by Art. 6 (vessel type, port, port of call, start date or gross tonnage)
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(4); Art. 2(1); Art. 3 point (10) (port of call)
-- severity: info
-- description: Art. 6 applies in a port of call (call_purpose cargo, passengers or
--   offshore_crew_change; else basis not_port_of_call) under the jurisdiction of an EU Member
--   State (the port's country, else its UN/LOCODE's first two letters; EEA states from the
--   pack's eea_applies_from) to container and passenger ships above 5 000 gross tonnage: from
--   2030-01-01 in ports AFIR Art. 9 covers for the ship's type (ports table: afir_art9, and
--   afir_art9_ship_type where it covers one type only), from the date a Member
--   State decided (ports table: ops_required_from, 2030 to 2034), and from 2035-01-01 at any
--   berth with OPS (berths table: ops_available). A call is covered when it departs after the
--   first instant (port-local midnight) of that date; one departing at or before it is
--   before_start_date. The finding records why a call is not_applicable.
-- compliant: A container ship of 95 000 GT leaving Rotterdam (NLRTM) on 2030-06-04 is covered:
--   no finding.
-- non_compliant: A tanker at NLRTM, a container ship leaving there at 2030-01-01 00:00 local, a
--   bunkering-only stop, a call at Los Angeles, or a container ship of 4 800 GT get this
--   finding and the verdict not_applicable.
SELECT
    visit_id,
    CASE not_applicable_basis
        WHEN 'not_regulated_type' THEN 'vessel type ' || vessel_type
            || ' is not covered by FuelEU Art. 6 (container and passenger ships only)'
        WHEN 'before_start_date' THEN 'Art. 6 applies to this call from '
            || CAST(later_start_date AS VARCHAR) || ' 00:00 ' || tz || '; it departed '
            || local_text(departure, tz) || ', at or before that instant'
            || CASE WHEN regime IS NULL AND member_state_from = later_start_date
                         AND port_ops_required_from_given <> port_ops_required_from
                    THEN ' (the ports table dates the Member State decision '
                         || CAST(port_ops_required_from_given AS VARCHAR)
                         || '; Art. 6(3): it applies from the start of a reporting period)'
                    ELSE '' END
        WHEN 'below_gross_tonnage' THEN 'gross tonnage ' || tonnage_text(judged_gross_tonnage)
            || ' is not above ' || CAST($gross_tonnage_threshold AS VARCHAR)
            || CASE WHEN gross_tonnage IS NULL
                    THEN ' (given on the other stays of port call ' || port_call
                         || '; this stay gives none)'
                    ELSE '' END
        WHEN 'not_port_of_call' THEN 'call_purpose ' || call_purpose
            || ' does not make a port of call (Art. 3 point (10)): FuelEU Art. 6 does not apply'
        ELSE 'port ' || port || ' (country ' || port_country || ')'
            || CASE WHEN jurisdiction IS NULL
                    THEN ' is not under the jurisdiction of an EU Member State or EEA state'
                    ELSE ' is not covered on ' || CAST(departure_local_date AS VARCHAR)
                         || CASE WHEN port_afir_art9 AND NOT afir_covers_type
                                 THEN ': AFIR Art. 9 covers it for ' || port_afir_art9_ship_type
                                      || ' ships only (ports table: afir_art9_ship_type), not'
                                      || ' for this ' || vessel_type || ' ship'
                                 ELSE ': not an AFIR Art. 9 port' END
                         || ', no Member State OPS requirement in force'
                         || CASE WHEN berth_ops_unknown
                                 -- unknown is not "no OPS"; before 2035 it decides nothing
                                 -- (from then on the call is missing_berth_ops, FE13)
                                 THEN ', and whether berth ' || terminal || '/' || berth
                                      || ' has OPS is not known (berths table: ops_available),'
                                      || ' which decides only from '
                                      || CAST(coalesce(ops_unknown_from,
                                                    CAST($ops_berth_start_date AS DATE))
                                           AS VARCHAR)
                                      || ' (Art. 6(2))'
                                 ELSE ', and berth ' || terminal || '/' || berth
                                      || ' has no OPS (berths table: ops_available)' END
                         || CASE WHEN port_ops_required_from > $member_state_addition_until
                                 THEN ' (the ports table dates a Member State decision '
                                      || CAST(port_ops_required_from_given AS VARCHAR)
                                      || ', which would apply from '
                                      || CAST(port_ops_required_from AS VARCHAR)
                                      || ', after Art. 6(3) ends on '
                                      || CAST($member_state_addition_until AS VARCHAR) || ')'
                                 ELSE '' END
               END
    END AS message,
    to_json({
        'basis': not_applicable_basis,
        'berth_ops_available': CASE WHEN NOT berth_ops_unknown THEN berth_ops_available END,
        'call_purpose': call_purpose,
        'covered_from': CAST(later_start_date AS VARCHAR),
        'departure_local_date': CAST(departure_local_date AS VARCHAR),
        'gross_tonnage': judged_gross_tonnage,
        'port': port,
        'port_afir_art9': port_afir_art9,
        'port_afir_art9_ship_type': port_afir_art9_ship_type,
        'port_country': port_country,
        'port_ops_required_from': CAST(port_ops_required_from_given AS VARCHAR),
        'port_ops_required_from_applies': CAST(port_ops_required_from AS VARCHAR),
        'vessel_type': vessel_type
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_call
WHERE not_applicable_basis IS NOT NULL
