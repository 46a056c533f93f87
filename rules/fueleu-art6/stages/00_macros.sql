-- stage: macros
-- Helpers every query of the pack uses. Times in evidence are written in UTC so that a
-- finding's identity never depends on the session or machine time zone.
CREATE OR REPLACE TEMP MACRO iso_utc(ts) AS strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%SZ');
-- A local time a message writes. One the fall-back night shows twice (02:30 CEST and 02:30 CET:
-- the wall clock an hour on or back reads the same) gets its UTC offset, so a stretch that
-- ends in the repeated hour does not read an hour short.
CREATE OR REPLACE TEMP MACRO utc_offset_text(ts, tz) AS
    ' UTC' || CASE WHEN epoch(timezone(tz, ts)) < epoch(ts) THEN '-' ELSE '+' END
    || strftime(make_timestamp(0, 1, 1, 0, 0, 0) + to_seconds(
           CAST(abs(epoch(timezone(tz, ts)) - epoch(ts)) AS BIGINT)), '%H:%M');
CREATE OR REPLACE TEMP MACRO local_text(ts, tz) AS
    strftime(timezone(tz, ts), '%Y-%m-%d %H:%M')
    || CASE WHEN timezone(tz, ts + INTERVAL 1 HOUR) = timezone(tz, ts)
              OR timezone(tz, ts - INTERVAL 1 HOUR) = timezone(tz, ts)
            THEN utc_offset_text(ts, tz) ELSE '' END;
-- seconds_between(a, b) is epoch(b - a) bit for bit (that interval holds whole days and the
-- microseconds left over; epoch adds days * 86400 and micros / 1e6), computed from the two
-- instants' microseconds instead of the calendar subtraction of two TIMESTAMPTZ, which costs
-- ten times more.
CREATE OR REPLACE TEMP MACRO seconds_between(a, b) AS
    CAST((epoch_us(b) - epoch_us(a)) // 86400000000 AS DOUBLE) * 86400.0
    + CAST((epoch_us(b) - epoch_us(a)) % 86400000000 AS DOUBLE) / 1e6;
CREATE OR REPLACE TEMP MACRO hours_of(seconds) AS round(seconds / 3600.0, 6);
CREATE OR REPLACE TEMP MACRO minutes_of(seconds) AS round(seconds / 60.0, 4);
