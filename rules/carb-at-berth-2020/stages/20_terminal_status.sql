-- stage: terminal status (low activity terminal, § 93130.10(a)), a state over years
-- Per port, terminal and vessel type: low activity in 2023 only with fewer than 20 visits in both
-- 2021 and 2022; it stays low activity until 20 or more visits in two consecutive calendar years
-- and is regulated from 1 January of the year after; once regulated it stays regulated. A
-- terminals row decides its own year and is the starting state for later years.
--
-- Counts (bc_terminal_year_count): a visit_counts row for the terminal, port, vessel type and
-- year (its visits plus its innovative_concept_visits: the threshold counts every visit), else
-- the loaded visits of a port-year declared complete in coverage. Loaded visits
-- alone are never a count: a year with neither is unknown, never zero.

-- Which rows of the whole-store history the pack reads (pack.toml history_keys; docs/packs.md):
-- the engine hands over history_visits, when this stage first reads it, as the stored visits
-- matching a row below (NULL = any; departure in [departure_from, departure_until)), and
-- history_events as those visits' events. Each read of the history below, in 30_events and in
-- 60_allowance still filters exactly; these keys only have to cover what they read:
--   * the loaded visits of the port-years coverage declares complete: terminal-year counts
--     (here) and a TIE holder's previous-year count (60_allowance);
--   * the visits of the fleets whose years coverage declares complete, at any port within
--     that port's local year: a VIE holder's previous-year count (60_allowance);
--   * every visit of a vessel (IMO) with a commissioning event among the visits judged: the
--     commissioning history (30_events);
--   * every visit of a shore power vessel (IMO) judged on capture at a shore power berth, or
--     at a berth whose shore power is unknown (no berths row, or its cell empty: AB25 warns
--     of the duty there), with `commissioned` empty: whether an earlier visit to the terminal
--     says it is commissioned there (the plug-in duty, 50_control).
-- The engine hands over at least those rows: an unscoped check's history is the whole input
-- (a view, no copy) whatever the keys; a scoped check's, once a key row bounds a range (a
-- port-year or fleet-year declared complete), is every visit departing within the span of
-- those ranges plus the rows the other keys name outside it (matching each range exactly
-- costs more than copying the span; berthcheck/engine/history_keys.py). Without coverage a
-- month hands over the claimants' vessels' visits only.
CREATE OR REPLACE TEMP TABLE bc_history_key AS
SELECT b.port, CAST(NULL AS VARCHAR) AS fleet, CAST(NULL AS VARCHAR) AS imo,
    b.t0 AS departure_from, b.t1 AS departure_until
FROM bc_port_year_bounds b
WHERE (b.port, b.year) IN (SELECT port, year FROM bc_port_year)
UNION ALL
SELECT b.port, f.fleet, NULL, b.t0, b.t1
FROM bc_fleet_year f
JOIN bc_port_year_bounds b ON b.year = f.year
UNION ALL
SELECT DISTINCT NULL, NULL, v.imo, NULL, NULL
FROM events e
JOIN bc_visit v ON v.visit_id = e.visit_id
WHERE e.kind = 'commissioning' AND v.imo IS NOT NULL
UNION
SELECT DISTINCT NULL, NULL, v.imo, NULL, NULL
FROM capture c
JOIN bc_visit v ON v.visit_id = c.visit_id
LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
WHERE v.commissioned IS NULL AND v.shore_power_capable IS TRUE AND b.shore_power IS NOT FALSE
  AND v.imo IS NOT NULL;

