-- id: FE01
-- name: scope.not_applicable
-- title: Port call not covered by Art. 6 (vessel type, port, start date or gross tonnage)
-- section: Reg. (EU) 2023/1805 Art. 6(1)-(4); Art. 2(1)
-- severity: info
-- description: Art. 6 applies to container and passenger ships above 5 000 gross tonnage: from
--   2030-01-01 in ports AFIR Art. 9 covers (ports table: afir_art9), from the date a Member
--   State decided (ports table: ops_required_from, 2030 to 2034), and from 2035-01-01 at any
--   Member State berth with OPS (berths table: ops_available). Dates are the port-local
--   departure date. The finding records why a call is not_applicable.
-- compliant: A container ship of 95 000 GT leaving Rotterdam (NLRTM) on 2030-06-04 is covered:
--   no finding.
-- non_compliant: A tanker at NLRTM, a container ship there on 2029-12-30, a call at Los Angeles,
--   or a container ship of 4 800 GT get this finding and the verdict not_applicable.
SELECT
    visit_id,
    CASE not_applicable_basis
        WHEN 'not_regulated_type' THEN 'vessel type ' || vessel_type
            || ' is not covered by FuelEU Art. 6 (container and passenger ships only)'
        WHEN 'before_start_date' THEN 'Art. 6 applies to this call from '
            || CAST(later_start_date AS VARCHAR) || '; departure was '
            || CAST(departure_local_date AS VARCHAR)
        WHEN 'below_gross_tonnage' THEN 'gross tonnage ' || CAST(gross_tonnage AS VARCHAR)
            || ' is not above ' || CAST($gross_tonnage_threshold AS VARCHAR)
        ELSE 'port ' || port
            || CASE WHEN NOT port_known THEN ' is not in the ports table'
                    ELSE ' is not covered on ' || CAST(departure_local_date AS VARCHAR)
                         || ': not an AFIR Art. 9 port, no Member State OPS requirement in force'
                         || CASE WHEN departure_local_date >= $ops_berth_start_date
                                 THEN ', and berth ' || terminal || '/' || berth
                                      || ' is not an OPS berth of a Member State port'
                                 ELSE '' END
               END
    END AS message,
    to_json({
        'basis': not_applicable_basis,
        'port': port,
        'vessel_type': vessel_type,
        'gross_tonnage': gross_tonnage,
        'departure_local_date': CAST(departure_local_date AS VARCHAR),
        'covered_from': CAST(later_start_date AS VARCHAR),
        'port_afir_art9': port_afir_art9,
        'port_ops_required_from': CAST(port_ops_required_from AS VARCHAR),
        'berth_ops_available': berth_ops_available
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_call
WHERE not_applicable_basis IS NOT NULL
