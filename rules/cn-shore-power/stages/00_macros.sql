-- stage: macros
-- Helpers every query of the pack uses. Times in evidence are written in UTC so that a
-- finding's identity never depends on the session or machine time zone.
CREATE OR REPLACE TEMP MACRO iso_utc(ts) AS strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%SZ');
CREATE OR REPLACE TEMP MACRO local_text(ts, tz) AS strftime(timezone(tz, ts), '%Y-%m-%d %H:%M');
CREATE OR REPLACE TEMP MACRO seconds_between(a, b) AS epoch(b - a);
CREATE OR REPLACE TEMP MACRO hours_of(seconds) AS round(seconds / 3600.0, 6);
CREATE OR REPLACE TEMP MACRO minutes_of(seconds) AS round(seconds / 60.0, 4);
