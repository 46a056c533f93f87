-- stage: VIE / TIE allowance accounting (§ 93130.11)
-- Claims on visits that must control emissions, counted per holder and year in departure
-- order (ties broken by visit_id). A VIE belongs to the visit's fleet (California-wide); a TIE
-- to the visit's terminal AT ITS PORT: same-named terminals at two ports never share a claim
-- count, an allowance or a visit count. A fleet is matched by holder_key, its name ignoring
-- case and spaces (fleet_key): spellings of one fleet share one count, allowance and coverage;
-- holder keeps the visit's own spelling for the findings.
-- Whether a claim on a visit that had no uncontrolled time anyway (claims aside: an empty window,
-- or every uncontrolled stretch excused) uses one of the holder's VIEs / TIEs is open
-- (§ 93130.11; parameter claim_without_uncontrolled_time_uses_allowance, UNCONFIRMED,
-- docs/regulations-carb.md 8.2). Where it does not, such a claim is left out: not counted, and
-- the visit is judged on its control. A visit without Ready to Work has no window to tell, so
-- its claim always counts.
CREATE OR REPLACE TEMP TABLE bc_claim AS
WITH controlled_anyway AS (
    -- of the claimants only (a few visits in a hundred), not of every window
    SELECT w.vkey FROM bc_window w
    WHERE w.vkey IN (SELECT vkey FROM bc_event WHERE kind IN ('vie', 'tie'))
      AND (w.window_start >= w.window_end
           OR w.vkey NOT IN (SELECT vkey FROM bc_segment_net WHERE seconds > excused_seconds))
),
claims AS (
    SELECT DISTINCT e.visit_id, e.vkey, e.kind AS claim_kind
    FROM bc_event e
    JOIN bc_need n ON n.vkey = e.vkey
    WHERE e.kind IN ('vie', 'tie')
      AND ($claim_without_uncontrolled_time_uses_allowance
           OR e.vkey NOT IN (SELECT vkey FROM controlled_anyway))
),
held AS (
    SELECT
        c.visit_id,
        c.vkey,
        c.claim_kind,
        CASE c.claim_kind WHEN 'vie' THEN $vie_holder_kind ELSE $tie_holder_kind END
            AS holder_kind,
        CASE c.claim_kind WHEN 'vie' THEN v.fleet ELSE v.terminal END AS holder,
        CASE c.claim_kind WHEN 'vie' THEN fleet_key(v.fleet) ELSE v.terminal END AS holder_key,
        -- the port a holder belongs to: a terminal's; a fleet's VIEs are California-wide
        CASE c.claim_kind WHEN 'vie' THEN NULL ELSE v.port END AS holder_port,
        v.port,
        v.year,
        -- the year whose visits the allowance is a percentage of: the previous one, except in
        -- the first year, 2023, whose VIEs and TIEs come from the 2021 records
        -- (§ 93130.11(a)(2); parameters allowance_initial_year, allowance_initial_count_year)
        CASE WHEN v.year = $allowance_initial_year THEN $allowance_initial_count_year
             ELSE v.year - 1 END AS count_year,
        v.departure
    FROM claims c
    JOIN bc_visit v ON v.vkey = c.vkey
)
SELECT
    *,
    row_number() OVER (
        PARTITION BY claim_kind, holder_key, holder_port, year
        ORDER BY departure, visit_id
    ) AS claim_number
FROM held;

