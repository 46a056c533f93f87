-- stage: visits
-- Every loaded visit with its port's zone, port-local year and dates, and its applicability
-- (port covered by the regulation, an ocean-going vessel, vessel type regulated, start date
-- reached): bc_visit_all. Provisions that read other visits read it (year-level counts in
-- 20_terminal_status and 60_allowance, commissioning history in 30_events).
-- Table 1 start dates come from param_start_dates: a row for the visit's own port wins over
-- the '*' (any port) row.
CREATE OR REPLACE TEMP TABLE bc_visit_all AS
WITH v AS (
    SELECT
        v.*,
        p.port IS NOT NULL AS port_known,
        coalesce(p.carb_at_berth, false) AS port_covered,
        coalesce(p.timezone, 'UTC') AS tz
    FROM visits v
    LEFT JOIN ports p ON p.port = v.port
)
SELECT
    v.*,
    year(timezone(v.tz, v.departure)) AS year,
    CAST(timezone(v.tz, v.arrival) AS DATE) AS arrival_local_date,
    CAST(timezone(v.tz, v.departure) AS DATE) AS departure_local_date,
    coalesce(sp.start_date, sa.start_date) AS start_date,
    CASE
        WHEN NOT v.port_covered THEN 'port_not_covered'
        -- § 93130.2(b)(7): an articulated tug barge is not an ocean-going vessel
        WHEN list_contains($not_ocean_going_types, v.vessel_type) THEN 'not_ocean_going_vessel'
        WHEN coalesce(sp.start_date, sa.start_date) IS NULL THEN 'not_regulated_type'
        WHEN CAST(timezone(v.tz, v.arrival) AS DATE) < coalesce(sp.start_date, sa.start_date)
            THEN 'before_start_date'
    END AS not_applicable_basis
FROM v
LEFT JOIN param_start_dates sp ON sp.vessel_type = v.vessel_type AND sp.port = v.port
LEFT JOIN param_start_dates sa ON sa.vessel_type = v.vessel_type AND sa.port = '*';

-- The visits judged one by one (bc_visit): those of the port-local years the check's scope
-- touches (scope_visits: the visit ids in scope, a table the engine provides). Whole years,
-- because a claim's place in its holder's year counts the earlier visits of that year; every
-- other provision that looks at other visits reads bc_visit_all. A month's check on a decade
-- of visits so judges one year of them, not ten (issue 16).
CREATE OR REPLACE TEMP TABLE bc_visit AS
SELECT *
FROM bc_visit_all
WHERE year IN (SELECT DISTINCT a.year FROM bc_visit_all a
               WHERE a.visit_id IN (SELECT visit_id FROM scope_visits));

-- Port-years and fleet-years whose loaded visits the user declared complete (coverage): only
-- these are ever read as counts (docs/contract.md 2, coverage).
CREATE OR REPLACE TEMP TABLE bc_port_year AS
SELECT DISTINCT upper(trim(holder)) AS port, year FROM coverage WHERE kind = 'port';

CREATE OR REPLACE TEMP TABLE bc_fleet_year AS
SELECT DISTINCT holder AS fleet, year FROM coverage WHERE kind = 'fleet';