-- Every (port, terminal, vessel type) judged, with each year from the first count year to the
-- year before its latest visit.
CREATE OR REPLACE TEMP TABLE bc_terminal_year_count AS
WITH judged AS (
    SELECT port, terminal, vessel_type, max(year) AS max_year
    FROM bc_visit
    WHERE not_applicable_basis IS NULL
    GROUP BY port, terminal, vessel_type
),
years AS (
    SELECT port, terminal, vessel_type,
        unnest(range(CAST($low_activity_first_year AS BIGINT), CAST(max_year AS BIGINT))) AS year
    FROM judged
),
loaded AS (
    -- every loaded visit of the year, whatever the check's scope (the whole-store history),
    -- counted only for the port-years declared complete: elsewhere no count is read
    SELECT h.port, h.terminal, h.vessel_type, b.year, count(*) AS visits
    FROM history_visits h
    JOIN bc_port_year_bounds b
        ON b.port = h.port AND h.departure >= b.t0 AND h.departure < b.t1
    WHERE (b.port, b.year) IN (SELECT port, year FROM bc_port_year)
    GROUP BY h.port, h.terminal, h.vessel_type, b.year
),
reported AS (
    -- every visit the terminal received: a row's visits leave out its innovative-concept
    -- visits (the VIE/TIE count, § 93130.11(a)), which § 93130.10(a) counts; empty = none
    SELECT upper(port) AS port, holder AS terminal, vessel_type, year,
        sum(visits + coalesce(innovative_concept_visits, 0)) AS visits,
        sum(coalesce(innovative_concept_visits, 0)) AS innovative_concept_visits,
        string_agg(DISTINCT source, '+' ORDER BY source) AS source
    FROM visit_counts
    WHERE holder_kind = 'terminal' AND vessel_type IS NOT NULL AND port IS NOT NULL
    GROUP BY ALL
)
SELECT
    y.port, y.terminal, y.vessel_type, CAST(y.year AS INTEGER) AS year,
    r.visits AS reported_visits,
    r.innovative_concept_visits AS reported_innovative_concept_visits,
    r.source AS reported_source,
    c.year IS NOT NULL AS covered,
    CASE WHEN c.year IS NOT NULL THEN coalesce(l.visits, 0) END AS loaded_visits,
    coalesce(r.visits, CASE WHEN c.year IS NOT NULL THEN coalesce(l.visits, 0) END) AS visits,
    CASE WHEN r.visits IS NOT NULL THEN 'visit_counts'
         WHEN c.year IS NOT NULL THEN 'coverage' END AS count_source
FROM years y
LEFT JOIN reported r
    ON r.port = y.port AND r.terminal = y.terminal AND r.vessel_type = y.vessel_type
   AND r.year = y.year
LEFT JOIN bc_port_year c ON c.port = y.port AND c.year = y.year
LEFT JOIN loaded l
    ON l.port = y.port AND l.terminal = y.terminal AND l.vessel_type = y.vessel_type
   AND l.year = y.year;

