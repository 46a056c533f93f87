-- id: AB01
-- name: scope.not_applicable
-- title: Visit not subject to emission control (port, vessel, vessel type or start date)
-- section: 17 CCR § 93130.7(b) Table 1; § 93130.8(b); § 93130.2(b)(7); § 93130 (California ports)
-- severity: info
-- description: The control requirement applies to container, reefer and passenger vessels from
--   2023-01-01, ro-ro from 2025-01-01, tankers at Los Angeles / Long Beach from 2025-01-01 and
--   elsewhere from 2027-01-01 (parameter table start_dates, compared with the port-local
--   arrival date), at ports the ports reference flags carb_at_berth. Bulk, general cargo and
--   other vessels only report. An articulated tug barge is not an ocean-going vessel
--   (§ 93130.2(b)(7); parameter not_ocean_going_types): basis not_ocean_going_vessel. The
--   finding records why a visit is not_applicable.
-- compliant: A container vessel arriving at USLAX on 2026-10-03 is regulated: no finding.
-- non_compliant: A bulk carrier at USLAX, a tanker at USOAK in 2026, an articulated tug barge
--   (type atb) anywhere, or any call at NLRTM gets this finding and the verdict not_applicable.
SELECT
    visit_id,
    CASE not_applicable_basis
        WHEN 'port_not_covered' THEN 'port ' || port || ' is not covered by the CARB At-Berth regulation'
        WHEN 'not_ocean_going_vessel' THEN 'an ' || replace(vessel_type, '_', ' ')
             || ' is not an ocean-going vessel under the Control Measure (§ 93130.2(b)(7))'
        WHEN 'not_regulated_type' THEN 'vessel type ' || vessel_type || ' is not regulated for emission control'
        ELSE 'vessel type ' || vessel_type || ' is regulated at ' || port || ' from '
             || CAST(start_date AS VARCHAR) || '; arrival was ' || CAST(arrival_local_date AS VARCHAR)
    END AS message,
    to_json({
        'arrival_local_date': CAST(arrival_local_date AS VARCHAR),
        'basis': not_applicable_basis,
        'port': port,
        'start_date': CAST(start_date AS VARCHAR),
        'vessel_type': vessel_type
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_visit
WHERE not_applicable_basis IS NOT NULL
