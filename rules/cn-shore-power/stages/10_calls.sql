-- stage: calls
-- Every loaded visit with its port's country, zone and area (coastal / inland), its berth's
-- shore-power supply, the stay threshold that applies, and its start instant. Then, in this
-- order, why it is not under the Art. 11 duty (the first that holds is the basis):
--   port_not_covered         the port is not in China (covered_countries)
--   not_regulated_type       a tanker (excluded_vessel_types)
--   no_receiving_equipment   a ship without shore-power receiving equipment
--                            (shore_power_capable false and no shore-power session in the
--                            stay; a basis of this pack, pack.toml [[bases]])
--   before_start_date        arrived before port-local midnight of its type's start date
--   berth_without_supply     the berth is known and has no shore-power supply (berths.shore_power;
--                            a basis of this pack) and no shore-power session in the stay
-- and, for a visit under the duty, what is missing to judge it (insufficient_data):
--   missing_port_area            a Chinese port without coastal / inland, and a stay over
--                                one threshold but not the other (over 2 h, not over 3 h)
--   missing_berth_shore_power    no berths row for the visit's berth, or its shore_power cell
--                                empty (unknown is not "no supply"), and no shore-power session
--                                in the stay, and a stay over the threshold (a shorter one is
--                                short_visit whatever the berth)
-- A shore-power session in the stay shows both the ship's receiving equipment and the berth's
-- supply, whatever the visits and berths rows say (pack 1.1.3 for the ship, 1.1.6 for the
-- berth; docs/regulations-cn.md, "Who").
CREATE OR REPLACE TEMP TABLE cn_call AS
WITH v AS (
    SELECT
        v.*,
        coalesce(nullif(trim(p.country), ''), substr(v.port, 1, 2)) AS port_country,
        p.port_area,
        coalesce(p.timezone, 'UTC') AS tz,
        b.port IS NOT NULL AS berth_known,
        b.shore_power AS berth_supply,  -- NULL: no berths row, or its cell empty
        coalesce(v.shore_power_capable, false) AS stated_capable,
        EXISTS (
            SELECT 1 FROM shore_power x
            WHERE x.visit_id = v.visit_id
              AND x.connected < v.departure AND x.disconnected > v.arrival
        ) AS on_shore_power,
        list_contains($cruise_vessel_types, v.vessel_type) AS cruise
    FROM visits v
    LEFT JOIN ports p ON p.port = v.port
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
),
s AS (
    SELECT
        v.*,
        -- A ship that was on shore power during the call has receiving facilities, whatever
        -- its row says (the loader's default is false when the column is absent), and the
        -- berth it was on could supply it, whatever the berths table says (a berth fitted
        -- after the table was written, a mobile supply unit): it is judged, not
        -- no_receiving_equipment, berth_without_supply or missing_berth_shore_power
        -- (docs/regulations-cn.md, "Who").
        v.stated_capable OR v.on_shore_power AS capable,
        CASE WHEN v.on_shore_power THEN true ELSE v.berth_supply END AS supply,
        CASE WHEN v.cruise THEN CAST($cruise_start_date AS DATE)
             ELSE CAST($start_date AS DATE) END AS start_date,
        CASE v.port_area WHEN 'coastal' THEN $coastal_min_stay_hours
                         WHEN 'inland' THEN $inland_min_stay_hours END AS min_stay_hours,
        seconds_between(v.arrival, v.departure) AS stay_seconds
    FROM v
),
t AS (
    -- Whether the stay is over the threshold that applies: the port's, or, at a port without
    -- port_area, both (a stay over the higher threshold is under the duty either way, one not
    -- over the lower is under neither; only a stay between them needs the port's area).
    SELECT s.*,
        CASE WHEN s.min_stay_hours IS NOT NULL THEN s.stay_seconds > s.min_stay_hours * 3600
             ELSE s.stay_seconds > greatest($coastal_min_stay_hours, $inland_min_stay_hours) * 3600
        END AS stay_over_threshold,
        s.port_area IS NULL
            AND s.stay_seconds > least($coastal_min_stay_hours, $inland_min_stay_hours) * 3600
            AND s.stay_seconds <= greatest($coastal_min_stay_hours, $inland_min_stay_hours) * 3600
            AS area_decides
    FROM s
),
i AS (
    SELECT t.*, timezone(t.tz, CAST(t.start_date AS TIMESTAMP)) AS start_instant FROM t
)
SELECT
    i.*,
    CASE
        WHEN NOT list_contains($covered_countries, i.port_country) THEN 'port_not_covered'
        WHEN list_contains($excluded_vessel_types, i.vessel_type) THEN 'not_regulated_type'
        WHEN $require_receiving_equipment AND NOT i.capable THEN 'no_receiving_equipment'
        WHEN i.arrival < i.start_instant THEN 'before_start_date'
        WHEN i.supply IS FALSE THEN 'berth_without_supply'
    END AS not_applicable_basis,
    CASE
        -- a port without port_area only where its area decides the duty (pack 1.1.6: every
        -- stay there was insufficient_data, a 20-hour one and a 1-hour one too)
        WHEN i.area_decides THEN 'missing_port_area'
        -- a berth of unknown supply only where the stay is over the threshold: a shorter stay
        -- is under no duty whatever the berth (pack 1.1.6; it was insufficient_data too)
        WHEN i.supply IS NULL AND i.stay_over_threshold THEN 'missing_berth_shore_power'
    END AS missing_basis
FROM i;

-- Each event as an interval of its visit: an empty start is the arrival, an empty end the
-- departure.
CREATE OR REPLACE TEMP TABLE cn_event AS
SELECT
    e.event_id, e.visit_id, e.kind, e.reference,
    coalesce(e.start_time, c.arrival) AS s,
    coalesce(e.end_time, c.departure) AS e
FROM events e
JOIN cn_call c ON c.visit_id = e.visit_id;
