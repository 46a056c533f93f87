-- stage: macros
-- Helpers every query of the pack uses. Times in evidence are written in UTC so that a
-- finding's identity never depends on the session or machine time zone.
CREATE OR REPLACE TEMP MACRO iso_utc(ts) AS strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%SZ');
-- A local time a message writes: the engine's bc_local_time, which gives a wall time the
-- fall-back night shows twice (02:30 CEST and 02:30 CET) its UTC offset, and its seconds when
-- it has any: the hours beside it are exact (pack 1.2.6).
CREATE OR REPLACE TEMP MACRO local_text(ts, tz) AS bc_local_time(ts, tz);
-- seconds_between(a, b) is epoch(b - a) bit for bit (that interval holds whole days and the
-- microseconds left over; epoch adds days * 86400 and micros / 1e6), computed from the two
-- instants' microseconds instead of the calendar subtraction of two TIMESTAMPTZ, which costs
-- ten times more.
CREATE OR REPLACE TEMP MACRO seconds_between(a, b) AS
    CAST((epoch_us(b) - epoch_us(a)) // 86400000000 AS DOUBLE) * 86400.0
    + CAST((epoch_us(b) - epoch_us(a)) % 86400000000 AS DOUBLE) / 1e6;
CREATE OR REPLACE TEMP MACRO hours_of(seconds) AS round(seconds / 3600.0, 6);
CREATE OR REPLACE TEMP MACRO minutes_of(seconds) AS round(seconds / 60.0, 4);
-- A gross tonnage as a message writes it: a whole number without ".0" ("5000", as the threshold
-- and the regulation write it), other values as stored (pack 1.2.8: "5000.0 is not above 5000").
CREATE OR REPLACE TEMP MACRO tonnage_text(gt) AS
    CASE WHEN gt = trunc(gt) AND abs(gt) < 1e15 THEN CAST(CAST(gt AS BIGINT) AS VARCHAR)
         ELSE CAST(gt AS VARCHAR) END;
-- The end of FE05's and FE06's message: where a stay's penalty is (on this stay, with its
-- arithmetic; on its port call's last stay, FE12; or not computed without a power demand).
CREATE OR REPLACE TEMP MACRO penalty_note(call_stays, penalty_carrier, port_call, call_carrier,
                                          penalty, eur_per_kwh, power_demand_kw, power_source,
                                          billed_hours) AS
    CASE WHEN call_stays > 1 AND NOT penalty_carrier
         THEN '; port call ' || port_call || ': penalty on its last stay '
              || call_carrier || ' (FE12)'
         WHEN call_stays > 1
         THEN '; port call ' || port_call || ': see FE12 for its penalty'
         WHEN penalty IS NOT NULL
         THEN '; penalty EUR ' || printf('%.2f', penalty) || ' = '
              || CAST(eur_per_kwh AS VARCHAR) || ' EUR/kWh x '
              || CAST(power_demand_kw AS VARCHAR) || ' kW (' || power_source || ') x '
              || CAST(billed_hours AS VARCHAR) || ' h'
         ELSE '; penalty not computed: power demand unknown' END;
