-- id: BI01
-- name: incentive.credit_earned
-- title: Visit earns the shore-power credit
-- section: Example tariff item 12
-- severity: info
-- description: A visit with more than min_hours_on_shore_power hours on shore power earns
--   credit_per_hour for each hour on shore power. The finding records the hours and credit.
-- compliant: A visit on shore power for 20 hours: a finding with a credit of 500.
-- non_compliant: A visit on shore power for 5 hours earns nothing: no finding.
SELECT
    visit_id,
    'earns a credit of ' || CAST(credit AS VARCHAR) || ' for '
        || CAST(round(sp_seconds / 3600, 2) AS VARCHAR) || ' hours on shore power' AS message,
    to_json({'shore_power_hours': round(sp_seconds / 3600, 6), 'credit': credit}) AS evidence,
    round(sp_seconds / 60, 4) AS minutes
FROM bi_visit
WHERE earns
