-- id: AB05
-- name: data.pilot_on_board_fallback
-- title: Pilot on Board missing; departure used
-- section: 17 CCR § 93130.12(b)(2)(C); docs/contract.md 4 step 1
-- severity: warning
-- description: Control must continue until one hour before the outbound pilot boards. When
--   pilot_on_board is empty the window ends one hour before the departure (last line)
--   instead, which is later, so the check is stricter than the rule; the finding says so.
-- compliant: pilot_on_board 2026-10-04 17:00 is given: no finding.
-- non_compliant: pilot_on_board is empty, departure 18:00: the window ends at 17:00.
SELECT
    v.visit_id,
    'pilot_on_board is missing; the window ends one hour before departure ('
        || local_text(w.window_end, v.tz) || ' ' || v.tz || ')' AS message,
    to_json({'departure': iso_utc(v.departure), 'window_end': iso_utc(w.window_end)}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_window w
JOIN bc_visit v ON v.vkey = w.vkey
WHERE w.pilot_fallback
