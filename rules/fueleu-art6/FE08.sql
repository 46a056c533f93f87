-- id: FE08
-- name: exception.limit_exceeded
-- title: OPS unavailable / incompatible exception beyond the yearly limit
-- section: Reg. (EU) 2023/1805 Art. 6, the paragraph limiting the OPS unavailability and incompatibility exceptions (number and text not retrieved: UNCONFIRMED; Council compromise of March 2022)
-- severity: violation
-- description: The exceptions for OPS being unavailable or incompatible (parameter
--   capped_exception_kinds) may be used only a limited number of times per ship and reporting
--   period (parameter capped_exception_limit, 5 in the Council compromise text; UNCONFIRMED).
--   Uses are counted per ship (IMO) and port call (the stays sharing a port_call are one call,
--   one use) over all loaded calls of the calendar year (port-local departure), in order of
--   arrival, whatever the period checked. A use beyond the limit
--   excuses nothing and gets this finding.
-- compliant: A ship's fifth ops_unavailable call of 2030: honoured, the time is excused.
-- non_compliant: Its sixth ops_unavailable call of 2030: not honoured, the time not on OPS is
--   non-compliant.
SELECT
    visit_id,
    kinds || ' use ' || CAST(use_number AS VARCHAR) || ' of ship ' || imo
        || CASE WHEN $capped_exception_count_per = 'ship_port' THEN ' at ' || port ELSE '' END
        || ' in ' || CAST(year AS VARCHAR) || ' exceeds the limit of '
        || CAST(use_limit AS VARCHAR) || ' per reporting period; not honoured (events '
        || event_ids || ')'
        || CASE WHEN call_stays > 1
                THEN '; one use for port call ' || port_call || ' (stays ' || claiming_stays || ')'
                ELSE '' END AS message,
    to_json({
        'event_ids': event_ids,
        'imo': imo,
        'kinds': kinds,
        'limit': use_limit,
        'minutes_claimed': minutes_of(seconds),
        'port': CASE WHEN $capped_exception_count_per = 'ship_port' THEN port END,
        'use_number': use_number,
        'year': year
    }) AS evidence,
    minutes_of(seconds) AS minutes
FROM fe_cap_claim
WHERE NOT honoured
