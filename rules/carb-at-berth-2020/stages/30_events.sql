-- stage: events
-- Each event as an interval of its visit: an empty start is the arrival, an empty end the
-- departure; both empty = the whole visit. An event whose times cover the whole stay (from
-- arrival or before to departure or after) is a whole-visit event as well: start and end are
-- "the part of the visit covered" (docs/contract.md), and a research event written 06:00 to
-- 19:00 for a visit from 06:00 to 19:00 covers the same visit as one with both empty.
CREATE OR REPLACE TEMP TABLE bc_event AS
SELECT
    e.event_id,
    e.visit_id,
    v.vkey,
    e.kind,
    e.reference,
    e.approval_ref,
    coalesce(e.start_time <= v.arrival, true) AND coalesce(e.end_time >= v.departure, true)
        AS whole_visit,
    coalesce(e.start_time, v.arrival) AS s,
    coalesce(e.end_time, v.departure) AS e
FROM events e
JOIN bc_visit v ON v.visit_id = e.visit_id;

-- Commissioning claims (§ 93130.8(c), § 93130.10(c)). A whole-visit commissioning event exempts
-- the visit only when
--   * the visit is a commissioning visit: its `commissioned` is not true (a vessel whose shore
--     power was already commissioned at the terminal is not being commissioned), and
--   * the event carries CARB's written approval (approval_ref), or it is the vessel's (IMO's)
--     first commissioning visit to the terminal and the vessel connected to shore power during it.
-- "First": no earlier loaded visit (by arrival, then visit_id) of the same IMO to the same port
-- and terminal carried a commissioning event or had commissioned = true.
CREATE OR REPLACE TEMP TABLE bc_commissioning AS
WITH claim AS MATERIALIZED (
    -- each claimed visit with the columns read of it below, joined once on the visit key: it
    -- was joined three times on the text visit_id, each a probe of every judged visit (0.03
    -- CPU s at 1M), and planned three times. MATERIALIZED: its three readers read these rows.
    SELECT
        x.visit_id, v.imo, v.port, v.terminal, v.arrival, v.commissioned,
        string_agg(DISTINCT x.event_id, ';' ORDER BY x.event_id) AS event_ids,
        string_agg(DISTINCT x.approval_ref, ';' ORDER BY x.approval_ref) AS approval_ref
    FROM bc_event x
    JOIN bc_visit v ON v.vkey = x.vkey
    WHERE x.kind = 'commissioning' AND x.whole_visit
    GROUP BY x.visit_id, v.imo, v.port, v.terminal, v.arrival, v.commissioned
),
history AS (
    -- every loaded visit of the claimants' vessels, whatever the check's scope (the
    -- whole-store history: bc_visit and bc_event hold the visits judged only)
    SELECT DISTINCT v.visit_id, v.imo, v.port, v.terminal, v.arrival, v.commissioned
    FROM history_visits v
    WHERE v.imo IN (SELECT imo FROM claim)
      AND (v.commissioned IS TRUE
           OR v.visit_id IN (SELECT x.visit_id FROM history_events x
                             WHERE x.kind = 'commissioning'))
),
-- The earlier visit and the connection are joined, not looked up by a correlated subquery
-- per claim (ORDER BY ... LIMIT 1, EXISTS), which made this the dearest stage to plan for a
-- handful of claims (pack 1.2.13).
earlier AS (
    -- the first earlier one (by arrival, then visit_id) of the same vessel, port and terminal
    SELECT c.visit_id, arg_min(h.visit_id, (h.arrival, h.visit_id)) AS earlier_visit
    FROM claim c
    JOIN history h
        ON h.imo = c.imo AND h.port = c.port AND h.terminal = c.terminal
       AND (h.arrival < c.arrival OR (h.arrival = c.arrival AND h.visit_id < c.visit_id))
    GROUP BY c.visit_id
),
judged AS (
    SELECT
        c.visit_id,
        c.event_ids,
        c.approval_ref,
        c.commissioned IS TRUE AS already_commissioned,
        e.earlier_visit,
        sp.visit_id IS NOT NULL AS connected
    FROM claim c
    LEFT JOIN earlier e ON e.visit_id = c.visit_id
    -- connected: a shore power session of the claimed visit
    LEFT JOIN (SELECT DISTINCT visit_id FROM shore_power
               WHERE visit_id IN (SELECT visit_id FROM claim)) sp ON sp.visit_id = c.visit_id
)
SELECT
    *,
    CASE
        WHEN already_commissioned THEN false
        WHEN approval_ref IS NOT NULL THEN true
        ELSE earlier_visit IS NULL AND (connected OR NOT $commissioning_needs_connection)
    END AS accepted,
    concat_ws('; ',
        CASE WHEN already_commissioned
             THEN 'the vessel''s shore power was already commissioned at this terminal '
                  || '(commissioned = true), so this is not a commissioning visit' END,
        CASE WHEN NOT already_commissioned AND approval_ref IS NULL AND earlier_visit IS NOT NULL
             THEN 'not the vessel''s first commissioning visit to the terminal (earlier: '
                  || earlier_visit || ') and no written approval (approval_ref) is given' END,
        CASE WHEN NOT already_commissioned AND approval_ref IS NULL AND NOT connected
                  AND $commissioning_needs_connection
             THEN 'the vessel did not connect to shore power during the visit' END
    ) AS refusal
FROM judged;

-- Whole-visit exceptions (accepted commissioning, research, innovative concept) exempt the visit.
CREATE OR REPLACE TEMP TABLE bc_whole_exception AS
SELECT
    x.visit_id,
    x.vkey,
    string_agg(DISTINCT x.kind, '+' ORDER BY x.kind) AS kinds,
    string_agg(DISTINCT x.event_id, ';' ORDER BY x.event_id) AS event_ids
FROM bc_event x
LEFT JOIN bc_commissioning c ON c.visit_id = x.visit_id
WHERE x.whole_visit AND list_contains($whole_visit_exception_kinds, x.kind)
  AND (x.kind <> 'commissioning' OR c.accepted)
GROUP BY x.visit_id, x.vkey;

-- A visit must control emissions when the regulation applies, its terminal is not a low
-- activity terminal for its type, and no whole-visit exception covers it.
-- (the visit's status row, stages/20_terminal_status.sql, joined on the visit read once)
CREATE OR REPLACE TEMP TABLE bc_need AS
SELECT v.visit_id, v.vkey
FROM bc_visit v
JOIN bc_terminal_year_status t
    ON t.port = v.port AND t.terminal = v.terminal AND t.vessel_type = v.vessel_type
   AND t.year = v.status_year
-- no whole-visit exception (an anti join: NOT EXISTS without a correlated subquery to plan)
ANTI JOIN bc_whole_exception x ON x.vkey = v.vkey
WHERE v.not_applicable_basis IS NULL
  AND t.status = 'regulated';
