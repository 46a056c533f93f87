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
--   finding records why a visit is not_applicable. A per-visit note (pack.toml [pack] notes):
--   a check writes its text to the results column not_applicable_reason and runs it as a
--   finding only with `check --notes`.
-- compliant: A container vessel arriving at USLAX on 2026-10-03 is regulated: no finding.
-- non_compliant: A bulk carrier at USLAX, a tanker at USOAK in 2026, an articulated tug barge
--   (type atb) anywhere, or any call at NLRTM gets this finding and the verdict not_applicable.
SELECT
    visit_id,
    not_applicable_reason(not_applicable_basis, port, vessel_type, start_date,
                          arrival_local_date) AS message,
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
