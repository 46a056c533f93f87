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
--   excuses nothing and gets this finding, which names the year's uses within the limit
--   (first claiming stay and its port-local arrival date; pack 1.2.8).
-- compliant: A ship's fifth ops_unavailable call of 2030: honoured, the time is excused.
-- non_compliant: Its sixth ops_unavailable call of 2030: not honoured, the time not on OPS is
--   non-compliant.
WITH within_limit AS (
    -- the year's uses within the limit of each ship (and port), as the message names them:
    -- one grouped read, joined, where a subquery per finding made the rule three times as
    -- dear to plan (pack 1.2.9; the same text)
    SELECT h.imo, h.year,
        CASE WHEN $capped_exception_count_per = 'ship_port' THEN h.port END AS port_key,
        string_agg(h.visit_id
                   || CASE WHEN h.call_stays > 1
                           THEN ' (port call ' || h.port_call || ')' ELSE '' END
                   || ' ' || strftime(timezone(c.tz, h.call_arrival), '%Y-%m-%d'),
                   ', ' ORDER BY h.use_number) AS uses
    FROM fe_cap_claim h
    JOIN fe_call c ON c.visit_id = h.visit_id
    WHERE h.honoured
    GROUP BY h.imo, h.year, port_key
)
SELECT
    k.visit_id,
    kinds || ' use ' || CAST(use_number AS VARCHAR) || ' of ship ' || k.imo
        || CASE WHEN $capped_exception_count_per = 'ship_port' THEN ' at ' || k.port ELSE '' END
        || ' in ' || CAST(k.year AS VARCHAR) || ' exceeds the limit of '
        || CAST(use_limit AS VARCHAR) || ' per reporting period; not honoured (events '
        || event_ids || ')'
        || CASE WHEN call_stays > 1
                THEN '; one use for port call ' || port_call || ' (stays ' || claiming_stays || ')'
                ELSE '' END
        -- the year's uses within the limit, with the port-local date of their arrival, so
        -- that a verifier can check the calls that used the limit up, which may lie in
        -- another period than the one checked (pack 1.2.8: only this use's number)
        || '; the uses within the limit: ' || coalesce(u.uses, 'none') AS message,
    to_json({
        'event_ids': event_ids,
        'imo': k.imo,
        'kinds': kinds,
        'limit': use_limit,
        'minutes_claimed': minutes_of(seconds),
        'port': CASE WHEN $capped_exception_count_per = 'ship_port' THEN k.port END,
        'use_number': use_number,
        'year': k.year
    }) AS evidence,
    minutes_of(seconds) AS minutes
FROM fe_cap_claim k
LEFT JOIN within_limit u
    ON u.imo = k.imo AND u.year = k.year
   AND u.port_key IS NOT DISTINCT FROM
       CASE WHEN $capped_exception_count_per = 'ship_port' THEN k.port END
WHERE NOT k.honoured
