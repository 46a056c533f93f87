-- id: AB22
-- name: boiler.tanker_auxiliary
-- title: Tanker auxiliary boiler requirement (UNCONFIRMED dates; off by default)
-- section: 17 CCR § 93130.7(c), Table 2; § 93130.5(d)(2)
-- severity: info
-- description: Tankers with steam driven product pumps must also reduce their auxiliary
--   boiler emissions to the § 93130.5(d)(2) standard through a CAECS from the Table 2 dates.
--   Table 2 and the standard were not retrieved, so the dates are UNCONFIRMED parameters
--   (table tanker_boiler_start_dates) and the rule is off unless parameter
--   tanker_boiler_rule_enabled is true. Turned on, it marks each tanker visit from its port's
--   date as subject to the boiler requirement; berthcheck has no data on steam driven pumps or
--   boiler control and never judges it, so the visit's verdict does not change.
-- compliant: The rule is off (default): no finding on any visit.
-- non_compliant: Turned on, a tanker at USLAX arriving 2026-10-03 (date 2025-01-01) gets this
--   informational finding.
SELECT
    v.visit_id,
    'tanker auxiliary boiler requirement (§ 93130.7(c)) applies from '
        || CAST(coalesce(sp.start_date, sa.start_date) AS VARCHAR)
        || ' if this tanker has steam driven product pumps; not judged (UNCONFIRMED dates, '
        || 'no boiler control data)' AS message,
    to_json({
        'arrival_local_date': CAST(v.arrival_local_date AS VARCHAR),
        'port': v.port,
        'start_date': CAST(coalesce(sp.start_date, sa.start_date) AS VARCHAR)
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_visit v
LEFT JOIN param_tanker_boiler_start_dates sp ON sp.port = v.port
LEFT JOIN param_tanker_boiler_start_dates sa ON sa.port = '*'
WHERE $tanker_boiler_rule_enabled
  AND v.vessel_type = 'tanker'
  AND v.port_covered
  AND v.arrival_local_date >= coalesce(sp.start_date, sa.start_date)
