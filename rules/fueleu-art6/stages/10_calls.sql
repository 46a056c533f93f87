-- stage: calls
-- Every loaded visit (one stay at one berth) with its port call, its port's country, zone and
-- flags, its berth's OPS flag, port-local dates, and which paragraph of Art. 6 covers it
-- (regime). The port call is Art. 6's unit: the stays at one port sharing a visits' port_call
-- value (ports number their own calls: the same value at another port is another call; one
-- ship's stays, the loader checks), else the stay alone; call_arrival and call_departure
-- are its first arrival and last departure (the two-hour test of Art. 6(5)(a)). Coverage
-- stays per stay: Art. 6(2) is per quay ("where the quay is equipped with OPS"), and a date
-- can fall between two stays. The regimes:
--   afir_art9     Art. 6(1): the port is flagged afir_art9 for the call's vessel type
--                 (afir_art9_ship_type empty, or that type); from 2030-01-01
--   member_state  Art. 6(3): the port's ops_required_from (a Member State decision), within
--                 2030-01-01 .. 2034-12-31
--   ops_berth     Art. 6(2): the berth has ops_available; from 2035-01-01
-- Every regime needs a port under the jurisdiction of a Member State: the port's country (the
-- ports table's, else the UN/LOCODE's first two letters) is in member_state_countries or
-- outermost_region_countries, or is an EEA state (eea_countries) from eea_applies_from. The
-- EEA date delays every regime alike.
-- A regime covers a call when the call departs AFTER the regime's first instant (port-local
-- midnight of its start date): a call departing at or before it has no time under the
-- obligation (before_start_date). Art. 6(3) ends with 31 December 2034: a call covered by it
-- must arrive before port-local midnight of 2035-01-01 (end_instant); one straddling that
-- instant is assessed up to it, unless its berth has OPS and Art. 6(2) takes over from it.
-- A port call is a port of call when any of its stays is (a stop solely for refuelling,
-- supplies, ... is not one; one that also loads cargo is), and its stays that give no gross
-- tonnage are judged at the one value its other stays give (pack 1.2.7).
-- Not applicable, in this order: not_regulated_type, port_not_covered, not_port_of_call,
-- before_start_date, below_gross_tonnage (the first that holds is the basis).
CREATE OR REPLACE TEMP TABLE fe_call AS
WITH v AS (
    SELECT
        v.*,
        p.port IS NOT NULL AS port_known,
        coalesce(p.afir_art9, false) AS port_afir_art9,
        -- AFIR Art. 9(1) covers a port per ship category: the one type it is covered for, NULL
        -- = every type (docs/regulations-fueleu.md)
        p.afir_art9_ship_type AS port_afir_art9_ship_type,
        p.ops_required_from AS port_ops_required_from_given,
        -- Art. 6(3): a Member State's decision applies from the beginning of a reporting
        -- period (a calendar year), so a date within a year takes effect on the next 1 January
        CASE WHEN month(p.ops_required_from) = 1 AND day(p.ops_required_from) = 1
             THEN p.ops_required_from
             ELSE make_date(CAST(year(p.ops_required_from) + 1 AS BIGINT), 1, 1)
        END AS port_ops_required_from,
        -- one reading of the country for every rule: the ports table's, else the LOCODE's
        coalesce(nullif(trim(p.country), ''), substr(v.port, 1, 2)) AS port_country,
        coalesce(p.timezone, 'UTC') AS tz,
        b.port IS NOT NULL AS berth_known,
        coalesce(b.ops_available, false) AS berth_ops_available,
        -- no berths row, or its ops_available empty: whether the quay has OPS is unknown
        b.ops_available IS NULL AS berth_ops_unknown
    FROM visits v
    LEFT JOIN ports p ON p.port = v.port
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
),
j AS (
    SELECT
        v.*,
        CASE
            WHEN list_contains($member_state_countries, v.port_country)
                 OR list_contains($outermost_region_countries, v.port_country) THEN 'member_state'
            WHEN list_contains($eea_countries, v.port_country) THEN 'eea'
        END AS jurisdiction,
        list_contains($covered_vessel_types, v.vessel_type) AS type_covered,
        -- Art. 6(1) applies "in a port of call covered by" AFIR Art. 9: for this ship's type
        v.port_afir_art9 AND coalesce(v.port_afir_art9_ship_type = v.vessel_type, true)
            AS afir_covers_type,
        list_contains($port_of_call_purposes, coalesce(v.call_purpose, 'cargo')) AS port_of_call
    FROM v
),
d AS (
    SELECT
        j.*,
        CAST(timezone(j.tz, j.arrival) AS DATE) AS arrival_local_date,
        CAST(timezone(j.tz, j.departure) AS DATE) AS departure_local_date,
        year(timezone(j.tz, j.departure)) AS year,
        -- the first day the Regulation reaches this port at all (EEA states: the parameter)
        CASE j.jurisdiction
            WHEN 'member_state' THEN DATE '0001-01-01'
            WHEN 'eea' THEN CAST($eea_applies_from AS DATE)
        END AS jurisdiction_from
    FROM j
),
c AS (
    -- each regime's first day for this call's port and berth (NULL: the regime cannot apply)
    SELECT
        d.*,
        CASE WHEN d.jurisdiction IS NOT NULL AND d.afir_covers_type
             THEN greatest(CAST($afir_port_start_date AS DATE), d.jurisdiction_from) END
            AS afir_from,
        CASE WHEN d.jurisdiction IS NOT NULL AND d.port_ops_required_from IS NOT NULL
                  AND d.port_ops_required_from <= $member_state_addition_until
             THEN greatest(d.port_ops_required_from, CAST($member_state_addition_from AS DATE),
                           d.jurisdiction_from) END AS member_state_from,
        CASE WHEN d.jurisdiction IS NOT NULL AND d.berth_ops_available
             THEN greatest(CAST($ops_berth_start_date AS DATE), d.jurisdiction_from) END
            AS ops_berth_from,
        -- the day Art. 6(2) would cover this call, had its quay OPS, where that is unknown
        CASE WHEN d.jurisdiction IS NOT NULL AND d.berth_ops_unknown
             THEN greatest(CAST($ops_berth_start_date AS DATE), d.jurisdiction_from) END
            AS ops_unknown_from
    FROM d
),
i AS (
    -- the first instants: port-local midnight of each first day
    SELECT
        c.*,
        timezone(c.tz, CAST(c.afir_from AS TIMESTAMP)) AS afir_instant,
        CASE WHEN c.member_state_from <= $member_state_addition_until
             THEN timezone(c.tz, CAST(c.member_state_from AS TIMESTAMP)) END
            AS member_state_instant,
        -- the first instant NOT under Art. 6(3): port-local midnight after its last day
        timezone(c.tz, CAST(CAST($member_state_addition_until AS DATE) + 1 AS TIMESTAMP))
            AS member_state_end_instant,
        timezone(c.tz, CAST(c.ops_berth_from AS TIMESTAMP)) AS ops_berth_instant,
        timezone(c.tz, CAST(c.ops_unknown_from AS TIMESTAMP)) AS ops_unknown_instant
    FROM c
),
r AS (
    SELECT
        i.*,
        -- the port call (visits' port_call within the port; a stay without one is a call of
        -- its own). A UN/LOCODE has no space, so the key is unambiguous.
        coalesce('call ' || i.port || ' ' || i.port_call, 'visit ' || i.visit_id) AS call_key,
        CASE
            WHEN i.afir_instant IS NOT NULL AND i.departure > i.afir_instant THEN 'afir_art9'
            WHEN i.member_state_instant IS NOT NULL AND i.departure > i.member_state_instant
                 AND i.arrival < i.member_state_end_instant
                THEN 'member_state'
            WHEN i.ops_berth_instant IS NOT NULL AND i.departure > i.ops_berth_instant
                THEN 'ops_berth'
        END AS regime,
        -- Art. 6(2) would cover time of the call, had the quay OPS, that no other regime
        -- covers: unknown is not "no OPS" (docs/regulations-fueleu.md), so the call cannot be
        -- judged. That is a call no other regime covers, and a call under a Member State
        -- decision that runs past its end (2035-01-01 00:00): with OPS at the quay it would
        -- be assessed to its departure, without only to that instant.
        i.ops_unknown_instant IS NOT NULL AND i.departure > i.ops_unknown_instant
            AND NOT (i.afir_instant IS NOT NULL AND i.departure > i.afir_instant)
            AND NOT (i.member_state_instant IS NOT NULL AND i.departure > i.member_state_instant
                     AND i.arrival < i.member_state_end_instant
                     AND i.departure <= i.member_state_end_instant)
            AS missing_berth_ops
    FROM i
),
pc AS (
    -- each port call of several stays: first arrival, last departure, its stays in order of
    -- arrival (a stay without a port_call is its own call: no grouping, nothing to join).
    -- Read off `visits`, not `r`: a second reader of `r` would make its joins twice.
    SELECT port, port_call,
        min(arrival) AS call_arrival,
        max(departure) AS call_departure,
        count(*) AS call_stays,
        string_agg(visit_id, ', ' ORDER BY arrival, visit_id) AS call_stay_ids,
        -- the ship's gross tonnage where its stays give one value (a port call is one ship's,
        -- the loader checks; a ship's tonnage does not change between quays): read for a stay
        -- that gives none (pack 1.2.7). Two values on its stays leave an empty one unknown.
        CASE WHEN count(DISTINCT gross_tonnage) = 1 THEN min(gross_tonnage) END
            AS call_gross_tonnage,
        string_agg(visit_id, ', ' ORDER BY arrival, visit_id) FILTER (WHERE gross_tonnage IS NULL)
            AS call_stays_without_gross_tonnage,
        -- Art. 3 point (10) leaves out stops SOLELY for refuelling, supplies, ...: a call one
        -- of whose stays loads or unloads cargo or passengers makes the port its port of
        -- call, so every stay of it is at berth in a port of call (pack 1.2.7)
        bool_or(list_contains($port_of_call_purposes, coalesce(call_purpose, 'cargo')))
            AS call_port_of_call
    FROM visits
    WHERE port_call IS NOT NULL
    GROUP BY port, port_call
)
SELECT
    r.*,
    coalesce(pc.call_arrival, r.arrival) AS call_arrival,
    coalesce(pc.call_departure, r.departure) AS call_departure,
    coalesce(pc.call_stays, 1) AS call_stays,
    coalesce(pc.call_stay_ids, r.visit_id) AS call_stay_ids,
    -- the gross tonnage the call is judged at: the stay's, else its port call's (above); the
    -- row's own gross_tonnage column stays as given
    coalesce(r.gross_tonnage, pc.call_gross_tonnage) AS judged_gross_tonnage,
    CASE WHEN pc.call_gross_tonnage IS NOT NULL THEN pc.call_stays_without_gross_tonnage END
        AS call_stays_without_gross_tonnage,
    seconds_between(coalesce(pc.call_arrival, r.arrival),
                    coalesce(pc.call_departure, r.departure)) AS call_seconds,
    -- the reporting year of the call: that of its port-local (last) departure
    year(timezone(r.tz, coalesce(pc.call_departure, r.departure))) AS call_year,
    CASE r.regime
        WHEN 'afir_art9' THEN r.afir_from
        WHEN 'member_state' THEN r.member_state_from
        WHEN 'ops_berth' THEN r.ops_berth_from
    END AS start_date,
    CASE r.regime
        WHEN 'afir_art9' THEN r.afir_instant
        WHEN 'member_state' THEN r.member_state_instant
        WHEN 'ops_berth' THEN r.ops_berth_instant
    END AS start_instant,
    -- the last instant under the obligation (exclusive), NULL = none: a Member State decision
    -- (Art. 6(3)) ends with 31 December 2034 unless Art. 6(2) takes over at the call's berth
    -- by then (a quay with OPS from 2035-01-01)
    CASE WHEN r.regime = 'member_state'
              AND NOT coalesce(r.ops_berth_instant <= r.member_state_end_instant, false)
         THEN r.member_state_end_instant END AS end_instant,
    -- the date the call would be covered from, had it departed later (for before_start_date)
    CASE
        WHEN r.regime IS NOT NULL THEN NULL
        WHEN r.afir_from IS NOT NULL THEN r.afir_from
        WHEN r.member_state_instant IS NOT NULL AND r.departure <= r.member_state_instant
            THEN r.member_state_from
        WHEN r.ops_berth_from IS NOT NULL THEN r.ops_berth_from
    END AS later_start_date,
    seconds_between(r.arrival, r.departure) AS stay_seconds,
    CASE
        WHEN NOT r.type_covered THEN 'not_regulated_type'
        -- a ship that is not at a port of call, or of 5 000 GT or less, is out whatever its
        -- quay; otherwise a call whose coverage hangs on an unknown quay is not "not
        -- applicable" (60_outcome)
        WHEN r.missing_berth_ops AND NOT coalesce(pc.call_port_of_call, r.port_of_call)
            THEN 'not_port_of_call'
        WHEN r.missing_berth_ops
             AND coalesce(r.gross_tonnage, pc.call_gross_tonnage) <= $gross_tonnage_threshold
            THEN 'below_gross_tonnage'
        WHEN r.missing_berth_ops THEN NULL
        WHEN r.regime IS NULL AND r.afir_from IS NULL AND r.ops_berth_from IS NULL
             AND NOT (r.member_state_instant IS NOT NULL
                      AND r.departure <= r.member_state_instant)
            THEN 'port_not_covered'
        WHEN NOT coalesce(pc.call_port_of_call, r.port_of_call) THEN 'not_port_of_call'
        WHEN r.regime IS NULL THEN 'before_start_date'
        WHEN coalesce(r.gross_tonnage, pc.call_gross_tonnage) <= $gross_tonnage_threshold
            THEN 'below_gross_tonnage'
    END AS not_applicable_basis
FROM r
LEFT JOIN pc ON pc.port = r.port AND pc.port_call = r.port_call;
