-- id: CN03
-- name: scope.short_stay
-- title: Stay not longer than the threshold (3 h at a coastal port, 2 h at an inland port)
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11 (more than 3 hours at a coastal port, more than 2 hours at an inland port; shorter stays are only encouraged)
-- severity: info
-- description: The duty applies to a stay of MORE than 3 hours at a coastal port and more than
--   2 hours at an inland port (ports table: port_area), arrival to departure. A stay at or
--   below the threshold is exempt with basis short_visit; the finding gives the minutes at
--   berth. Also when the connection and disconnection allowances leave no window (only with
--   allowances longer than the defaults): the message then says so, not "not more than".
-- compliant: Shanghai (coastal), arrival 06:00, departure 09:01 (181 min): the duty applies.
-- non_compliant: Shanghai, 06:00 to 09:00 (180 min), or Nanjing (inland), 06:00 to 08:00: exempt,
--   this finding.
SELECT
    visit_id,
    'at berth ' || bc_minutes_text(stay_seconds) || ' min at '
        -- "an inland port", not "a inland port" (pack 1.1.9)
        || coalesce(CASE WHEN port_area = 'inland' THEN 'an ' ELSE 'a ' END || port_area
                    || ' port, ', 'a port without port_area (' || port || '), ')
        -- a stay over the threshold whose allowances leave no window is exempt too, but it
        -- is not "not more than" the threshold (pack 1.1.6)
        || CASE WHEN over_threshold
                THEN 'more than ' || CAST(coalesce(min_stay_hours, greatest(
                         $coastal_min_stay_hours, $inland_min_stay_hours)) AS VARCHAR)
                     || ' h, but the connection and disconnection allowances ('
                     || CAST($connection_allowance_hours AS VARCHAR) || ' h + '
                     || CAST($disconnection_allowance_hours AS VARCHAR)
                     || ' h) leave no window in which shore power is required'
                ELSE 'not more than ' || CAST(coalesce(min_stay_hours, least(
                         $coastal_min_stay_hours, $inland_min_stay_hours)) AS VARCHAR) || ' h'
                     -- a port without port_area: not over the lower threshold, so neither
                     || CASE WHEN port_area IS NULL
                             THEN ', the lower of the coastal (' || CAST($coastal_min_stay_hours AS VARCHAR)
                                  || ' h) and inland (' || CAST($inland_min_stay_hours AS VARCHAR)
                                  || ' h) thresholds' ELSE '' END
                     || ': shore power is encouraged, not required (Art. 11)' END AS message,
    to_json({'arrival': iso_utc(arrival), 'departure': iso_utc(departure), 'minutes_at_berth': minutes_of(stay_seconds), 'port_area': port_area, 'threshold_hours': min_stay_hours}) AS evidence,
    minutes_of(stay_seconds) AS minutes
FROM cn_outcome
WHERE verdict = 'exempt' AND basis = 'short_visit'