-- The allowance per holder and year: the allowances row(s), else the Table 3 percentage of the
-- holder's previous-year count rounded as $allowance_rounding says, else unknown (AB11).
-- The previous-year count (innovative-concept visits excluded, § 93130.11(a)(1)) comes from
-- visit_counts (reported_by_port, reported), else from the loaded visits of a year declared
-- complete in coverage (the fleet's record for VIEs, the port's for TIEs). Loaded visits alone
-- are never a count.
CREATE OR REPLACE TEMP TABLE bc_allowance AS
WITH holders AS (
    SELECT DISTINCT claim_kind, holder_kind, holder_key, holder_port, year, count_year
    FROM bc_claim
),
granted AS (
    SELECT h.claim_kind, h.holder_key, h.holder_port, h.year, sum(a.granted) AS granted
    FROM holders h
    -- each row's fleet key worked out once (fleet_key is a regular expression), not once per
    -- holder of its kind and year that the join tests it against
    JOIN (SELECT *, fleet_key(holder) AS fleet_holder FROM allowances) a
        ON a.holder_kind = h.holder_kind AND a.year = h.year
       AND (CASE h.claim_kind WHEN 'vie' THEN a.fleet_holder ELSE a.holder END) = h.holder_key
       AND (h.holder_port IS NULL OR upper(a.port) = h.holder_port)
    GROUP BY ALL
),
-- A count per port as reported (the port's all-types row, else the sum of its per-type rows;
-- a terminal's rows are its port's), then the holder's: a fleet's California-wide row (no
-- port), else the sum over its ports. A fleet's total beside its by-port breakdown is one
-- count, not two added up. A per-type row of a type that is no ocean-going vessel (an
-- articulated tug barge, § 93130.2(b)(7); the Wharfinger data's own row, export wharfinger)
-- counts nothing, as its loaded visits count nothing below.
reported_by_port AS (
    SELECT h.claim_kind, h.holder_key, h.holder_port, h.year, upper(c.port) AS count_port,
        coalesce(sum(c.visits) FILTER (WHERE c.vessel_type IS NULL),
                 sum(CASE WHEN list_contains($not_ocean_going_types, c.vessel_type) THEN 0
                          ELSE c.visits END)) AS visits
    FROM holders h
    -- (as for allowances above: at 1M, 18 000 visit_counts rows against a few hundred holders
    -- made a million fleet keys, 0.03 of this statement's 0.07 CPU s)
    JOIN (SELECT *, fleet_key(holder) AS fleet_holder FROM visit_counts) c
        ON c.holder_kind = h.holder_kind AND c.year = h.count_year
       AND (CASE h.claim_kind WHEN 'vie' THEN c.fleet_holder ELSE c.holder END) = h.holder_key
       AND (h.holder_port IS NULL OR upper(c.port) = h.holder_port)
    GROUP BY ALL
),
reported AS (
    SELECT claim_kind, holder_key, holder_port, year,
        coalesce(sum(visits) FILTER (WHERE count_port IS NULL), sum(visits)) AS visits
    FROM reported_by_port
    GROUP BY ALL
),
-- the previous year's visits at ports the regulation covers, whatever the check's scope (the
-- whole-store history: bc_visit and bc_event hold the visits judged only), counted once per
-- fleet and year and per terminal and year (year-level aggregates joined by equality, where a
-- count per holder in a correlated subquery cost more to plan than the whole stage ran)
history_counted AS (
    SELECT v.port, v.terminal, fleet_key(v.fleet) AS fleet_key, b.year
    FROM history_visits v
    JOIN bc_port_year_bounds b
        ON b.port = v.port AND v.departure >= b.t0 AND v.departure < b.t1
    JOIN ports p ON p.port = v.port AND p.carb_at_berth
    -- not a visit under an innovative concept (an anti join: NOT EXISTS without a correlated
    -- subquery to plan)
    ANTI JOIN (SELECT visit_id FROM history_events WHERE kind = 'innovative_concept') x
        ON x.visit_id = v.visit_id
    -- vessel visits of the Control Measure: an articulated tug barge is not an ocean-going
    -- vessel (§ 93130.2(b)(7)), so its calls are no fleet's or terminal's visits here
    WHERE NOT list_contains($not_ocean_going_types, v.vessel_type)
),
fleet_year AS (
    SELECT fleet_key, year, count(*) AS visits FROM history_counted GROUP BY fleet_key, year
),
terminal_year AS (
    SELECT port, terminal, year, count(*) AS visits
    FROM history_counted GROUP BY port, terminal, year
),
covered AS (
    SELECT h.claim_kind, h.holder_key, h.holder_port, h.year,
        CASE WHEN h.holder_port IS NULL THEN coalesce(f.visits, 0)
             ELSE coalesce(t.visits, 0) END AS visits
    FROM holders h
    LEFT JOIN fleet_year f
        ON h.holder_port IS NULL AND f.fleet_key = h.holder_key AND f.year = h.count_year
    LEFT JOIN terminal_year t
        ON h.holder_port IS NOT NULL AND t.port = h.holder_port AND t.terminal = h.holder_key
       AND t.year = h.count_year
    -- a fleet's count year declared complete, or the terminal's port's
    WHERE (h.holder_port IS NULL
           AND (h.holder_key, h.count_year) IN (SELECT fleet_key(fleet), year FROM bc_fleet_year))
       OR (h.holder_port IS NOT NULL
           AND (h.holder_port, h.count_year) IN (SELECT port, year FROM bc_port_year))
),
counted AS (
    SELECT h.*,
        g.granted,
        r.visits AS reported_visits,
        c.visits AS loaded_visits,
        coalesce(r.visits, c.visits) AS prev_visits,
        CASE WHEN r.visits IS NOT NULL THEN 'visit_counts'
             WHEN c.visits IS NOT NULL THEN 'coverage' END AS count_source,
        pct.percent
    FROM holders h
    LEFT JOIN granted g
        ON g.claim_kind = h.claim_kind AND g.holder_key IS NOT DISTINCT FROM h.holder_key
       AND g.holder_port IS NOT DISTINCT FROM h.holder_port AND g.year = h.year
    LEFT JOIN reported r
        ON r.claim_kind = h.claim_kind AND r.holder_key IS NOT DISTINCT FROM h.holder_key
       AND r.holder_port IS NOT DISTINCT FROM h.holder_port AND r.year = h.year
    LEFT JOIN covered c
        ON c.claim_kind = h.claim_kind AND c.holder_key IS NOT DISTINCT FROM h.holder_key
       AND c.holder_port IS NOT DISTINCT FROM h.holder_port AND c.year = h.year
    LEFT JOIN param_allowance_percent pct
        ON pct.holder_kind = h.holder_kind AND h.year BETWEEN pct.from_year AND pct.to_year
)
SELECT
    *,
    CASE WHEN prev_visits IS NOT NULL AND percent IS NOT NULL
         THEN CAST(CASE $allowance_rounding
                   WHEN 'down' THEN floor(percent / 100.0 * prev_visits)
                   WHEN 'up' THEN ceil(percent / 100.0 * prev_visits)
                   ELSE round(percent / 100.0 * prev_visits)
               END AS INTEGER) END AS computed,
    CASE
        WHEN holder_key IS NULL THEN NULL
        WHEN granted IS NOT NULL THEN granted
        WHEN prev_visits IS NOT NULL AND percent IS NOT NULL
            THEN CAST(CASE $allowance_rounding
                   WHEN 'down' THEN floor(percent / 100.0 * prev_visits)
                   WHEN 'up' THEN ceil(percent / 100.0 * prev_visits)
                   ELSE round(percent / 100.0 * prev_visits)
               END AS INTEGER)
    END AS allowance,
    CASE
        WHEN holder_key IS NULL THEN 'no_holder'
        WHEN granted IS NOT NULL THEN 'allowances'
        WHEN prev_visits IS NOT NULL AND percent IS NOT NULL THEN count_source
        ELSE 'unknown'
    END AS allowance_source
FROM counted;

CREATE OR REPLACE TEMP TABLE bc_claim_outcome AS
SELECT
    *,
    -- what AB10 / AB24 say after the claim's number where it is a lower bound
    CASE WHEN NOT claims_complete
         THEN ' (at least: ' || holder_port || ' ' || CAST(year AS VARCHAR)
              || ' is not declared complete, so other claims at the terminal that year may not '
              || 'be loaded)'
         ELSE '' END AS claim_number_note,
    -- honoured: within the allowance, at a place in the year that is known (AB26 otherwise);
    -- a claim beyond the allowance among the loaded claims is beyond it whatever is missing
    allowance IS NOT NULL AND claim_number <= allowance AND claims_complete AS honoured
FROM (
    SELECT
        c.*,
        a.allowance,
        a.allowance_source,
        a.granted,
        a.prev_visits,
        a.reported_visits,
        a.loaded_visits,
        a.count_source,
        a.percent,
        -- whether the holder's claims of the year are all loaded, so that claim_number is the
        -- claim's place in the holder's year and not a lower bound (docs/regulations-carb.md
        -- 8.3): a TIE's only where its port's visits of the claim year are declared complete
        -- in coverage (a line holds only its own calls at the terminal; a port may have loaded
        -- part of the year); a VIE's is read as the fleet's own record (8.3 says why)
        c.holder_port IS NULL OR (c.holder_port, c.year) IN (SELECT port, year FROM bc_port_year)
            AS claims_complete
    FROM bc_claim c
    JOIN bc_allowance a
        ON a.claim_kind = c.claim_kind AND a.holder_key IS NOT DISTINCT FROM c.holder_key
       AND a.holder_port IS NOT DISTINCT FROM c.holder_port AND a.year = c.year
);
