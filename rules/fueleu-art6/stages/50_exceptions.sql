-- stage: exceptions of Art. 6(5) over part of the stay, and the yearly limit on the
-- unavailability / incompatibility exceptions (an Art. 6 paragraph not retrieved; parameters
-- capped_exception_*, UNCONFIRMED).
-- Exception events clipped to W.
CREATE OR REPLACE TEMP TABLE fe_exception_piece AS
SELECT
    w.visit_id, x.kind, x.event_id,
    list_contains($capped_exception_kinds, x.kind) AS capped,
    greatest(x.s, w.window_start) AS s,
    least(x.e, w.window_end) AS e
FROM fe_window w
JOIN fe_event x ON x.visit_id = w.visit_id
WHERE list_contains($partial_exception_kinds, x.kind)
  AND w.window_start < w.window_end
  AND x.s < w.window_end
  AND x.e > w.window_start;

-- Capped-kind events merged per visit, and the not-on-OPS time they would excuse.
CREATE OR REPLACE TEMP TABLE fe_capped_union AS
WITH piece AS (SELECT visit_id, 0 AS part, s, e FROM fe_exception_piece WHERE capped)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- A port call uses a capped exception when a capped-kind event covers some of the W not on
-- OPS of any of its stays: once, however many of its stays claim it. Uses are numbered per
-- ship (or ship and port) and the port-local year of the call's (last) departure, in order of
-- the call's first arrival (ties by its first stay's visit_id), over every loaded call
-- whatever the period checked. fe_cap_claim: one row per call, on its first claiming stay
-- (FE08); fe_cap_use: the call's number on each stay that claims it.
CREATE OR REPLACE TEMP TABLE fe_cap_stay AS
WITH need AS (
    SELECT u.visit_id, sum(seconds_between(greatest(u.s, g.s), least(u.e, g.e))) AS seconds
    FROM fe_capped_union u
    JOIN fe_segment g ON g.visit_id = u.visit_id AND u.s < g.e AND u.e > g.s
    GROUP BY u.visit_id
)
SELECT n.visit_id, n.seconds, c.call_key, c.port_call, c.imo, c.port, c.call_year,
    c.call_arrival, c.arrival, c.call_stays
FROM need n
JOIN fe_call c ON c.visit_id = n.visit_id
WHERE n.seconds > 0;

CREATE OR REPLACE TEMP TABLE fe_cap_claim AS
WITH kinds AS (
    SELECT c.call_key,
        string_agg(DISTINCT p.kind, '+' ORDER BY p.kind) AS kinds,
        string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids
    FROM fe_exception_piece p
    JOIN fe_cap_stay c ON c.visit_id = p.visit_id
    WHERE p.capped
    GROUP BY c.call_key
),
calls AS (
    SELECT call_key, port_call, imo, port, call_year AS year, call_arrival, call_stays,
        arg_min(visit_id, arrival) AS visit_id,
        string_agg(visit_id, ', ' ORDER BY arrival, visit_id) AS claiming_stays,
        sum(seconds) AS seconds
    FROM fe_cap_stay
    GROUP BY call_key, port_call, imo, port, call_year, call_arrival, call_stays
),
numbered AS (
    SELECT
        c.*, k.kinds, k.event_ids,
        row_number() OVER (
            PARTITION BY c.imo, c.year,
                         CASE WHEN $capped_exception_count_per = 'ship_port' THEN c.port END
            ORDER BY c.call_arrival, c.visit_id
        ) AS use_number
    FROM calls c
    JOIN kinds k ON k.call_key = c.call_key
)
SELECT
    *,
    CAST($capped_exception_limit AS INTEGER) AS use_limit,
    $capped_exception_limit < 0 OR use_number <= $capped_exception_limit AS honoured
FROM numbered;

CREATE OR REPLACE TEMP TABLE fe_cap_use AS
SELECT s.visit_id, k.use_number, k.honoured
FROM fe_cap_stay s
JOIN fe_cap_claim k ON k.call_key = s.call_key;

-- The exception events that count: every partial kind, capped kinds only on honoured uses.
-- (A UNION ALL, not `NOT capped OR EXISTS (...)`: a disjunction with a subquery is joined row
-- by row, each branch alone is a plain filter and a semi join.)
CREATE OR REPLACE TEMP TABLE fe_excuse_piece AS
SELECT p.*
FROM fe_exception_piece p
WHERE NOT p.capped
UNION ALL
SELECT p.*
FROM fe_exception_piece p
WHERE p.capped
  AND p.visit_id IN (SELECT k.visit_id FROM fe_cap_use k WHERE k.honoured);

CREATE OR REPLACE TEMP TABLE fe_excuse AS
WITH piece AS (SELECT visit_id, 0 AS part, s, e FROM fe_excuse_piece)
SELECT visit_id, s, e FROM bc_interval_union(piece);

-- Each not-on-OPS segment with the seconds of it that are excused. The LEFT JOIN is guarded:
-- without an excusing interval the overlap is 0, never the whole segment.
CREATE OR REPLACE TEMP TABLE fe_segment_net AS
SELECT
    g.visit_id, g.segment_kind, g.s, g.e,
    seconds_between(g.s, g.e) AS seconds,
    coalesce(sum(CASE WHEN x.visit_id IS NULL THEN 0
                      ELSE seconds_between(greatest(x.s, g.s), least(x.e, g.e)) END), 0)
        AS excused_seconds
FROM fe_segment g
LEFT JOIN fe_excuse x ON x.visit_id = g.visit_id AND x.s < g.e AND x.e > g.s
GROUP BY g.visit_id, g.segment_kind, g.s, g.e;

-- Which kinds of event excused not-on-OPS time, with their ids and seconds (kinds may
-- overlap each other, so these seconds need not add up to the excused total).
CREATE OR REPLACE TEMP TABLE fe_excused_kind AS
WITH merged AS (
    SELECT visit_id, kind,
        string_agg(DISTINCT event_id, ';' ORDER BY event_id) AS event_ids
    FROM fe_excuse_piece GROUP BY visit_id, kind
),
per_kind AS (
    -- one kind's pieces merged, so overlapping events of a kind count once
    SELECT visit_id, kind AS part, s, e FROM fe_excuse_piece
),
islands AS (
    SELECT visit_id, part AS kind, s, e FROM bc_interval_union(per_kind)
)
SELECT i.visit_id, i.kind, m.event_ids,
    sum(seconds_between(greatest(i.s, g.s), least(i.e, g.e))) AS seconds
FROM islands i
JOIN fe_segment g ON g.visit_id = i.visit_id AND i.s < g.e AND i.e > g.s
JOIN merged m ON m.visit_id = i.visit_id AND m.kind = i.kind
GROUP BY i.visit_id, i.kind, m.event_ids;
