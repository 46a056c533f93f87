-- stage: VIE / TIE allowance accounting (§ 93130.11)
-- Claims on visits that must control emissions, counted per holder and year in departure
-- order (ties broken by visit_id). The allowance is the allowances row, else a percentage of
-- the holder's previous-year loaded visits (innovative-concept visits excluded, § 93130.11(a)(1))
-- rounded to the nearest whole number, else unknown (not honoured; rule AB11).
CREATE OR REPLACE TEMP TABLE bc_claim AS
WITH claims AS (
    SELECT DISTINCT e.visit_id, e.kind AS claim_kind
    FROM bc_event e
    JOIN bc_need n ON n.visit_id = e.visit_id
    WHERE e.kind IN ('vie', 'tie')
)
SELECT
    c.visit_id,
    c.claim_kind,
    CASE c.claim_kind WHEN 'vie' THEN $vie_holder_kind ELSE $tie_holder_kind END AS holder_kind,
    CASE c.claim_kind WHEN 'vie' THEN v.fleet ELSE v.terminal END AS holder,
    v.port,
    v.year,
    v.departure,
    row_number() OVER (
        PARTITION BY c.claim_kind, CASE c.claim_kind WHEN 'vie' THEN v.fleet ELSE v.terminal END,
                     v.year
        ORDER BY v.departure, c.visit_id
    ) AS claim_number
FROM claims c
JOIN bc_visit v ON v.visit_id = c.visit_id;

CREATE OR REPLACE TEMP TABLE bc_allowance AS
WITH holders AS (
    SELECT DISTINCT claim_kind, holder_kind, holder, year,
        min(port) OVER (PARTITION BY claim_kind, holder, year) AS port
    FROM bc_claim
),
prev AS (
    SELECT h.claim_kind, h.holder, h.year,
        count(v.visit_id) AS prev_visits
    FROM holders h
    LEFT JOIN bc_visit v
        ON v.year = h.year - 1
       AND v.port_covered
       AND ((h.claim_kind = 'vie' AND v.fleet = h.holder)
         OR (h.claim_kind = 'tie' AND v.terminal = h.holder AND v.port = h.port))
       AND NOT EXISTS (SELECT 1 FROM bc_event x
                       WHERE x.visit_id = v.visit_id AND x.kind = 'innovative_concept')
    GROUP BY h.claim_kind, h.holder, h.year
),
known AS (
    SELECT h.claim_kind, h.holder, h.year,
        CASE h.claim_kind
            WHEN 'vie' THEN EXISTS (SELECT 1 FROM bc_visit v
                                    WHERE v.year = h.year - 1 AND v.port_covered)
            ELSE EXISTS (SELECT 1 FROM bc_port_year y WHERE y.port = h.port AND y.year = h.year - 1)
        END AS prev_year_known
    FROM holders h
)
SELECT
    h.claim_kind, h.holder_kind, h.holder, h.year,
    a.granted,
    p.prev_visits,
    k.prev_year_known,
    pct.percent,
    CASE WHEN k.prev_year_known AND pct.percent IS NOT NULL AND h.holder IS NOT NULL
         THEN CAST(CASE $allowance_rounding
                   WHEN 'down' THEN floor(pct.percent / 100.0 * p.prev_visits)
                   WHEN 'up' THEN ceil(pct.percent / 100.0 * p.prev_visits)
                   ELSE round(pct.percent / 100.0 * p.prev_visits)
               END AS INTEGER) END AS computed,
    CASE
        WHEN h.holder IS NULL THEN NULL
        WHEN a.granted IS NOT NULL THEN a.granted
        WHEN k.prev_year_known AND pct.percent IS NOT NULL
            THEN CAST(CASE $allowance_rounding
                   WHEN 'down' THEN floor(pct.percent / 100.0 * p.prev_visits)
                   WHEN 'up' THEN ceil(pct.percent / 100.0 * p.prev_visits)
                   ELSE round(pct.percent / 100.0 * p.prev_visits)
               END AS INTEGER)
    END AS allowance,
    CASE
        WHEN h.holder IS NULL THEN 'no_holder'
        WHEN a.granted IS NOT NULL THEN 'allowances'
        WHEN k.prev_year_known AND pct.percent IS NOT NULL THEN 'computed'
        ELSE 'unknown'
    END AS allowance_source
FROM holders h
JOIN prev p ON p.claim_kind = h.claim_kind AND p.holder IS NOT DISTINCT FROM h.holder
           AND p.year = h.year
JOIN known k ON k.claim_kind = h.claim_kind AND k.holder IS NOT DISTINCT FROM h.holder
            AND k.year = h.year
LEFT JOIN allowances a
    ON a.holder_kind = h.holder_kind AND a.holder = h.holder AND a.year = h.year
LEFT JOIN param_allowance_percent pct
    ON pct.holder_kind = h.holder_kind AND h.year BETWEEN pct.from_year AND pct.to_year;

CREATE OR REPLACE TEMP TABLE bc_claim_outcome AS
SELECT
    c.*,
    a.allowance,
    a.allowance_source,
    a.granted,
    a.prev_visits,
    a.percent,
    a.allowance IS NOT NULL AND c.claim_number <= a.allowance AS honoured
FROM bc_claim c
JOIN bc_allowance a
    ON a.claim_kind = c.claim_kind AND a.holder IS NOT DISTINCT FROM c.holder
   AND a.year = c.year;