-- Status per (port, terminal, vessel type, year Y) judged.
--   own:    a terminals row for Y decides.
--   anchor: the latest terminals row before Y; regulated stays regulated; low activity stays
--           low until a pair of consecutive years (k, k+1), anchor year - 1 <= k, k + 1 <= Y - 1,
--           both at or above the threshold.
--   none:   the first two count years decide the initial state (both below -> low activity),
--           then the same pairs rule from the second of them on.
-- A state that needs a count that is unknown is 'assumed' regulated (AB03 names the years). A
-- count is needed only where it could decide: a pair with one year known below the threshold
-- is not a pair at or above it whatever the other year's count, so 2021: 5, 2022: 5 and no
-- count for 2023 still make 2024 low activity (only 2023 with 2024 could end it, from 2025).
-- Each year is read three-valued: at or above (true), below (false), unknown (NULL).
CREATE OR REPLACE TEMP TABLE bc_terminal_year_status AS
WITH keys AS (
    SELECT DISTINCT port, terminal, vessel_type, status_year AS year
    FROM bc_visit
    WHERE not_applicable_basis IS NULL
),
anchored AS (
    SELECT
        k.*,
        own.regulated AS own_regulated,
        max(t.year) AS anchor_year
    FROM keys k
    LEFT JOIN terminals own
        ON own.port = k.port AND own.terminal = k.terminal AND own.vessel_type = k.vessel_type
       AND own.year = k.year
    LEFT JOIN terminals t
        ON t.port = k.port AND t.terminal = k.terminal AND t.vessel_type = k.vessel_type
       AND t.year < k.year
    GROUP BY k.port, k.terminal, k.vessel_type, k.year, own.regulated
),
framed AS (
    SELECT
        a.*,
        t.regulated AS anchor_regulated,
        CASE WHEN a.anchor_year IS NOT NULL
             THEN greatest(a.anchor_year - 1, $low_activity_first_year)
             ELSE $low_activity_first_year END AS from_year
    FROM anchored a
    LEFT JOIN terminals t
        ON t.port = a.port AND t.terminal = a.terminal AND t.vessel_type = a.vessel_type
       AND t.year = a.anchor_year
),
counted AS (
    SELECT
        f.port, f.terminal, f.vessel_type, f.year,
        -- the first two count years (initial state, used only without an anchor): high when
        -- either is at or above the threshold; undecided when neither is and one is unknown
        bool_or(c.year IN ($low_activity_first_year, $low_activity_first_year + 1)
                AND c.visits >= $low_activity_threshold_visits) AS initial_high,
        bool_or(c.year IN ($low_activity_first_year, $low_activity_first_year + 1)
                AND c.visits IS NULL) AS initial_unknown,
        -- a pair of consecutive years at or above the threshold, both inside the frame
        bool_or(c.year + 1 <= f.year - 1 AND c.visits >= $low_activity_threshold_visits
                AND n.visits >= $low_activity_threshold_visits) AS pair_high,
        -- a pair that could be at or above it: neither year known below, one unknown
        bool_or(c.year + 1 <= f.year - 1
                AND coalesce(c.visits >= $low_activity_threshold_visits, true)
                AND coalesce(n.visits >= $low_activity_threshold_visits, true)
                AND (c.visits IS NULL OR n.visits IS NULL)) AS pair_unknown,
        -- the unknown years that could decide: a first year (without an anchor) or a member
        -- of a pair in the frame whose other year is not known below the threshold
        string_agg(CAST(c.year AS VARCHAR), ', ' ORDER BY c.year) FILTER (
            WHERE c.visits IS NULL
              AND ((f.anchor_year IS NULL
                    AND c.year IN ($low_activity_first_year, $low_activity_first_year + 1))
                   OR (c.year + 1 <= f.year - 1
                       AND coalesce(n.visits >= $low_activity_threshold_visits, true))
                   OR (c.year - 1 >= f.from_year
                       AND coalesce(p.visits >= $low_activity_threshold_visits, true)))
        ) AS unknown_years,
        string_agg(CAST(c.year AS VARCHAR) || ': ' || coalesce(CAST(c.visits AS VARCHAR), '?'),
                   ', ' ORDER BY c.year) AS counts_text,
        string_agg(DISTINCT c.count_source, '+' ORDER BY c.count_source) AS count_sources
    FROM framed f
    JOIN bc_terminal_year_count c
        ON c.port = f.port AND c.terminal = f.terminal AND c.vessel_type = f.vessel_type
       AND c.year BETWEEN f.from_year AND f.year - 1
    LEFT JOIN bc_terminal_year_count n
        ON n.port = c.port AND n.terminal = c.terminal AND n.vessel_type = c.vessel_type
       AND n.year = c.year + 1
    LEFT JOIN bc_terminal_year_count p
        ON p.port = c.port AND p.terminal = c.terminal AND p.vessel_type = c.vessel_type
       AND p.year = c.year - 1
    GROUP BY f.port, f.terminal, f.vessel_type, f.year
)
SELECT
    f.port, f.terminal, f.vessel_type, f.year,
    f.own_regulated IS NOT NULL AS own_row,
    f.anchor_year,
    f.from_year,
    c.unknown_years,
    c.counts_text,
    c.count_sources,
    CASE
        WHEN f.own_regulated IS NOT NULL THEN 'terminals_table'
        WHEN f.anchor_year IS NOT NULL AND f.anchor_regulated THEN 'terminals_table'
        WHEN f.anchor_year IS NULL AND coalesce(c.initial_high, false) THEN 'computed'
        WHEN coalesce(c.pair_high, false) THEN 'computed'
        WHEN (f.anchor_year IS NULL AND c.initial_unknown) OR c.pair_unknown
             OR c.port IS NULL THEN 'assumed'
        ELSE 'computed'
    END AS status_source,
    CASE
        WHEN f.own_regulated IS NOT NULL THEN
            CASE WHEN f.own_regulated THEN 'regulated' ELSE 'low_activity' END
        WHEN f.anchor_year IS NOT NULL AND f.anchor_regulated THEN 'regulated'
        WHEN f.anchor_year IS NULL AND coalesce(c.initial_high, false) THEN 'regulated'
        WHEN coalesce(c.pair_high, false) THEN 'regulated'
        WHEN (f.anchor_year IS NULL AND c.initial_unknown) OR c.pair_unknown
             OR c.port IS NULL THEN 'regulated'
        ELSE 'low_activity'
    END AS status
FROM framed f
LEFT JOIN counted c
    ON c.port = f.port AND c.terminal = f.terminal AND c.vessel_type = f.vessel_type
   AND c.year = f.year;

-- A visit takes the status of its port-local arrival year (status_year, stages/10_visits.sql).
-- Its readers join these few rows on (port, terminal, vessel_type, status_year) themselves:
-- bc_need (stages/30_events.sql) and bc_outcome on the visits they read, AB02 and AB03 on
-- bc_outcome's rows of a low activity or assumed status only. There is no per-visit table or
-- view of it: written out it copied the year's texts (counts, sources) for every applicable
-- visit, five times the cost of the join (0.15 of 0.03 CPU s at 200 000 visits), and a view
-- (pack 1.2.12) joined bc_visit once more for each of its three readers (pack 1.2.13).
