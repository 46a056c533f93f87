-- id: CN01
-- name: scope.not_applicable
-- title: Visit not under the shore-power duty (port, tanker, no receiving equipment, berth without supply, start date)
-- section: Measures for the Administration of Shore Power of Ports and Ships, Arts. 2 and 11; MOT emission control area plan (2018)
-- severity: info
-- description: Art. 11 obliges a ship that has shore-power receiving facilities, other than a
--   liquid-cargo ship, berthing at a berth able to supply shore power in a Chinese port, to use
--   it. A visit is not under the duty when its port is not in China (port_not_covered), the ship
--   is a tanker (not_regulated_type) or has no receiving equipment (shore_power_capable false
--   and no shore-power session during the call; no_receiving_equipment), it arrived before its
--   start date (2019-07-01, cruise ships too, port-local midnight; before_start_date),
--   or its berth has no shore-power supply (berths table: shore_power false, and no
--   shore-power session during the call; berth_without_supply). The finding says which.
-- compliant: A container ship with receiving equipment at a Shanghai berth with supply, arriving
--   2026-10-03: under the duty, no finding.
-- non_compliant: A tanker at Shanghai, a container ship without receiving equipment, a cruise
--   ship arriving 2019-06-30 20:00 local, or a ship at a berth without supply: this finding and
--   the verdict not_applicable.
SELECT
    visit_id,
    CASE
        WHEN not_applicable_basis = 'port_not_covered'
            THEN 'port ' || port || ' (country ' || port_country || ') is not a Chinese port: the MOT shore-power Measures do not apply'
        WHEN not_applicable_basis = 'berth_without_supply'
            THEN 'berth ' || terminal || '/' || berth || ' has no shore-power supply (berths table): Art. 11 applies only at a berth able to supply shore power'
        WHEN not_applicable_basis = 'before_start_date'
            THEN 'the duty applies to ' || CASE WHEN cruise THEN 'cruise ships' ELSE 'ships' END
                 || ' arriving from ' || CAST(start_date AS VARCHAR) || ' 00:00 ' || tz
                 || '; this one arrived ' || local_text(arrival, tz)
        WHEN not_applicable_basis = 'no_receiving_equipment'
            THEN 'the ship has no shore-power receiving equipment (shore_power_capable false): Art. 11 applies only to ships that have it'
        ELSE 'vessel type ' || vessel_type || ': liquid-cargo ships are excluded from Art. 11'
    END AS message,
    to_json({
        'arrival': iso_utc(arrival),
        'basis': not_applicable_basis,
        'berth_shore_power': CASE WHEN berth_known THEN berth_supply END,
        'port': port,
        'port_country': port_country,
        'shore_power_capable': capable,
        'start_date': CAST(start_date AS VARCHAR),
        'vessel_type': vessel_type
    }) AS evidence,
    CAST(NULL AS DOUBLE) AS minutes
FROM cn_call
WHERE not_applicable_basis IS NOT NULL
