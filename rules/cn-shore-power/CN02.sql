-- id: CN02
-- name: data.missing
-- title: Port area or berth supply unknown on a visit under the duty
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11 (coastal / inland port; berth able to supply shore power)
-- severity: warning
-- description: The threshold depends on whether the port is coastal (3 h) or inland (2 h), and
--   the duty on whether the berth can supply shore power. A visit at a Chinese port whose ports
--   row has no port_area and whose stay is over one threshold but not the other (over 2 h, not
--   over 3 h; a longer stay is under the duty and a shorter one exempt whatever the area:
--   missing_port_area), or at a berth without a berths row or whose
--   row leaves shore_power empty (missing_berth_shore_power), no shore-power session during
--   the call showing the berth's supply, and a stay over the threshold (a shorter one is
--   short_visit whatever the berth), cannot be judged: its verdict is insufficient_data,
--   never a guess. Load a ports file with port_area, or a berths file.
-- compliant: A visit at Shanghai (built-in port, coastal) at a berth listed in berths: judged.
-- non_compliant: A 150-minute stay at a Chinese port loaded without port_area, or at an unlisted berth,
--   or at a listed berth whose shore_power cell is empty.
SELECT
    visit_id,
    CASE missing_basis
        WHEN 'missing_port_area' THEN 'port ' || port
            || ' has no port_area (coastal or inland), and the stay of ' || bc_minutes_text(stay_seconds)
            || ' min is over one of the coastal (' || CAST($coastal_min_stay_hours AS VARCHAR)
            || ' h) and inland (' || CAST($inland_min_stay_hours AS VARCHAR)
            || ' h) thresholds but not the other: whether the duty applies cannot be decided; load a ports row with port_area'
        ELSE 'berth ' || terminal || '/' || berth || ' at ' || port
            || CASE WHEN berth_known
                    THEN ' has an empty shore_power cell in the berths table: whether it can supply shore power is unknown; load its berths row with shore_power true or false'
                    ELSE ' is not in the berths table: whether it can supply shore power is unknown; load a berths row' END
    END AS message,
    to_json({'basis': missing_basis, 'berth': berth, 'port': port, 'terminal': terminal}) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM cn_outcome
WHERE verdict = 'insufficient_data'
