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
--   CARB's enforcement notices of 2023 made no visit report due before 1 May 2023 (parameter
--   reports_due_not_before, UNCONFIRMED): a report is due on the later of the two dates.
-- compliant: Departure 2026-10-04, reported 2026-11-03 (30 days).
-- non_compliant: Departure 2026-10-04, reported 2026-11-04 (31 days).
WITH due AS (
    SELECT visit_id, tz, departure, reported_at, departure_local_date,
        CAST(timezone(tz, reported_at) AS DATE) AS reported_local_date,
        departure_local_date + CAST($report_deadline_days AS INTEGER) AS regulation_due,
        greatest(departure_local_date + CAST($report_deadline_days AS INTEGER),
                 CAST($reports_due_not_before AS DATE)) AS due_date
    FROM bc_visit
    WHERE port_covered
      AND not_applicable_basis IS DISTINCT FROM 'not_ocean_going_vessel'
      AND reported_at IS NOT NULL
      AND departure_local_date >= $reporting_start_date
)
SELECT
    visit_id,
    'visit report submitted ' || CAST(date_diff('day', departure_local_date, reported_local_date)
        AS VARCHAR) || ' days after departure ('
        || CASE WHEN due_date > regulation_due
                THEN 'due ' || CAST(due_date AS VARCHAR) || ' under CARB''s 2023 reporting extension'
                ELSE 'limit ' || CAST($report_deadline_days AS VARCHAR) END
        || ')' AS message,
    to_json({
        'days': date_diff('day', departure_local_date, reported_local_date),
        'departure': iso_utc(departure),
        'due': CAST(due_date AS VARCHAR),
        'reported_at': iso_utc(reported_at)
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM due
WHERE reported_local_date > due_date
