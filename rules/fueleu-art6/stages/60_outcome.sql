-- stage: outcome
-- One row per visit: verdict, basis, window, hours, penalty (docs/contract.md 4, "FuelEU Maritime
-- Article 6 arithmetic"). Precedence: not applicable > missing gross tonnage > short stay >
-- whole-stay exception > OPS use and partial exceptions. A call that must use OPS always has
-- time under the obligation (stage calls: it departs after the regime's first instant), so
-- its window is never empty.
-- The steps below carry only the columns of fe_call they read (NEEDED: visit_id ... call_seconds);
-- the row's other columns are joined back once at the end (pack 1.2.9: carrying fe_call's 77
-- columns through every step was a third of planning this statement; results unchanged).
CREATE OR REPLACE TEMP TABLE fe_outcome AS
WITH ops AS (
    SELECT visit_id, sum(seconds_between(s, e)) AS ops_seconds FROM fe_ops GROUP BY visit_id
),
seg AS (
    SELECT visit_id,
        sum(seconds) AS uncovered_seconds,
        sum(excused_seconds) AS excused_seconds,
        sum(CASE WHEN segment_kind = 'late_connection' THEN seconds - excused_seconds ELSE 0 END)
            AS late_seconds,
        sum(CASE WHEN segment_kind = 'early_disconnection' THEN seconds - excused_seconds ELSE 0 END)
            AS early_seconds,
        sum(CASE WHEN segment_kind = 'gap' THEN seconds - excused_seconds ELSE 0 END) AS gap_seconds,
        sum(CASE WHEN segment_kind = 'no_ops' THEN seconds - excused_seconds ELSE 0 END)
            AS no_ops_seconds
    FROM fe_segment_net
    GROUP BY visit_id
),
excused_kinds AS (
    SELECT visit_id, string_agg(kind, '+' ORDER BY kind) AS kinds
    FROM fe_excused_kind WHERE seconds > 0 GROUP BY visit_id
),
base AS (
    SELECT
        -- NEEDED: the columns of fe_call that the steps below read
        c.visit_id, c.call_key, c.call_stays, c.arrival, c.departure, c.not_applicable_basis,
        c.missing_berth_ops, c.judged_gross_tonnage, c.call_seconds,
        n.visit_id IS NOT NULL AS needs_ops,
        x.kinds AS exemption_kinds,
        x.event_ids AS exemption_event_ids,
        x.claim_event_ids AS exemption_claim_event_ids,
        x.claimed_on_ids AS exemption_claimed_on_ids,
        w.window_start AS w_start,
        w.window_end AS w_end,
        coalesce(w.clipped_to_start, false) AS clipped_to_start,
        coalesce(w.clipped_to_end, false) AS clipped_to_end,
        coalesce(ops.ops_seconds, 0) AS ops_seconds,
        coalesce(seg.uncovered_seconds, 0) AS uncovered_seconds,
        coalesce(seg.excused_seconds, 0) AS event_excused_seconds,
        coalesce(seg.late_seconds, 0) AS late_seconds,
        coalesce(seg.early_seconds, 0) AS early_seconds,
        coalesce(seg.gap_seconds, 0) AS gap_seconds,
        coalesce(seg.no_ops_seconds, 0) AS no_ops_seconds,
        ek.kinds AS excused_kinds,
        -- the time neither on OPS nor excused by an event, before any connection allowance
        coalesce(seg.uncovered_seconds, 0) - coalesce(seg.excused_seconds, 0) AS open_seconds,
        -- electrical power demand at berth: given, else the size bin's, else the type's default
        coalesce(c.aux_power_kw, CAST(pb.kw AS DOUBLE), CAST(pt.kw AS DOUBLE)) AS power_demand_kw,
        CASE
            WHEN c.aux_power_kw IS NOT NULL THEN 'given'
            WHEN pb.kw IS NOT NULL THEN 'default_size_bin'
            WHEN pt.kw IS NOT NULL THEN 'default_type'
        END AS power_source,
        CASE
            WHEN c.aux_power_kw IS NOT NULL THEN NULL
            ELSE coalesce(pb.category, pt.category)
        END AS power_category
    FROM fe_call c
    LEFT JOIN fe_need n ON n.visit_id = c.visit_id
    LEFT JOIN fe_whole_exemption x ON x.visit_id = c.visit_id
    LEFT JOIN fe_window w ON w.visit_id = c.visit_id
    LEFT JOIN ops ON ops.visit_id = c.visit_id
    LEFT JOIN seg ON seg.visit_id = c.visit_id
    LEFT JOIN excused_kinds ek ON ek.visit_id = c.visit_id
    LEFT JOIN param_default_power_demand pb
        ON pb.vessel_type = c.vessel_type AND pb.size_metric = 'teu' AND c.teu IS NOT NULL
       AND c.teu >= pb.bin_from AND (pb.bin_to < 0 OR c.teu < pb.bin_to)
    LEFT JOIN param_default_power_demand pt
        ON pt.vessel_type = c.vessel_type AND pt.size_metric = 'none'
),
allowance AS (
    -- the connection allowance is per port call: a call of several stays spends it on its
    -- stays in order of arrival (a stay alone: least(open, allowance), below)
    SELECT visit_id,
        greatest(0, least(open_seconds, $connection_allowance_hours * 3600.0
            -- what the call's earlier stays had open (a running sum less the stay's own)
            - (sum(open_seconds) OVER (PARTITION BY call_key ORDER BY arrival, visit_id
                   ROWS UNBOUNDED PRECEDING) - open_seconds))) AS allowance_seconds
    FROM base
    WHERE call_stays > 1
),
hours AS (
    SELECT *,
        open_seconds - allowance_seconds AS non_compliant_seconds,
        event_excused_seconds + allowance_seconds AS excused_seconds
    FROM (SELECT b.*,
              -- what the connection allowance takes off the time neither on OPS nor excused
              CASE WHEN b.call_stays > 1 THEN m.allowance_seconds
                   ELSE least(b.open_seconds, $connection_allowance_hours * 3600.0)
              END AS allowance_seconds
          FROM base b LEFT JOIN allowance m ON m.visit_id = b.visit_id)
),
billable AS (
    -- the hours the penalty multiplies (parameter penalty_hours, UNCONFIRMED reading of
    -- Art. 23(4)): the non-compliant hours, or the whole assessed stay of a non-compliant call
    SELECT *,
        CASE $penalty_hours
            WHEN 'non_compliant' THEN non_compliant_seconds
            WHEN 'stay' THEN coalesce(seconds_between(w_start, w_end), 0)
            ELSE error('pack fueleu-art6: parameter penalty_hours must be non_compliant or '
                       || 'stay, not ' || CAST($penalty_hours AS VARCHAR))
        END AS billable_seconds
    FROM hours
),
multi AS (
    -- a port call of several stays, as one: its non-compliant and billable time over the
    -- stays that must use OPS, the power demand the penalty multiplies (one value when its
    -- stays agree, else their mean weighted by billable time: the sum of each stay's kW x
    -- hours, rounded once), and the stay that carries the call's billed hours and penalty
    -- (its last to depart with non-compliant time: the call belongs to the period of its
    -- departure, and only a non-compliant stay owes money)
    SELECT call_key,
        sum(non_compliant_seconds) AS call_non_compliant_seconds,
        sum(billable_seconds) AS call_billable_seconds,
        CASE
            WHEN count(*) FILTER (WHERE billable_seconds > 0 AND power_demand_kw IS NULL) > 0
                THEN NULL
            WHEN min(power_demand_kw) FILTER (WHERE billable_seconds > 0)
                 = max(power_demand_kw) FILTER (WHERE billable_seconds > 0)
                THEN min(power_demand_kw) FILTER (WHERE billable_seconds > 0)
            ELSE sum(power_demand_kw * billable_seconds) FILTER (WHERE billable_seconds > 0)
                 / sum(billable_seconds) FILTER (WHERE billable_seconds > 0)
        END AS call_power_demand_kw,
        -- the stays' demands differ: FE12 says the mean is one, of what (pack 1.2.7)
        coalesce(min(power_demand_kw) FILTER (WHERE billable_seconds > 0)
                 <> max(power_demand_kw) FILTER (WHERE billable_seconds > 0), false)
            AS call_power_differs,
        string_agg(visit_id || ' ' || CAST(power_demand_kw AS VARCHAR) || ' kW x '
                   || printf('%.2f', billable_seconds / 3600.0) || ' h', ', '
                   ORDER BY arrival, visit_id) FILTER (WHERE billable_seconds > 0)
            AS call_stay_power,
        coalesce(arg_max(visit_id, departure) FILTER (WHERE non_compliant_seconds > 0),
                 arg_max(visit_id, departure)) AS call_carrier,
        string_agg(visit_id || ' ' || printf('%.2f', non_compliant_seconds / 3600.0) || ' h',
                   ', ' ORDER BY arrival, visit_id) AS call_stay_hours
    FROM billable
    WHERE needs_ops AND call_stays > 1
    GROUP BY call_key
),
called AS (
    SELECT b.*,
        coalesce(m.call_non_compliant_seconds, b.non_compliant_seconds)
            AS call_non_compliant_seconds,
        coalesce(m.call_billable_seconds, b.billable_seconds) AS call_billable_seconds,
        CASE WHEN m.call_key IS NULL THEN b.power_demand_kw ELSE m.call_power_demand_kw END
            AS call_power_demand_kw,
        coalesce(m.call_carrier, b.visit_id) AS call_carrier,
        coalesce(m.call_power_differs, false) AS call_power_differs,
        m.call_stay_power,
        m.call_stay_hours
    FROM billable b
    LEFT JOIN multi m ON m.call_key = b.call_key
),
judged AS (
    SELECT *,
        CASE
            WHEN not_applicable_basis IS NOT NULL THEN 'not_applicable'
            WHEN missing_berth_ops THEN 'insufficient_data'
            WHEN judged_gross_tonnage IS NULL THEN 'insufficient_data'
            WHEN call_seconds < $short_stay_hours * 3600 THEN 'exempt'
            WHEN exemption_kinds IS NOT NULL THEN 'exempt'
            -- each stay's verdict is on its own time at berth (judged under its call's
            -- two-hour test and exemptions): a stay of a non-compliant call that was on OPS
            -- throughout is compliant
            WHEN non_compliant_seconds > 0 THEN 'non_compliant'
            ELSE 'compliant'
        END AS verdict,
        CASE
            WHEN not_applicable_basis IS NOT NULL THEN not_applicable_basis
            WHEN missing_berth_ops THEN 'missing_berth_ops'
            WHEN judged_gross_tonnage IS NULL THEN 'missing_gross_tonnage'
            WHEN call_seconds < $short_stay_hours * 3600 THEN 'short_visit'
            WHEN exemption_kinds IS NOT NULL THEN exemption_kinds
            WHEN non_compliant_seconds > 0 THEN concat_ws('+', 'uncontrolled', excused_kinds)
            -- a stay of a port call of several all on zero-emission technology, its call
            -- not exempt (stage events): its own basis, not the exemption's
            WHEN ops_seconds = 0 AND allowance_seconds = 0
                 AND excused_kinds = 'zero_emission_tech' THEN 'zero_emission_stay'
            ELSE concat_ws('+',
                CASE WHEN ops_seconds > 0 THEN 'controlled' END,
                excused_kinds,
                CASE WHEN allowance_seconds > 0 THEN 'connection_allowance' END)
        END AS basis
    FROM called
),
billed AS (
    -- the call's billed hours: rounded once per port call (on each non-compliant stay of it;
    -- the result row shows them on the stay that carries the penalty only)
    SELECT *,
        CASE
            WHEN verdict <> 'non_compliant' THEN NULL
            -- seconds rounded to the millisecond first, so float noise never adds an hour
            WHEN $non_compliant_hours_rounding = 'up'
                THEN CAST(ceil(round(call_billable_seconds, 3) / 3600.0) AS DOUBLE)
            WHEN $non_compliant_hours_rounding = 'none' THEN hours_of(call_billable_seconds)
            -- a misspelt value ('Up') billed exact hours without a word
            ELSE error('pack fueleu-art6: parameter non_compliant_hours_rounding must be up or '
                       || 'none, not ' || CAST($non_compliant_hours_rounding AS VARCHAR))
        END AS billed_hours,
        visit_id = call_carrier AS penalty_carrier
    FROM judged
)
SELECT
    -- every column of fe_call (in its order), then what the steps above computed
    c.*,
    b.* EXCLUDE (visit_id, call_key, call_stays, arrival, departure, not_applicable_basis,
                 missing_berth_ops, judged_gross_tonnage, call_seconds),
    CASE WHEN b.verdict IN ('compliant', 'non_compliant') THEN b.w_start END
        AS window_start,
    CASE WHEN b.verdict IN ('compliant', 'non_compliant') THEN b.w_end END
        AS window_end,
    CASE
        WHEN b.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        ELSE hours_of(b.ops_seconds)
    END AS controlled_hours,
    CASE
        WHEN b.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        ELSE hours_of(b.non_compliant_seconds)
    END AS uncontrolled_hours,
    CASE
        WHEN b.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        ELSE hours_of(b.excused_seconds)
    END AS excused_hours,
    CASE WHEN b.verdict = 'non_compliant' THEN $penalty_responsible END AS responsible,
    -- the call's penalty (rate x power demand x billed hours), on the stay that carries it
    CASE
        WHEN b.verdict = 'non_compliant' AND b.call_power_demand_kw IS NOT NULL
            THEN round($penalty_eur_per_kwh * b.call_power_demand_kw * b.billed_hours, 2)
    END AS call_penalty,
    CASE
        WHEN b.verdict = 'non_compliant' AND b.penalty_carrier
             AND b.call_power_demand_kw IS NOT NULL
            THEN round($penalty_eur_per_kwh * b.call_power_demand_kw * b.billed_hours, 2)
    END AS penalty,
    -- the window's port-local times as FE05, FE06 and FE11 write them, made here once for
    -- the stays those rules report (pack 1.2.9: each rule wrote them itself, eight macro
    -- calls to plan in every check; the texts are the same)
    CASE WHEN b.verdict = 'non_compliant' OR b.clipped_to_start
         THEN local_text(b.w_start, c.tz) END AS w_start_text,
    CASE WHEN b.verdict = 'non_compliant' OR b.clipped_to_end
         THEN local_text(b.w_end, c.tz) END AS w_end_text
FROM billed b
JOIN fe_call c ON c.visit_id = b.visit_id;
