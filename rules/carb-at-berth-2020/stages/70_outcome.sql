-- stage: outcome
-- One row per applicable visit: verdict, basis, window, hours and responsible party
-- (docs/contract.md 4, "CARB At-Berth (2020) arithmetic"). Precedence: not applicable > low
-- activity terminal > whole-visit exception > honoured VIE/TIE > missing ready_to_work > short
-- visit > control. A not-applicable visit (three in four of a decade of California calls) has
-- none of this arithmetic: its verdict, basis and note are its applicability, which
-- assemble.sql reads from bc_visit, so it is not copied into this table (writing those copies
-- was most of this statement at a million visits). Every reader of bc_outcome (the rules,
-- the statements below) looks at applicable verdicts only.
-- Which uncontrolled stretches the CAECS operator answers for (§ 93130.18 Table 6 with
-- § 93130.12(b)(2); docs/regulations-carb.md § 11): a stretch, net of excused time, that a
-- capture session ran during without counting (outside its approval, or an unlisted system), or
-- whose nearest control session before it was capture (it stopped: "continue controlling
-- emissions until at least one hour before Pilot on Board") or whose nearest control session
-- after it was capture (it came late: "begin controlling emissions within two hours of Ready
-- to Work"; Table 6 "Delays, but reductions occur"). A stretch that shore power opened or closed
-- is not the capture system's, though capture ran elsewhere on the visit. Capture sessions are
-- read whole (started, ended), whether they counted or not; shore power as in bc_session.
CREATE OR REPLACE TEMP TABLE bc_caecs_stretch AS
WITH stretch AS (
    SELECT vkey, s AS gs, e AS ge FROM bc_segment_net WHERE seconds > excused_seconds
),
strategy AS (
    SELECT vkey, false AS is_capture, s, e FROM bc_session WHERE is_shore_power
    UNION ALL
    SELECT vkey, true, started, ended FROM bc_capture
),
near AS (
    SELECT g.vkey, g.gs, g.ge, x.is_capture, x.s, x.e
    FROM stretch g JOIN strategy x ON x.vkey = g.vkey
),
edges AS (
    SELECT vkey, gs, ge,
        max(e) FILTER (WHERE e <= gs) AS prev_end,
        min(s) FILTER (WHERE s >= ge) AS next_start
    FROM near GROUP BY vkey, gs, ge
)
SELECT n.vkey, n.gs AS s, n.ge AS e
FROM near n
JOIN edges d ON d.vkey = n.vkey AND d.gs = n.gs AND d.ge = n.ge
WHERE n.is_capture
  AND ((n.s < n.ge AND n.e > n.gs) OR n.e = d.prev_end OR n.s = d.next_start)
GROUP BY n.vkey, n.gs, n.ge;

-- § 93130.18 Table 7 (param_responsible_parties) read once per kind of berth and of vessel, six
-- rows: berth_sp the berth's shore power (true, false; NULL = unknown: no berths row, or its
-- shore_power cell empty, docs/contract.md), vessel_sp the vessel's. Where the berth is known
-- its row names the parties; where it is not, both rows for the vessel are read (rt: a berth
-- with shore power, rf: without): a party both name answers whatever the berth is, and the
-- rest is 'unknown' (pack 1.2.11; docs/regulations-carb.md 11.1). bc_outcome joins this on
-- the visit's kind, and AB18 says the same in words; split and matched per visit, these texts
-- were a fifth of bc_outcome at 200 000 visits and most of planning AB18.
--   named: the parties named, in Table 7's order ('vessel+terminal'), NULL for none;
--   unknown: 'unknown' where the berth is unknown and the two rows differ (or one is missing);
--   either_way, with_only, without_only: AB18's words for an unknown berth ('the vessel and the
--   terminal'): the parties both rows name, only the shore power berth's, only the other's.
CREATE OR REPLACE TEMP TABLE bc_table7 AS
WITH kinds AS (
    SELECT k.berth_sp, k.vessel_sp,
        string_split(r.responsible, '+') AS own,
        string_split(rt.responsible, '+') AS with_sp,
        string_split(rf.responsible, '+') AS without_sp
    FROM (VALUES (true, true), (true, false), (false, true), (false, false), (NULL, true),
                 (NULL, false)) k(berth_sp, vessel_sp)
    LEFT JOIN param_responsible_parties r
        ON r.berth_shore_power = k.berth_sp AND r.vessel_shore_power = k.vessel_sp
    LEFT JOIN param_responsible_parties rt
        ON k.berth_sp IS NULL AND rt.berth_shore_power AND rt.vessel_shore_power = k.vessel_sp
    LEFT JOIN param_responsible_parties rf
        ON k.berth_sp IS NULL AND NOT rf.berth_shore_power AND rf.vessel_shore_power = k.vessel_sp
),
party AS (
    -- whether each row names each party (own: the known berth's row)
    SELECT berth_sp, vessel_sp, with_sp, without_sp,
        list_contains(own, 'vessel') AS own_v, list_contains(own, 'terminal') AS own_t,
        list_contains(own, 'port') AS own_p,
        list_contains(with_sp, 'vessel') AS w_v, list_contains(with_sp, 'terminal') AS w_t,
        list_contains(with_sp, 'port') AS w_p,
        list_contains(without_sp, 'vessel') AS wo_v, list_contains(without_sp, 'terminal') AS wo_t,
        list_contains(without_sp, 'port') AS wo_p
    FROM kinds
)
SELECT berth_sp, vessel_sp,
    -- own_* is NULL where the berth is unknown, w_* and wo_* where it is known
    nullif(concat_ws('+', CASE WHEN own_v OR (w_v AND wo_v) THEN 'vessel' END,
                          CASE WHEN own_t OR (w_t AND wo_t) THEN 'terminal' END,
                          CASE WHEN own_p OR (w_p AND wo_p) THEN 'port' END), '') AS named,
    CASE WHEN berth_sp IS NULL
              AND (with_sp IS NULL OR without_sp IS NULL
                   OR list_sort(with_sp) <> list_sort(without_sp))
         THEN 'unknown' END AS unknown,
    concat_ws(' and ', CASE WHEN w_v AND wo_v THEN 'the vessel' END,
                       CASE WHEN w_t AND wo_t THEN 'the terminal' END,
                       CASE WHEN w_p AND wo_p THEN 'the port' END) AS either_way,
    concat_ws(' and ', CASE WHEN w_v AND NOT wo_v THEN 'the vessel' END,
                       CASE WHEN w_t AND NOT wo_t THEN 'the terminal' END,
                       CASE WHEN w_p AND NOT wo_p THEN 'the port' END) AS with_only,
    concat_ws(' and ', CASE WHEN wo_v AND NOT w_v THEN 'the vessel' END,
                       CASE WHEN wo_t AND NOT w_t THEN 'the terminal' END,
                       CASE WHEN wo_p AND NOT w_p THEN 'the port' END) AS without_only
FROM party;

CREATE OR REPLACE TEMP TABLE bc_outcome AS
-- Every join and grouping per visit is on the visit key (vkey, stages/10_visits.sql).
WITH seg AS (
    SELECT vkey,
        sum(seconds) AS uncovered_seconds,
        sum(excused_seconds) AS excused_seconds,
        sum(CASE WHEN segment_kind = 'late_connection' THEN seconds - excused_seconds ELSE 0 END)
            AS late_seconds,
        sum(CASE WHEN segment_kind = 'early_disconnection' THEN seconds - excused_seconds ELSE 0 END)
            AS early_seconds,
        sum(CASE WHEN segment_kind = 'gap' THEN seconds - excused_seconds ELSE 0 END) AS gap_seconds,
        sum(CASE WHEN segment_kind = 'no_control' THEN seconds - excused_seconds ELSE 0 END)
            AS no_control_seconds
    FROM bc_segment_net
    GROUP BY vkey
),
ctl AS (
    SELECT vkey, sum(seconds_between(s, e)) AS controlled_seconds
    FROM bc_control GROUP BY vkey
),
claim AS (
    SELECT vkey,
        bool_or(honoured AND claim_kind = 'vie') AS vie_honoured,
        bool_or(honoured AND claim_kind = 'tie') AS tie_honoured
    FROM bc_claim_outcome GROUP BY vkey
),
excused_kinds AS (
    SELECT vkey, string_agg(kind, '+' ORDER BY kind) AS kinds
    FROM bc_excused_kind WHERE seconds > 0 GROUP BY vkey
),
-- the visits with a capture session the plug-in duty bars (plug_in_barred is never NULL), not
-- every capture session grouped by visit
cap AS (SELECT DISTINCT vkey FROM bc_capture WHERE plug_in_barred),
caecs AS (SELECT DISTINCT vkey FROM bc_caecs_stretch),
base AS (
    -- the visit columns the rules and assemble.sql read, not v.* (every stored column of every
    -- visit copied once more, the costliest part of this table)
    SELECT
        v.visit_id, v.vkey, v.imo, v.vessel_name, v.vessel_type, v.fleet, v.operator, v.port,
        v.terminal, v.berth, v.arrival, v.ready_to_work, v.pilot_on_board, v.departure,
        v.shore_power_capable, v.tz, v.status_year,
        t.status AS terminal_status,
        t.status_source AS terminal_status_source,
        x.kinds AS exception_kinds,
        coalesce(claim.vie_honoured, false) AS vie_honoured,
        coalesce(claim.tie_honoured, false) AS tie_honoured,
        w.window_start AS w_start,
        w.window_end AS w_end,
        w.vkey IS NOT NULL AND w.window_start < w.window_end AS window_open,
        coalesce(ctl.controlled_seconds, 0) AS controlled_seconds,
        coalesce(seg.uncovered_seconds, 0) AS uncovered_seconds,
        coalesce(seg.excused_seconds, 0) AS excused_seconds,
        coalesce(seg.uncovered_seconds, 0) - coalesce(seg.excused_seconds, 0)
            AS uncontrolled_seconds,
        coalesce(seg.late_seconds, 0) AS late_seconds,
        coalesce(seg.early_seconds, 0) AS early_seconds,
        coalesce(seg.gap_seconds, 0) AS gap_seconds,
        coalesce(seg.no_control_seconds, 0) AS no_control_seconds,
        ek.kinds AS excused_kinds,
        -- Table 7 reads the berth's shore power: a berths row whose shore_power cell is empty
        -- (unknown, docs/contract.md) decides it no more than a missing row does
        b.port IS NOT NULL AND b.shore_power IS NOT NULL AS berth_known,
        t7.named AS parties_named,
        t7.unknown AS parties_unknown,
        caecs.vkey IS NOT NULL AS caecs_answers,
        cap.vkey IS NOT NULL AS plug_in_barred
    FROM bc_visit v
    -- the visit's status row, joined on the visit read once (stages/20_terminal_status.sql)
    LEFT JOIN bc_terminal_year_status t
        ON t.port = v.port AND t.terminal = v.terminal AND t.vessel_type = v.vessel_type
       AND t.year = v.status_year
    LEFT JOIN bc_whole_exception x ON x.vkey = v.vkey
    LEFT JOIN claim ON claim.vkey = v.vkey
    LEFT JOIN bc_window w ON w.vkey = v.vkey
    LEFT JOIN ctl ON ctl.vkey = v.vkey
    LEFT JOIN seg ON seg.vkey = v.vkey
    LEFT JOIN excused_kinds ek ON ek.vkey = v.vkey
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
    LEFT JOIN cap ON cap.vkey = v.vkey
    LEFT JOIN caecs ON caecs.vkey = v.vkey
    -- the visit's kind of berth (its shore_power cell: NULL without a row or with it empty)
    -- and of vessel in Table 7 (bc_table7 above)
    LEFT JOIN bc_table7 t7
        ON t7.vessel_sp = coalesce(v.shore_power_capable, false)
       AND t7.berth_sp IS NOT DISTINCT FROM b.shore_power
    WHERE v.not_applicable_basis IS NULL
),
judged AS (
    SELECT *,
        CASE
            WHEN terminal_status = 'low_activity' THEN 'exempt'
            WHEN exception_kinds IS NOT NULL THEN 'exempt'
            WHEN vie_honoured OR tie_honoured THEN 'compliant'
            WHEN ready_to_work IS NULL THEN 'insufficient_data'
            WHEN NOT window_open THEN 'compliant'
            WHEN uncontrolled_seconds > 0 THEN 'non_compliant'
            ELSE 'compliant'
        END AS verdict,
        CASE
            WHEN terminal_status = 'low_activity' THEN 'low_activity_terminal'
            WHEN exception_kinds IS NOT NULL THEN exception_kinds
            WHEN vie_honoured OR tie_honoured THEN
                concat_ws('+', CASE WHEN vie_honoured THEN 'vie' END,
                               CASE WHEN tie_honoured THEN 'tie' END)
            WHEN ready_to_work IS NULL THEN 'missing_ready_to_work'
            WHEN NOT window_open THEN 'short_visit'
            WHEN uncontrolled_seconds > 0 THEN concat_ws('+', 'uncontrolled', excused_kinds)
            ELSE concat_ws('+', CASE WHEN controlled_seconds > 0 THEN 'controlled' END,
                           excused_kinds)
        END AS basis
    FROM base
)
SELECT
    -- what the rules, assemble.sql and the statements below read (the working columns of
    -- `base` stay out of the table)
    j.visit_id, j.vkey, j.imo, j.vessel_name, j.vessel_type, j.fleet, j.operator, j.port,
    j.terminal, j.berth, j.arrival, j.ready_to_work, j.pilot_on_board, j.departure, j.tz,
    -- the status year (not the departure year, which nothing reads from here): AB02 and AB03
    -- join the terminal's status row on it, as the LEFT JOIN above does
    j.status_year,
    j.terminal_status, j.terminal_status_source, j.vie_honoured, j.tie_honoured,
    j.late_seconds, j.early_seconds, j.gap_seconds, j.no_control_seconds, j.verdict, j.basis,
    -- the window is reported where control was required and assessed
    CASE WHEN j.window_open AND j.verdict IN ('compliant', 'non_compliant') THEN j.w_start END
        AS window_start,
    CASE WHEN j.window_open AND j.verdict IN ('compliant', 'non_compliant') THEN j.w_end END
        AS window_end,
    CASE
        WHEN j.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        WHEN NOT j.window_open THEN CASE WHEN j.ready_to_work IS NULL THEN NULL ELSE 0.0 END
        ELSE hours_of(j.controlled_seconds)
    END AS controlled_hours,
    CASE
        WHEN j.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        WHEN NOT j.window_open THEN CASE WHEN j.ready_to_work IS NULL THEN NULL ELSE 0.0 END
        WHEN j.vie_honoured OR j.tie_honoured THEN 0.0
        ELSE hours_of(j.uncontrolled_seconds)
    END AS uncontrolled_hours,
    -- the same time in minutes, from the seconds (docs/contract.md 4, "Minutes"): 60 x the
    -- hours above, rounded to 6 decimals, can miss the 4th decimal the messages write
    -- (45 min 20 s: 0.755556 h -> 45.3334, the finding says 45.3333)
    CASE
        WHEN j.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        WHEN NOT j.window_open THEN CASE WHEN j.ready_to_work IS NULL THEN NULL ELSE 0.0 END
        WHEN j.vie_honoured OR j.tie_honoured THEN 0.0
        ELSE minutes_of(j.uncontrolled_seconds)
    END AS uncontrolled_minutes,
    CASE
        WHEN j.verdict NOT IN ('compliant', 'non_compliant') THEN NULL
        WHEN NOT j.window_open THEN CASE WHEN j.ready_to_work IS NULL THEN NULL ELSE 0.0 END
        -- an honoured VIE/TIE excuses all uncovered time of the window
        WHEN j.vie_honoured OR j.tie_honoured THEN hours_of(j.uncovered_seconds)
        ELSE hours_of(j.excused_seconds)
    END AS excused_hours,
    -- § 93130.18 Table 7 from the berth's and vessel's shore power (bc_table7: the parties it
    -- names, and 'unknown' where the berth's shore power is unknown and its two rows differ);
    -- Table 6 adds the CAECS operator where an uncontrolled stretch is its capture system's
    -- (bc_caecs_stretch), not wherever capture was used on the visit. The CAECS operator's part
    -- does not depend on the berth, so it is named at an unknown berth too (docs/regulations-
    -- carb.md 11.1). A commissioned vessel on capture at a shore power berth breached the
    -- plug-in duty (§ 93130.7(a), § 93130.9(a)): the vessel and the terminal answer, not the
    -- CAECS operator.
    CASE
        WHEN j.verdict <> 'non_compliant' THEN NULL
        WHEN j.berth_known AND j.plug_in_barred THEN 'vessel+terminal'
        ELSE concat_ws('+', j.parties_named, CASE WHEN j.caecs_answers THEN 'caecs_operator' END,
                       j.parties_unknown)
    END AS responsible
FROM judged j;

-- Uncontrolled stretches of the window on non-compliant visits, net of excused time, with the
-- text and evidence their findings give. AB06-AB09 each pick one kind of stretch from here.
-- Each names who answers for it: the visit's parties, less the CAECS operator where the
-- stretch is not its capture system's (bc_caecs_stretch).
CREATE OR REPLACE TEMP TABLE bc_uncontrolled_segment AS
SELECT
    o.visit_id,
    g.segment_kind,
    bc_minutes_text(g.seconds - g.excused_seconds) || ' min uncontrolled ('
        || local_text(g.s, o.tz) || ' to ' || local_text(g.e, o.tz) || ' ' || o.tz || ')'
        || CASE WHEN g.excused_seconds > 0
                THEN ', ' || bc_minutes_text(g.excused_seconds) || ' min excused'
                ELSE '' END AS detail,
    to_json({
        'excused_minutes': minutes_of(g.excused_seconds),
        'from': iso_utc(g.s),
        'minutes': minutes_of(g.seconds),
        -- split and filtered only where the CAECS operator is named (a few visits): elsewhere
        -- the filter leaves the text as it is
        'responsible': CASE WHEN cs.vkey IS NOT NULL
                                 OR NOT contains(o.responsible, 'caecs_operator')
                            THEN o.responsible
                            ELSE array_to_string(list_filter(string_split(o.responsible, '+'),
                                                             lambda p: p <> 'caecs_operator'), '+')
                       END,
        'to': iso_utc(g.e),
        'uncontrolled_minutes': minutes_of(g.seconds - g.excused_seconds)
    }) AS evidence,
    minutes_of(g.seconds - g.excused_seconds) AS minutes
FROM bc_segment_net g
JOIN bc_outcome o ON o.vkey = g.vkey
LEFT JOIN bc_caecs_stretch cs ON cs.vkey = g.vkey AND cs.s = g.s AND cs.e = g.e
WHERE o.verdict = 'non_compliant'
  AND g.seconds - g.excused_seconds > 0;

-- Violation days (§§ 93130.7, 93130.9, 93130.12(b): "a separate violation for each calendar day
-- that the failure occurs"): the port-local calendar days on which a visit had uncontrolled
-- time in its window, net of excused time. The uncontrolled stretches are the segments of W
-- less the excusing intervals (bc_interval_difference, the engine's macro): a segment nothing
-- excused is one stretch as it is, a fully excused one none, and only the partly excused
-- segments are cut (bc_segment_net knows which, so the few of them go through the macro's
-- window, not every segment).
CREATE OR REPLACE TEMP TABLE bc_uncontrolled_piece AS
WITH whole AS (
    SELECT vkey AS visit_id, 0 AS part, s, e FROM bc_segment_net
    WHERE excused_seconds > 0 AND seconds > excused_seconds
),
hole AS (SELECT vkey AS visit_id, 0 AS part, s, e FROM bc_excuse)
SELECT vkey, s, e FROM bc_segment_net WHERE excused_seconds = 0 AND seconds > 0
UNION ALL
SELECT visit_id AS vkey, s, e FROM bc_interval_difference(whole, hole);

-- Of the non-compliant visits only, with their ids: their readers (assemble.sql, AB23) read no
-- other visit's days (a visit a VIE or TIE excused has uncontrolled stretches too), and AB23 so
-- reads this table alone, not joined to bc_outcome again (pack 1.2.13).
CREATE OR REPLACE TEMP TABLE bc_violation_days AS
WITH days AS (
    -- each visit's days once (then a plain count and an ordered list, no DISTINCT aggregates)
    SELECT DISTINCT p.vkey, o.visit_id,
        CAST(unnest(generate_series(CAST(timezone(o.tz, p.s) AS DATE),
                                    CAST(timezone(o.tz, p.e - INTERVAL 1 MICROSECOND) AS DATE),
                                    INTERVAL 1 DAY)) AS DATE) AS day
    FROM bc_uncontrolled_piece p
    JOIN bc_outcome o ON o.vkey = p.vkey
    WHERE o.verdict = 'non_compliant'
)
SELECT vkey, visit_id, count(*) AS violation_days,
    -- the same text as string_agg(... ORDER BY the text), without the ordered aggregate's sort
    -- per visit (a third of this statement)
    array_to_string(list_sort(list(CAST(day AS VARCHAR))), ', ') AS violation_dates
FROM days
GROUP BY vkey, visit_id;
