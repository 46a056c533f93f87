-- id: HF02
-- name: control.excused
-- title: Window time excused by a supply outage or an emergency
-- section: Example Harbour Regulations § 12(4)
-- severity: info
-- description: The minutes of the control window an event of kind ops_unavailable or
--   emergency excused (not on shore power), per kind.
-- compliant: A one-hour supply outage while not plugged in: a finding of 60 minutes.
-- non_compliant: none
WITH kinds AS (
    SELECT DISTINCT visit_id, kind FROM hf_piece WHERE src = 'ev'
), p AS (  -- per kind: its events with the shore power, so the union less shore power is
           -- the part that kind excused
    SELECT visit_id, kind AS part, s, e FROM hf_piece WHERE src = 'ev'
    UNION ALL
    SELECT k.visit_id, k.kind, s.s, s.e
    FROM kinds k JOIN hf_piece s ON s.visit_id = k.visit_id AND s.src = 'sp'
), u AS (
    SELECT visit_id, part AS kind, sum(epoch(e - s)) AS seconds
    FROM bc_interval_union(p) GROUP BY visit_id, part
), x AS (
    SELECT u.visit_id, u.kind, u.seconds - j.sp_seconds AS seconds
    FROM u JOIN hf_judged j ON j.visit_id = u.visit_id
    WHERE j.verdict IN ('compliant', 'non_compliant')
)
SELECT visit_id,
       kind || ' excused ' || bc_minutes_text(seconds) || ' minutes' AS message,
       to_json({'excused_minutes': round(seconds / 60, 4), 'kind': kind}) AS evidence,
       round(seconds / 60, 4) AS minutes
FROM x
WHERE seconds > 0
