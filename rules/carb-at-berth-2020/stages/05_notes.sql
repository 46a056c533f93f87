-- stage: notes
-- The text of the per-visit note (pack.toml [pack] notes): why a visit is not applicable. One
-- macro, so rule AB01's message (`check --notes`) and the results column
-- not_applicable_reason (assemble.sql) are the same text by construction.
CREATE OR REPLACE TEMP MACRO not_applicable_reason(basis, port, vessel_type, start_date,
                                                   arrival_local_date) AS
    CASE basis
        WHEN 'port_not_covered' THEN 'port ' || port || ' is not covered by the CARB At-Berth regulation'
        WHEN 'not_ocean_going_vessel' THEN 'an ' || replace(vessel_type, '_', ' ')
             || ' is not an ocean-going vessel under the Control Measure (§ 93130.2(b)(7))'
        WHEN 'not_regulated_type' THEN 'vessel type ' || vessel_type || ' is not regulated for emission control'
        ELSE 'vessel type ' || vessel_type || ' is regulated at ' || port || ' from '
             || CAST(start_date AS VARCHAR) || '; arrival was ' || CAST(arrival_local_date AS VARCHAR)
    END;
