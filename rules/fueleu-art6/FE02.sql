-- id: FE02
-- name: data.missing_gross_tonnage
-- title: Gross tonnage missing on a covered port call
-- section: Reg. (EU) 2023/1805 Art. 2(1) (ships above 5 000 gross tonnage)
-- severity: warning
-- description: Art. 6 applies only to ships above 5 000 GT. A container or passenger call in a
--   covered port without gross_tonnage cannot be judged: its verdict is insufficient_data,
--   never a guess.
-- compliant: gross_tonnage 95 000 is given: the call is judged.
-- non_compliant: gross_tonnage is empty on a container call at NLRTM in 2030: insufficient_data.
SELECT
    visit_id,
    'gross_tonnage is missing; FuelEU Art. 6 applies only above '
        || CAST($gross_tonnage_threshold AS VARCHAR) || ' GT' AS message,
    to_json({'imo': imo, 'regime': regime, 'vessel_type': vessel_type}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM fe_outcome
WHERE verdict = 'insufficient_data' AND basis = 'missing_gross_tonnage'
