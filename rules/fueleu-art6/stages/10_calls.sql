-- stage: calls
-- Every loaded visit (one stay at one berth = one port call for Art. 6) with its port's zone,
-- flags and Member State date, its berth's OPS flag, port-local dates, and which paragraph of
-- Art. 6 covers it (regime):
--   afir_art9     Art. 6(1): the port is flagged afir_art9, departure on/after 2030-01-01
--   member_state  Art. 6(3): the port's ops_required_from (a Member State decision) has come,
--                 departure from 2030-01-01 to 2034-12-31
--   ops_berth     Art. 6(2): the berth has ops_available in a Member State port, departure
--                 on/after 2035-01-01
-- Dates are compared as port-local calendar dates, never a TIMESTAMPTZ with a DATE.
CREATE OR REPLACE TEMP TABLE fe_call AS
WITH v AS (
    SELECT
        v.*,
        p.port IS NOT NULL AS port_known,
        coalesce(p.afir_art9, false) AS port_afir_art9,
        p.ops_required_from AS port_ops_required_from,
        p.country AS port_country,
        coalesce(p.timezone, 'UTC') AS tz,
        b.port IS NOT NULL AS berth_known,
        coalesce(b.ops_available, false) AS berth_ops_available
    FROM visits v
    LEFT JOIN ports p ON p.port = v.port
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
),
d AS (
    SELECT
        v.*,
        CAST(timezone(v.tz, v.arrival) AS DATE) AS arrival_local_date,
        CAST(timezone(v.tz, v.departure) AS DATE) AS departure_local_date,
        year(timezone(v.tz, v.departure)) AS year,
        list_contains($covered_vessel_types, v.vessel_type) AS type_covered,
        coalesce(list_contains($member_state_countries, v.port_country), false) AS member_state_port,
        -- the Member State decision's first day, if it falls in the window Art. 6(3) allows
        CASE WHEN v.port_ops_required_from IS NOT NULL
                  AND v.port_ops_required_from <= $member_state_addition_until
             THEN greatest(v.port_ops_required_from, $member_state_addition_from) END
            AS member_state_from
    FROM v
),
r AS (
    SELECT
        d.*,
        CASE
            WHEN d.port_afir_art9 AND d.departure_local_date >= $afir_port_start_date
                THEN 'afir_art9'
            WHEN d.member_state_from IS NOT NULL
                 AND d.departure_local_date >= d.member_state_from
                 AND d.departure_local_date <= $member_state_addition_until
                THEN 'member_state'
            WHEN d.berth_ops_available AND d.member_state_port
                 AND d.departure_local_date >= $ops_berth_start_date
                THEN 'ops_berth'
        END AS regime
    FROM d
)
SELECT
    r.*,
    CASE r.regime
        WHEN 'afir_art9' THEN $afir_port_start_date
        WHEN 'member_state' THEN r.member_state_from
        WHEN 'ops_berth' THEN $ops_berth_start_date
    END AS start_date,
    -- the regime's first instant: port-local midnight of its start date
    timezone(r.tz, CAST(CASE r.regime
        WHEN 'afir_art9' THEN $afir_port_start_date
        WHEN 'member_state' THEN r.member_state_from
        WHEN 'ops_berth' THEN $ops_berth_start_date
    END AS TIMESTAMP)) AS start_instant,
    -- the date the call would be covered from, had it departed later (for before_start_date)
    CASE
        WHEN r.regime IS NOT NULL THEN NULL
        WHEN r.port_afir_art9 THEN $afir_port_start_date
        WHEN r.member_state_from IS NOT NULL AND r.departure_local_date < r.member_state_from
            THEN r.member_state_from
        WHEN r.berth_ops_available AND r.member_state_port THEN $ops_berth_start_date
    END AS later_start_date,
    epoch(r.departure - r.arrival) AS stay_seconds,
    CASE
        WHEN NOT r.type_covered THEN 'not_regulated_type'
        WHEN r.regime IS NULL AND r.port_afir_art9 THEN 'before_start_date'
        WHEN r.regime IS NULL AND r.member_state_from IS NOT NULL
             AND r.departure_local_date < r.member_state_from THEN 'before_start_date'
        WHEN r.regime IS NULL AND r.berth_ops_available AND r.member_state_port
            THEN 'before_start_date'
        WHEN r.regime IS NULL THEN 'port_not_covered'
        WHEN r.gross_tonnage IS NOT NULL AND r.gross_tonnage <= $gross_tonnage_threshold
            THEN 'below_gross_tonnage'
    END AS not_applicable_basis
FROM r;
