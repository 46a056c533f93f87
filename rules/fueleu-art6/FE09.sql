-- id: FE09
-- name: penalty.power_unknown
-- title: Penalty not computed: electrical power demand at berth unknown
-- section: Reg. (EU) 2023/1805 Art. 23(4) (power demand at berth x non-compliant hours; text not retrieved: UNCONFIRMED)
-- severity: warning
-- description: The penalty needs the ship's electrical power demand at berth: aux_power_kw,
--   else the pack's default (table default_power_demand: container ships by TEU, passenger
--   ships by type). A non-compliant call with neither (e.g. a container ship without teu)
--   keeps its verdict but its penalty stays empty, and this finding says what to supply (a
--   stay of a port call of several stays: the call's penalty stays empty).
-- compliant: aux_power_kw 1 000, or a container ship with teu 8 500: the penalty is computed.
-- non_compliant: A non-compliant container ship with no aux_power_kw and no teu.
SELECT
    visit_id,
    'penalty not computed: no aux_power_kw and no default power demand for a '
        || vessel_type || CASE WHEN vessel_type = 'container' AND teu IS NULL
                               THEN ' ship without teu' ELSE ' ship' END
        || '; give aux_power_kw (or teu)' AS message,
    to_json({'billed_hours': billed_hours, 'non_compliant_hours': hours_of(non_compliant_seconds), 'teu': teu, 'vessel_type': vessel_type}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_outcome
WHERE verdict = 'non_compliant' AND power_demand_kw IS NULL AND billable_seconds > 0
