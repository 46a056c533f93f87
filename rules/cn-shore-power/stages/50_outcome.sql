-- stage: outcome
-- One row per visit: verdict, basis, window, hours. Precedence: not applicable > missing data >
-- short stay (or empty W) > equivalent measure over all of W > control and excuses.
CREATE OR REPLACE TEMP TABLE cn_outcome AS
WITH ctl AS (
    SELECT visit_id, sum(seconds_between(s, e)) AS control_seconds FROM cn_control GROUP BY visit_id
),
seg AS (
    SELECT visit_id,
        sum(excused_seconds) AS excused_seconds,
        sum(CASE WHEN segment_kind = 'late_connection' THEN seconds - excused_seconds ELSE 0 END)
            AS late_seconds,
        sum(CASE WHEN segment_kind = 'early_disconnection' THEN seconds - excused_seconds ELSE 0 END)
            AS early_seconds,
        sum(CASE WHEN segment_kind = 'gap' THEN seconds - excused_seconds ELSE 0 END) AS gap_seconds,
        sum(CASE WHEN segment_kind = 'no_control' THEN seconds - excused_seconds ELSE 0 END)
            AS no_control_seconds,
        sum(seconds - excused_seconds) AS uncontrolled_seconds
    FROM cn_segment_net
    GROUP BY visit_id
),
excused_kinds AS (
    SELECT visit_id, string_agg(kind, '+' ORDER BY kind) AS kinds
    FROM cn_excused_kind WHERE seconds > 0 GROUP BY visit_id
),
base AS (
    SELECT
        c.*,
        w.visit_id IS NOT NULL AS over_threshold,
        n.visit_id IS NOT NULL AS needs_control,
        x.kinds AS equivalent_kinds,
        x.event_ids AS equivalent_event_ids,
        w.window_start AS w_start,
        w.window_end AS w_end,
        coalesce(ctl.control_seconds, 0) AS control_seconds,
        coalesce(ss.sp_seconds, 0) AS sp_seconds,
        coalesce(ss.capture_seconds, 0) AS capture_seconds,
        coalesce(seg.excused_seconds, 0) AS excused_seconds,
        coalesce(seg.late_seconds, 0) AS late_seconds,
        coalesce(seg.early_seconds, 0) AS early_seconds,
        coalesce(seg.gap_seconds, 0) AS gap_seconds,
        coalesce(seg.no_control_seconds, 0) AS no_control_seconds,
        coalesce(seg.uncontrolled_seconds, 0) AS uncontrolled_seconds,
        ek.kinds AS excused_kinds,
        st.stretches,
        st.open_times
    FROM cn_call c
    LEFT JOIN cn_window w ON w.visit_id = c.visit_id
    LEFT JOIN cn_need n ON n.visit_id = c.visit_id
    LEFT JOIN cn_whole_equivalent x ON x.visit_id = c.visit_id
    LEFT JOIN ctl ON ctl.visit_id = c.visit_id
    LEFT JOIN cn_source_seconds ss ON ss.visit_id = c.visit_id
    LEFT JOIN seg ON seg.visit_id = c.visit_id
    LEFT JOIN excused_kinds ek ON ek.visit_id = c.visit_id
    LEFT JOIN cn_stretch_text st ON st.visit_id = c.visit_id
)
SELECT
    b.*,
    CASE
        WHEN not_applicable_basis IS NOT NULL THEN 'not_applicable'
        WHEN missing_basis IS NOT NULL THEN 'insufficient_data'
        WHEN NOT over_threshold OR (NOT needs_control AND equivalent_kinds IS NULL) THEN 'exempt'
        WHEN equivalent_kinds IS NOT NULL THEN 'exempt'
        WHEN uncontrolled_seconds > 0 THEN 'non_compliant'
        ELSE 'compliant'
    END AS verdict,
    CASE
        WHEN not_applicable_basis IS NOT NULL THEN not_applicable_basis
        WHEN missing_basis IS NOT NULL THEN missing_basis
        WHEN NOT over_threshold OR (NOT needs_control AND equivalent_kinds IS NULL)
            THEN 'short_visit'
        WHEN equivalent_kinds IS NOT NULL THEN equivalent_kinds
        WHEN uncontrolled_seconds > 0 THEN concat_ws('+', 'uncontrolled', excused_kinds)
        ELSE concat_ws('+', CASE WHEN control_seconds > 0 THEN 'controlled' END, excused_kinds)
    END AS basis,
    CASE WHEN needs_control THEN w_start END AS window_start,
    CASE WHEN needs_control THEN w_end END AS window_end,
    CASE WHEN needs_control THEN hours_of(control_seconds) END AS controlled_hours,
    CASE WHEN needs_control THEN hours_of(uncontrolled_seconds) END AS uncontrolled_hours,
    CASE WHEN needs_control THEN hours_of(excused_seconds) END AS excused_hours,
    CASE WHEN needs_control AND uncontrolled_seconds > 0 THEN $responsible_party END AS responsible,
    -- a port without port_area judged because the stay is over both thresholds: the
    -- non-compliance findings say so (pack 1.1.6), empty otherwise
    CASE WHEN port_area IS NULL
         THEN '; port ' || port || ' has no port_area (coastal or inland), but the stay of '
              || bc_minutes_text(stay_seconds) || ' min is over both the coastal ('
              || CAST($coastal_min_stay_hours AS VARCHAR) || ' h) and the inland ('
              || CAST($inland_min_stay_hours AS VARCHAR) || ' h) threshold'
         ELSE '' END AS area_note,
    -- where a shore-power session contradicts the visits or berths row (stage 10_calls), the
    -- non-compliance findings say so, so that the row can be corrected: empty otherwise
    concat(
        CASE WHEN on_shore_power AND NOT stated_capable
             THEN '; the visits row says shore_power_capable false, but the shore-power session shows receiving equipment' END,
        CASE WHEN on_shore_power AND berth_supply IS DISTINCT FROM true
             THEN '; the berths table ' || CASE WHEN NOT berth_known THEN 'does not list berth '
                                                WHEN berth_supply IS NULL THEN 'leaves the shore_power cell empty for berth '
                                                ELSE 'says there is no shore-power supply at berth ' END
                  || terminal || '/' || berth || ', but the shore-power session shows the berth supplied it' END
    ) AS session_contradicts,
    -- the window in port-local time as CN04, CN07 and CN08 write it, made here once for the
    -- visits those rules report (exempt by an equivalent measure, or with uncontrolled time)
    -- (pack 1.1.8: each rule wrote it itself, six macro calls to plan in every check; the
    -- text is the same)
    CASE WHEN equivalent_kinds IS NOT NULL OR uncontrolled_seconds > 0
         THEN local_text(w_start, tz) || ' to ' || local_text(w_end, tz) END AS window_text
FROM base b;
