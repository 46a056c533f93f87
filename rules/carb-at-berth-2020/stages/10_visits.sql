-- stage: visits
-- The visits judged one by one (bc_visit), with their port's zone, port-local year and dates,
-- and their applicability (port covered by the regulation, an ocean-going vessel, vessel type
-- regulated, start date reached). The pack declares judges = "scope_visits": `visits` (and
-- their sessions and events) holds the visits in the check's scope and the earlier visits of
-- their years that carry an event, since a claim's place in its holder's year counts the
-- earlier claims of that year; every visit when the check is not scoped. A month's check on a
-- decade so judges a month and its year's few earlier claims (issue 16). What reads other
-- visits reads the whole-store history (`history_visits`, `history_events`, pack.toml):
-- terminal-year counts (20_terminal_status), commissioning history (30_events) and
-- previous-year allowance counts (60_allowance).
-- Table 1 start dates come from param_start_dates: a row for the visit's own port wins over
-- the '*' (any port) row.
-- Only the visit columns the pack reads are carried (not v.*: the stored lineage, a 64-character
-- row hash among it, and the emission attributes would be copied into this table and on).
CREATE OR REPLACE TEMP TABLE bc_visit_row AS
WITH v AS (
    SELECT
        v.visit_id, v.imo, v.vessel_name, v.vessel_type, v.fleet, v.operator, v.port,
        v.terminal, v.berth, v.arrival, v.ready_to_work, v.pilot_on_board, v.departure,
        v.shore_power_capable, v.commissioned, v.reported_at,
        p.port IS NOT NULL AS port_known,
        coalesce(p.carb_at_berth, false) AS port_covered,
        coalesce(p.timezone, 'UTC') AS tz
    FROM visits v
    LEFT JOIN ports p ON p.port = v.port
)
SELECT
    v.*,
    year(timezone(v.tz, v.departure)) AS year,
    -- the year whose low activity status governs the visit: its port-local arrival year, as
    -- Table 1 start dates compare the arrival date (a terminal regulated from 1 January does
    -- not make a visit that arrived on 30 December answer for its December hours)
    year(timezone(v.tz, v.arrival)) AS status_year,
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

-- vkey, the visit key: an integer standing for visit_id wherever a stage joins or groups per
-- visit (a hash join on the text key, 14 bytes and more, costs about three times as much).
-- It is the row's place in bc_visit_row (DuckDB's rowid: unique, and fixed once the table is
-- written); it never orders, names or reaches a result or a finding. Not row_number() OVER ():
-- that window runs the whole statement above on one thread (0.8 s at a million visits).
CREATE OR REPLACE TEMP VIEW bc_visit AS
SELECT visit_id, rowid AS vkey, * EXCLUDE (visit_id) FROM bc_visit_row;

-- Port-years and fleet-years whose loaded visits the user declared complete (coverage): only
-- these are ever read as counts (docs/contract.md 2, coverage).
CREATE OR REPLACE TEMP TABLE bc_port_year AS
SELECT DISTINCT upper(trim(holder)) AS port, year FROM coverage WHERE kind = 'port';

CREATE OR REPLACE TEMP TABLE bc_fleet_year AS
SELECT DISTINCT holder AS fleet, year FROM coverage WHERE kind = 'fleet';

-- Each port's port-local years as instants [t0, t1), for the years a count is read of (the
-- years coverage declares complete): a stored visit departs in port-local year Y exactly when
-- its departure lies in Y's [t0, t1) at its port (a port without a known zone: UTC), so the
-- history is counted by year without converting each visit's departure to local time.
CREATE OR REPLACE TEMP TABLE bc_port_year_bounds AS
WITH zones AS (
    SELECT port, coalesce(timezone, 'UTC') AS tz FROM ports
    UNION
    SELECT port, 'UTC' FROM bc_port_year WHERE port NOT IN (SELECT port FROM ports)
),
years AS (
    SELECT year FROM bc_port_year UNION SELECT year FROM bc_fleet_year
)
SELECT
    z.port, z.tz, CAST(y.year AS INTEGER) AS year,
    timezone(z.tz, make_timestamp(y.year, 1, 1, 0, 0, 0)) AS t0,
    timezone(z.tz, make_timestamp(y.year + 1, 1, 1, 0, 0, 0)) AS t1
FROM zones z, years y;
