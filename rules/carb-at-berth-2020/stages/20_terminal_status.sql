-- stage: terminal status (low activity terminal, § 93130.10(a))
-- The terminals table decides where it has a row for (port, terminal, vessel type, year).
-- Otherwise year Y is judged from the loaded visit counts of Y-1 and Y-2: both below the
-- threshold -> low activity; both at or above -> regulated; anything else (mixed counts or a
-- year not loaded) -> treated as regulated, and rule AB03 records the assumption.
CREATE OR REPLACE TEMP TABLE bc_terminal_count AS
SELECT port, terminal, vessel_type, year, count(*) AS visits
FROM bc_visit
GROUP BY port, terminal, vessel_type, year;

CREATE OR REPLACE TEMP TABLE bc_terminal_status AS
SELECT
    v.visit_id,
    t.regulated AS table_regulated,
    y1.year IS NOT NULL AS y1_known,
    y2.year IS NOT NULL AS y2_known,
    v.year - 1 AS y1,
    v.year - 2 AS y2,
    coalesce(c1.visits, 0) AS y1_visits,
    coalesce(c2.visits, 0) AS y2_visits,
    CASE
        WHEN t.regulated IS NOT NULL THEN 'terminals_table'
        WHEN y1.year IS NOT NULL AND y2.year IS NOT NULL
             AND ((coalesce(c1.visits, 0) < $low_activity_threshold_visits
                   AND coalesce(c2.visits, 0) < $low_activity_threshold_visits)
               OR (coalesce(c1.visits, 0) >= $low_activity_threshold_visits
                   AND coalesce(c2.visits, 0) >= $low_activity_threshold_visits))
            THEN 'computed'
        ELSE 'assumed'
    END AS status_source,
    CASE
        WHEN t.regulated IS NOT NULL THEN
            CASE WHEN t.regulated THEN 'regulated' ELSE 'low_activity' END
        WHEN y1.year IS NOT NULL AND y2.year IS NOT NULL
             AND coalesce(c1.visits, 0) < $low_activity_threshold_visits
             AND coalesce(c2.visits, 0) < $low_activity_threshold_visits
            THEN 'low_activity'
        ELSE 'regulated'
    END AS status
FROM bc_visit v
LEFT JOIN terminals t
    ON t.port = v.port AND t.terminal = v.terminal AND t.vessel_type = v.vessel_type
   AND t.year = v.year
LEFT JOIN bc_port_year y1 ON y1.port = v.port AND y1.year = v.year - 1
LEFT JOIN bc_port_year y2 ON y2.port = v.port AND y2.year = v.year - 2
LEFT JOIN bc_terminal_count c1
    ON c1.port = v.port AND c1.terminal = v.terminal AND c1.vessel_type = v.vessel_type
   AND c1.year = v.year - 1
LEFT JOIN bc_terminal_count c2
    ON c2.port = v.port AND c2.terminal = v.terminal AND c2.vessel_type = v.vessel_type
   AND c2.year = v.year - 2
WHERE v.not_applicable_basis IS NULL;
