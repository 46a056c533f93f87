-- Hours on shore power per visit: sessions clipped to the stay, overlaps counted once
-- (gaps-and-islands over the sessions ordered by start).
CREATE OR REPLACE TEMP TABLE bi_shore_power AS
WITH clipped AS (
    SELECT v.visit_id,
           greatest(s.connected, v.arrival) AS a,
           least(s.disconnected, v.departure) AS b
    FROM visits v
    JOIN shore_power s ON s.visit_id = v.visit_id
    WHERE s.disconnected > v.arrival AND s.connected < v.departure
),
ordered AS (
    SELECT *, max(b) OVER (PARTITION BY visit_id ORDER BY a, b
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
    FROM clipped
),
islands AS (
    SELECT *, sum(CASE WHEN before_end IS NULL OR a > before_end THEN 1 ELSE 0 END)
              OVER (PARTITION BY visit_id ORDER BY a, b) AS island
    FROM ordered
)
SELECT visit_id, sum(seconds) AS sp_seconds
FROM (SELECT visit_id, island, epoch(max(b) - min(a)) AS seconds
      FROM islands GROUP BY visit_id, island)
GROUP BY visit_id;

CREATE OR REPLACE TEMP TABLE bi_visit AS
SELECT v.*,
       coalesce(p.timezone, 'UTC') AS tz,
       epoch(v.departure - v.arrival) AS stay_seconds,
       coalesce(s.sp_seconds, 0) AS sp_seconds,
       coalesce(s.sp_seconds, 0) > $min_hours_on_shore_power * 3600 AS earns,
       CASE WHEN coalesce(s.sp_seconds, 0) > $min_hours_on_shore_power * 3600
            THEN round(s.sp_seconds / 3600 * $credit_per_hour, 2) ELSE CAST(0 AS DOUBLE)
       END AS credit
FROM visits v
LEFT JOIN ports p ON p.port = v.port
LEFT JOIN bi_shore_power s ON s.visit_id = v.visit_id;
