-- id: AB16
-- name: capture.missing_levels
-- title: Capture session without recorded inlet and outlet levels
-- section: 17 CCR § 93130.12(b)(2)(B): record inlet and outlet levels of emissions during the visit
-- severity: violation
-- description: The CAECS operator must record inlet and outlet emission levels during each
--   visit. A capture session with an empty nox_inlet_ppm or nox_outlet_ppm is a finding
--   against the CAECS operator; the session still counts as control.
-- compliant: nox_inlet_ppm 950, nox_outlet_ppm 40.
-- non_compliant: nox_outlet_ppm empty.
SELECT
    c.visit_id,
    'capture session ' || c.session_id || ' has no recorded '
        || concat_ws(' and ', CASE WHEN c.nox_inlet_ppm IS NULL THEN 'inlet' END,
                              CASE WHEN c.nox_outlet_ppm IS NULL THEN 'outlet' END)
        || ' level (CAECS operator ' || coalesce(c.provider, 'unknown') || ')' AS message,
    to_json({
        'inlet_recorded': c.nox_inlet_ppm IS NOT NULL,
        'outlet_recorded': c.nox_outlet_ppm IS NOT NULL,
        'provider': c.provider,
        'session_id': c.session_id,
        'system_id': c.system_id
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_capture c
JOIN bc_need n ON n.vkey = c.vkey
WHERE c.nox_inlet_ppm IS NULL OR c.nox_outlet_ppm IS NULL
