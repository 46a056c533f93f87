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
cap AS (
    SELECT vkey, bool_or(plug_in_barred) AS plug_in_barred
    FROM bc_capture GROUP BY vkey
),
caecs AS (SELECT DISTINCT vkey FROM bc_caecs_stretch),
base AS (
    -- the visit columns the rules and assemble.sql read, not v.* (every stored column of every
    -- visit copied once more, the costliest part of this table)
    SELECT
        v.visit_id, v.vkey, v.imo, v.vessel_name, v.vessel_type, v.fleet, v.operator, v.port,
        v.terminal, v.berth, v.arrival, v.ready_to_work, v.pilot_on_board, v.departure,
        v.shore_power_capable, v.tz, v.year,
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
        b.shore_power AS berth_shore_power,
        caecs.vkey IS NOT NULL AS caecs_answers,
        coalesce(cap.plug_in_barred, false) AS plug_in_barred
    FROM bc_visit v
    LEFT JOIN bc_terminal_status t ON t.vkey = v.vkey
    LEFT JOIN bc_whole_exception x ON x.vkey = v.vkey
    LEFT JOIN claim ON claim.vkey = v.vkey
    LEFT JOIN bc_window w ON w.vkey = v.vkey
    LEFT JOIN ctl ON ctl.vkey = v.vkey
    LEFT JOIN seg ON seg.vkey = v.vkey
    LEFT JOIN excused_kinds ek ON ek.vkey = v.vkey
    LEFT JOIN berths b ON b.port = v.port AND b.terminal = v.terminal AND b.berth = v.berth
    LEFT JOIN cap ON cap.vkey = v.vkey
    LEFT JOIN caecs ON caecs.vkey = v.vkey
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
    j.terminal, j.berth, j.arrival, j.ready_to_work, j.pilot_on_board, j.departure, j.tz, j.year,
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
    -- § 93130.18 Table 7 from the berth's and vessel's shore power; Table 6 adds the CAECS
    -- operator where an uncontrolled stretch is its capture system's (bc_caecs_stretch), not
    -- wherever capture was used on the visit. A commissioned
    -- vessel on capture at a shore power berth breached the plug-in duty (§ 93130.7(a),
    -- § 93130.9(a)): the vessel and the terminal answer, not the CAECS operator.
    -- Without a berths row, or with its shore_power cell empty, Table 7 is read for both kinds
    -- of berth (rt: with shore power, rf: without): a party both rows name answers whatever the
    -- berth is (a vessel without shore power: vessel in both; with it: terminal in both), the
    -- others are `unknown` (pack 1.2.11: a shipping line checking its own calls, with no
    -- berths table, read `unknown` alone for its own vessel's uncontrolled hours). The CAECS
    -- operator's part does not depend on the berth, so it is still named
    -- (docs/regulations-carb.md 11.1).
    CASE
        WHEN j.verdict <> 'non_compliant' THEN NULL
        WHEN NOT j.berth_known THEN concat_ws('+',
            CASE WHEN list_contains(string_split(rt.responsible, '+'), 'vessel')
                  AND list_contains(string_split(rf.responsible, '+'), 'vessel') THEN 'vessel' END,
            CASE WHEN list_contains(string_split(rt.responsible, '+'), 'terminal')
                  AND list_contains(string_split(rf.responsible, '+'), 'terminal') THEN 'terminal' END,
            CASE WHEN list_contains(string_split(rt.responsible, '+'), 'port')
                  AND list_contains(string_split(rf.responsible, '+'), 'port') THEN 'port' END,
            CASE WHEN j.caecs_answers THEN 'caecs_operator' END,
            CASE WHEN rt.responsible IS NULL OR rf.responsible IS NULL
                   OR list_sort(string_split(rt.responsible, '+'))
                      <> list_sort(string_split(rf.responsible, '+'))
                 THEN 'unknown' END)
        WHEN j.plug_in_barred THEN 'vessel+terminal'
        ELSE concat_ws('+',
            CASE WHEN list_contains(string_split(r.responsible, '+'), 'vessel') THEN 'vessel' END,
            CASE WHEN list_contains(string_split(r.responsible, '+'), 'terminal') THEN 'terminal' END,
            CASE WHEN list_contains(string_split(r.responsible, '+'), 'port') THEN 'port' END,
            CASE WHEN j.caecs_answers THEN 'caecs_operator' END)
    END AS responsible
FROM judged j
LEFT JOIN param_responsible_parties r
    ON r.berth_shore_power = coalesce(j.berth_shore_power, false)
   AND r.vessel_shore_power = coalesce(j.shore_power_capable, false)
LEFT JOIN param_responsible_parties rt
    ON NOT j.berth_known AND rt.berth_shore_power
   AND rt.vessel_shore_power = coalesce(j.shore_power_capable, false)
LEFT JOIN param_responsible_parties rf
    ON NOT j.berth_known AND NOT rf.berth_shore_power
   AND rf.vessel_shore_power = coalesce(j.shore_power_capable, false);

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
        'responsible': CASE WHEN cs.vkey IS NOT NULL THEN o.responsible
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

CREATE OR REPLACE TEMP TABLE bc_violation_days AS
WITH days AS (
    -- each visit's days once (then a plain count and an ordered list, no DISTINCT aggregates)
    SELECT DISTINCT p.vkey,
        CAST(unnest(generate_series(CAST(timezone(o.tz, p.s) AS DATE),
                                    CAST(timezone(o.tz, p.e - INTERVAL 1 MICROSECOND) AS DATE),
                                    INTERVAL 1 DAY)) AS DATE) AS day
    FROM bc_uncontrolled_piece p
    JOIN bc_outcome o ON o.vkey = p.vkey
)
SELECT vkey, count(*) AS violation_days,
    -- the same text as string_agg(... ORDER BY the text), without the ordered aggregate's sort
    -- per visit (a third of this statement)
    array_to_string(list_sort(list(CAST(day AS VARCHAR))), ', ') AS violation_dates
FROM days
GROUP BY vkey;
