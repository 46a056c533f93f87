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
        -- the report's port-local date, converted only where the report could be late (a
        -- million visits' reports were all converted; about 4 in 100 lie near the limit or
        -- after it): a report dated after due_date (below) is more than report_deadline_days
        -- port-local days after departure, so more than report_deadline_days - 2 days of
        -- instants after it, as two UTC offsets of one zone differ by less than two days
        -- (UTC-12 to UTC+14 at most). Elsewhere NULL, which the WHERE below never keeps
        CASE WHEN epoch_us(reported_at) - epoch_us(departure)
                  > (CAST($report_deadline_days AS BIGINT) - 2) * 86400000000
             THEN CAST(timezone(tz, reported_at) AS DATE) END AS reported_local_date,
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
