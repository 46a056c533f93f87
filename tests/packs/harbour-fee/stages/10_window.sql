-- Shore power over the whole stay (the contract's shore_power_hours), sessions clipped to it.
CREATE OR REPLACE TEMP TABLE hf_stay_sp AS
WITH clipped AS (
    SELECT v.visit_id, 0 AS part, greatest(s.connected, v.arrival) AS s,
           least(s.disconnected, v.departure) AS e
    FROM visits v JOIN shore_power s ON s.visit_id = v.visit_id
    WHERE s.disconnected > v.arrival AND s.connected < v.departure
)
SELECT visit_id, sum(epoch(e - s)) AS stay_sp_seconds FROM bc_interval_union(clipped)
GROUP BY visit_id;

-- The control window of each visit and its verdict.
CREATE OR REPLACE TEMP TABLE hf_visit AS
SELECT v.visit_id, v.vessel_name, v.imo, v.vessel_type, v.port, v.terminal, v.berth,
       v.arrival, v.departure,
       coalesce(p.timezone, 'UTC') AS tz,
       c.port IS NOT NULL AS covered,
       list_contains($covered_types, v.vessel_type) AS type_covered,
       b.shore_power AS berth_supply,
       epoch(v.departure - v.arrival) AS stay_seconds,
       v.arrival + to_minutes($connect_minutes) AS ws,
       v.departure - to_minutes($disconnect_minutes) AS we
FROM visits v
LEFT JOIN ports p ON p.port = v.port
LEFT JOIN param_covered_ports c ON c.port = v.port
LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth;

-- Pieces inside the window: shore power (part 'sp') and excusing events (part 'ev').
CREATE OR REPLACE TEMP TABLE hf_piece AS
SELECT v.visit_id, 'sp' AS src, NULL AS kind,
       greatest(s.connected, v.ws) AS s, least(s.disconnected, v.we) AS e
FROM hf_visit v JOIN shore_power s ON s.visit_id = v.visit_id
WHERE v.ws < v.we AND s.disconnected > v.ws AND s.connected < v.we
UNION ALL
SELECT v.visit_id, 'ev', ev.kind,
       greatest(coalesce(ev.start_time, v.arrival), v.ws),
       least(coalesce(ev.end_time, v.departure), v.we)
FROM hf_visit v JOIN events ev ON ev.visit_id = v.visit_id
WHERE ev.kind IN ('ops_unavailable', 'emergency') AND v.ws < v.we
  AND coalesce(ev.end_time, v.departure) > v.ws
  AND coalesce(ev.start_time, v.arrival) < v.we;

-- Control alone, and control or excuse: excused = the latter less the former.
CREATE OR REPLACE TEMP TABLE hf_cover AS
WITH sp AS (SELECT visit_id, 0 AS part, s, e FROM hf_piece WHERE src = 'sp'),
     anyp AS (SELECT visit_id, 0 AS part, s, e FROM hf_piece),
     spu AS (SELECT visit_id, sum(epoch(e - s)) AS sp_seconds
             FROM bc_interval_union(sp) GROUP BY visit_id),
     anyu AS (SELECT visit_id, sum(epoch(e - s)) AS cover_seconds
              FROM bc_interval_union(anyp) GROUP BY visit_id)
SELECT anyu.visit_id, coalesce(spu.sp_seconds, 0) AS sp_seconds, anyu.cover_seconds
FROM anyu LEFT JOIN spu USING (visit_id);

-- The excusing kinds present (for the basis), '+'-joined in name order.
CREATE OR REPLACE TEMP TABLE hf_kinds AS
SELECT visit_id, string_agg(DISTINCT kind, '+' ORDER BY kind) AS kinds
FROM hf_piece WHERE src = 'ev' GROUP BY visit_id;

CREATE OR REPLACE TEMP TABLE hf_judged AS
WITH j AS (
    SELECT v.*, coalesce(c.sp_seconds, 0) AS sp_seconds,
           coalesce(c.cover_seconds, 0) - coalesce(c.sp_seconds, 0) AS excused_seconds,
           epoch(v.we - v.ws) - coalesce(c.cover_seconds, 0) AS uncontrolled_seconds,
           k.kinds, coalesce(st.stay_sp_seconds, 0) AS stay_sp_seconds,
           CASE WHEN NOT covered THEN 'not_applicable'
                WHEN NOT type_covered THEN 'not_applicable'
                WHEN berth_supply IS NULL THEN 'insufficient_data'
                WHEN NOT berth_supply THEN 'not_applicable'
                WHEN stay_seconds <= $min_stay_hours * 3600 THEN 'exempt'
                WHEN epoch(v.we - v.ws) - coalesce(c.cover_seconds, 0) > 0 THEN 'non_compliant'
                ELSE 'compliant' END AS verdict
    FROM hf_visit v
    LEFT JOIN hf_cover c ON c.visit_id = v.visit_id
    LEFT JOIN hf_kinds k ON k.visit_id = v.visit_id
    LEFT JOIN hf_stay_sp st ON st.visit_id = v.visit_id
)
SELECT *,
    CASE verdict
        WHEN 'not_applicable' THEN
            CASE WHEN NOT covered THEN 'port_not_covered'
                 WHEN NOT type_covered THEN 'not_regulated_type'
                 ELSE 'berth_without_supply' END
        WHEN 'insufficient_data' THEN 'missing_berth_shore_power'
        WHEN 'exempt' THEN 'short_visit'
        WHEN 'non_compliant' THEN 'uncontrolled'
                                  || CASE WHEN excused_seconds > 0 THEN '+' || kinds ELSE '' END
        ELSE 'controlled' || CASE WHEN excused_seconds > 0 THEN '+' || kinds ELSE '' END
    END AS basis,
    CASE WHEN verdict = 'non_compliant'
         THEN CAST(ceil(uncontrolled_seconds / 3600) AS BIGINT) END AS fee_hours
FROM j;
