-- stage: notes
-- The text of the per-visit note (pack.toml [pack] notes): why a visit is not applicable. One
-- macro, so rule AB01's message (`check --notes`) and the results column
-- not_applicable_reason (assemble.sql) are the same text by construction.
-- One concat() per text, not a chain of || (each || writes an intermediate string): at a
-- million visits the three in four not applicable cost 0.28 CPU s of text that way, 0.17 so,
-- and the macro plans faster. concat skips a NULL piece where || gives NULL: a text with a
-- NULL piece stays NULL (none is NULL from bc_visit: port and vessel_type are required).
CREATE OR REPLACE TEMP MACRO not_applicable_reason(basis, port, vessel_type, start_date,
                                                   arrival_local_date) AS
    CASE basis
        WHEN 'port_not_covered' THEN CASE WHEN port IS NOT NULL THEN
             concat('port ', port, ' is not covered by the CARB At-Berth regulation') END
        WHEN 'not_ocean_going_vessel' THEN CASE WHEN vessel_type IS NOT NULL THEN
             concat('an ', replace(vessel_type, '_', ' '),
                    ' is not an ocean-going vessel under the Control Measure (§ 93130.2(b)(7))') END
        WHEN 'not_regulated_type' THEN CASE WHEN vessel_type IS NOT NULL THEN
             concat('vessel type ', vessel_type, ' is not regulated for emission control') END
        ELSE CASE WHEN vessel_type IS NOT NULL AND port IS NOT NULL AND start_date IS NOT NULL
                       AND arrival_local_date IS NOT NULL THEN
             concat('vessel type ', vessel_type, ' is regulated at ', port, ' from ',
                    CAST(start_date AS VARCHAR), '; arrival was ', CAST(arrival_local_date AS VARCHAR)) END
    END;
