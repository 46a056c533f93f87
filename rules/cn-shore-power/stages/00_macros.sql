-- stage: macros
-- Helpers every query of the pack uses. Times in evidence are written in UTC so that a
-- finding's identity never depends on the session or machine time zone.
CREATE OR REPLACE TEMP MACRO iso_utc(ts) AS strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%SZ');
-- A local time a message writes: the engine's bc_local_time, with its seconds when it has any
-- (the hours beside it are exact; pack 1.1.5; it was strftime to the minute).
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
