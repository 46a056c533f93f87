-- id: AB17
-- name: report.late
-- title: Visit report submitted later than 30 days after departure
-- section: 17 CCR § 93130.7(e)(4); § 93130.12(b)(3) (within 30 calendar days of departure, local time)
-- severity: violation
-- description: Every visit to a California port (all vessel types, from 2023-01-01) must be
--   reported within 30 calendar days of departure. Days are counted between port-local dates.
--   The finding does not change the visit's control verdict. An empty reported_at is not
--   judged. An articulated tug barge is not an ocean-going vessel under the Control Measure
--   (§ 93130.2(b)(7)): it has no visit report to make, so it is not judged either.
-- compliant: Departure 2026-10-04, reported 2026-11-03 (30 days).
-- non_compliant: Departure 2026-10-04, reported 2026-11-04 (31 days).
SELECT
    visit_id,
    'visit report submitted ' || CAST(date_diff('day', departure_local_date,
        CAST(timezone(tz, reported_at) AS DATE)) AS VARCHAR)
        || ' days after departure (limit ' || CAST($report_deadline_days AS VARCHAR) || ')'
        AS message,
    to_json({
        'days': date_diff('day', departure_local_date, CAST(timezone(tz, reported_at) AS DATE)),
        'departure': iso_utc(departure),
        'reported_at': iso_utc(reported_at)
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM bc_visit
WHERE port_covered
  AND not_applicable_basis IS DISTINCT FROM 'not_ocean_going_vessel'
  AND reported_at IS NOT NULL
  AND departure_local_date >= $reporting_start_date
  AND date_diff('day', departure_local_date, CAST(timezone(tz, reported_at) AS DATE))
      > $report_deadline_days
