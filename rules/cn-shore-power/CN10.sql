-- id: CN10
-- name: data.session_without_energy
-- title: Shore-power session metered at 0 kWh counted as use of shore power
-- section: Measures for the Administration of Shore Power of Ports and Ships, Art. 11 ('shall use shore power'); Art. 18 (records of the shore-power start and end times and the energy used)
-- severity: warning
-- description: A shore-power session whose energy_kwh is 0 ran within the window W and counts
--   as control there, as every session does: the pack judges by the connection times. A
--   connection that delivered no energy did not carry the ship's load, so the verdict rests on
--   a record the meter contradicts; the finding names the session, its times and the minutes
--   of W it covers, so that the port's staff can check the meter and the Art. 18 records. An
--   empty energy_kwh (not metered) is no finding; neither is a session outside W.
--   berthcheck decision (pack 1.1.6, docs/regulations-cn.md): the minutes still count; a 0 may
--   be a meter or transcription fault as well as a ship that did not draw power.
-- compliant: Shore power 07:00-01:00 metered 9 000 kWh, or with energy_kwh empty: no finding.
-- non_compliant: Shore power 07:00-01:00 metered 0 kWh: the visit is compliant on the
--   connection times, and this finding names the 1 080 minutes the meter does not support.
SELECT
    w.visit_id,
    'shore-power session ' || x.session_id || ' (' || local_text(x.connected, w.tz) || ' to '
        || local_text(x.disconnected, w.tz) || ' ' || w.tz || ') metered 0 kWh but counts as '
        || 'shore power for ' || bc_minutes_text(seconds_between(
               greatest(x.connected, w.window_start), least(x.disconnected, w.window_end)))
        || ' min of the window: a connection that delivered no energy did not carry the '
        || 'ship''s load; check the meter and the Art. 18 records' AS message,
    to_json({
        'from': iso_utc(greatest(x.connected, w.window_start)),
        'reference': x.session_id,
        'shore_power_minutes': minutes_of(seconds_between(
            greatest(x.connected, w.window_start), least(x.disconnected, w.window_end))),
        'to': iso_utc(least(x.disconnected, w.window_end))
    }) AS evidence,
    minutes_of(seconds_between(
        greatest(x.connected, w.window_start), least(x.disconnected, w.window_end))) AS minutes
FROM cn_need w
JOIN shore_power x ON x.visit_id = w.visit_id
WHERE x.energy_kwh = 0
  AND x.connected < w.window_end AND x.disconnected > w.window_start
