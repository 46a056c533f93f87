"""bc_local_time writes the same text as its earlier body (and bc_local_text as its own),
instant by instant, in every kind of zone (engine/pack_macros.py), but for a zero offset's
sign (`UTC+00:00`, once `UTC-00:00` for some instants).

The earlier bc_local_time expanded bc_local_text twice and named `timezone(tz, ts)` four times
more, about twenty copies of the pack's argument to bind: 3.6-3.7 ms of planning per call, 17-18
calls in a FuelEU or Chinese check. The new body binds the zone's conversions once (a lambda over
a one-element list) and must not change one message: a finding's text is part of what a stored
run's digests and the goldens hold. The earlier bodies are kept below, word for word, as the
reference. The instants: every 61 s (with microseconds) around each change of offset of
2024-2027 and of a year with the zone's change from local mean time (or an early change), the
edges of each change to the microsecond, seeded random instants 1850-2100, and NULLs; the zones:
fall-back nights of one hour, half an hour (Lord Howe), a negative summer time (Dublin), +05:30,
+05:45, +12:45/+13:45, offsets with seconds (Amsterdam's +00:19:32, Detroit's -05:32:11,
Monrovia's -00:44:30), UTC. (A wider run, every zone ICU knows and every change 1850-2100 found
at 12-hour steps: no difference; session 27, helper MA.)
"""

from __future__ import annotations

import re

import duckdb
import pytest

from berthcheck import store
from berthcheck.engine.pack_macros import define_macros

# The bodies as they were before session 27, renamed (old_*), word for word otherwise.
OLD_LOCAL_TEXT_SQL = """
CREATE OR REPLACE TEMP MACRO old_text(ts, tz) AS
    strftime(timezone(tz, ts), '%Y-%m-%d %H:%M')
    || CASE WHEN timezone(tz, ts + INTERVAL 1 HOUR) = timezone(tz, ts)
              OR timezone(tz, ts - INTERVAL 1 HOUR) = timezone(tz, ts)
            THEN ' UTC' || CASE WHEN epoch(timezone(tz, ts)) < epoch(ts) THEN '-' ELSE '+' END
                 || strftime(make_timestamp(0, 1, 1, 0, 0, 0) + to_seconds(
                        CAST(abs(epoch(timezone(tz, ts)) - epoch(ts)) AS BIGINT)), '%H:%M')
            ELSE '' END
"""
OLD_LOCAL_TIME_SQL = """
CREATE OR REPLACE TEMP MACRO old_time(ts, tz) AS
    left(old_text(ts, tz), 16)
    || CASE WHEN strftime(timezone(tz, ts), '%S%f') = '00000000' THEN ''
            ELSE ':' || strftime(timezone(tz, ts), '%S')
                 || CASE WHEN strftime(timezone(tz, ts), '%f') = '000000' THEN ''
                         ELSE '.' || rtrim(strftime(timezone(tz, ts), '%f'), '0') END
       END
    || substr(old_text(ts, tz), 17)
"""

ZONES = ["America/Los_Angeles", "Europe/London", "Europe/Dublin", "Europe/Berlin",
         "Europe/Amsterdam", "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu",
         "Pacific/Chatham", "Australia/Lord_Howe", "UTC", "America/St_Johns",
         "America/Detroit", "Africa/Monrovia"]

# the year of each zone's change from local mean time (or an early change) looked at too
LMT_YEARS = {"America/Los_Angeles": 1883, "Europe/London": 1847, "Europe/Dublin": 1880,
             "Europe/Berlin": 1893, "Europe/Amsterdam": 1937, "Asia/Shanghai": 1901,
             "Asia/Kolkata": 1854, "Asia/Kathmandu": 1920, "Pacific/Chatham": 1868,
             "Australia/Lord_Howe": 1895, "America/St_Johns": 1884, "America/Detroit": 1905,
             "Africa/Monrovia": 1882}


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    store.instants_in_utc(c)
    define_macros(c)
    store.run(c, OLD_LOCAL_TEXT_SQL)
    store.run(c, OLD_LOCAL_TIME_SQL)
    store.run(c, "CREATE TABLE z AS SELECT unnest(?::VARCHAR[]) AS tz", [ZONES])
    years = [(tz, y) for tz, y in LMT_YEARS.items()] + [
        (tz, y) for tz in ZONES for y in (2024, 2025, 2026, 2027)]
    store.run(c, "CREATE TABLE y AS SELECT unnest(?::VARCHAR[]) AS tz, unnest(?::INT[]) AS yr",
              [[t for t, _ in years], [y for _, y in years]])
    # each change of offset, to the 6 hours, in the years above
    store.run(c, """
        CREATE TABLE changes AS
        SELECT tz, ts FROM (
            SELECT tz, ts, off, lag(off) OVER (PARTITION BY tz ORDER BY ts) AS prev FROM (
                SELECT y.tz, r.ts, epoch_us(timezone(y.tz, r.ts)) - epoch_us(r.ts) AS off
                FROM y, LATERAL (SELECT unnest(range(make_timestamptz(y.yr, 1, 1, 0, 0, 0, 'UTC'),
                    make_timestamptz(y.yr + 1, 1, 1, 0, 0, 0, 'UTC'), INTERVAL 6 HOUR)) AS ts) r))
        WHERE off <> prev""")
    # every 61 s from 8 h before each to 2 h after, one in three with microseconds
    store.run(c, """
        CREATE TABLE fine AS
        SELECT tz, ts - INTERVAL 8 HOUR + to_microseconds(
            k * 61000000 + CASE WHEN k % 3 = 0 THEN (k * 7919) % 1000000 ELSE 0 END) AS ts
        FROM changes, range(0, 10 * 3600 // 61 + 1) r(k)""")
    # the change to the second, and the instants a microsecond and an hour either side of it
    store.run(c, """
        CREATE TABLE edges AS
        WITH f AS (
            SELECT tz, ts, epoch_us(timezone(tz, ts)) - epoch_us(ts) AS off,
                lag(ts) OVER w AS pts, lag(epoch_us(timezone(tz, ts)) - epoch_us(ts)) OVER w AS poff
            FROM fine WINDOW w AS (PARTITION BY tz ORDER BY ts)),
        s AS (
            SELECT DISTINCT f.tz, date_trunc('second', f.pts) + to_seconds(r.k) AS ts
            FROM f, range(0, 63) r(k) WHERE f.off <> f.poff),
        e AS (
            SELECT tz, ts, epoch_us(timezone(tz, ts)) - epoch_us(ts) AS off,
                lag(epoch_us(timezone(tz, ts)) - epoch_us(ts)) OVER (PARTITION BY tz ORDER BY ts)
                    AS poff
            FROM s)
        SELECT tz, ts + to_microseconds(d.d) AS ts
        FROM e, (SELECT unnest([-3600000001, -3600000000, -3599999999, -1800000000, -1, 0, 1,
                                999999, 1000000, 1800000000, 3599999999, 3600000000,
                                3600000001, 7200000000]) AS d) d
        WHERE e.off <> e.poff""")
    store.run(c, """
        CREATE TABLE cases AS
        SELECT tz, ts FROM fine UNION ALL SELECT tz, ts FROM edges
        UNION ALL SELECT tz, TIMESTAMPTZ '1850-01-01 00:00:00+00'
            + to_microseconds(CAST(hash(tz, i, 27) % 7889400000000000 AS BIGINT)) FROM z, range(1500) r(i)
        UNION ALL SELECT tz, NULL FROM z
        UNION ALL SELECT NULL, TIMESTAMPTZ '2026-11-01 09:30:00+00'""")
    store.run(c, """
        CREATE TABLE texts AS
        SELECT tz, ts, old_text(ts, tz) AS old_text, bc_local_text(ts, tz) AS new_text,
            old_time(ts, tz) AS old_time, bc_local_time(ts, tz) AS new_time
        FROM cases""")
    yield c
    c.close()




def test_the_sample_reaches_every_kind_of_change(con):
    """The comparison below is only as good as its instants: each zone with summer time has
    fall-back nights in the sample, each flagged instant (with an offset) is there, and the
    pre-1900 offsets with seconds are met."""
    counts = dict(store.run(con, """
        SELECT tz, count(*) FILTER (WHERE old_text LIKE '% UTC%') FROM texts
        WHERE tz IS NOT NULL GROUP BY tz"""))
    for tz in ["America/Los_Angeles", "Europe/London", "Europe/Dublin", "Europe/Berlin",
               "Pacific/Chatham", "America/St_Johns"]:
        assert counts[tz] > 50, tz
    assert counts["UTC"] == 0
    assert store.scalar(con, "SELECT count(*) FROM cases") > 60_000
    texts = {r[0] for r in store.run(con, """
        SELECT substr(old_text, 18) FROM texts WHERE old_text LIKE '% UTC%'""")}
    assert {"UTC-08:00", "UTC+00:00", "UTC+12:45", "UTC-03:30"} <= texts
    # seconds and fractions in the wall times compared
    assert store.scalar(con, """
        SELECT count(*) FROM texts WHERE old_time LIKE '%:__:__.%'""") > 1000


def test_the_texts_are_the_earlier_texts_instant_by_instant(con):
    """The same texts, but a zero offset's sign (next test)."""
    assert store.run(con, """
        SELECT * FROM texts
        WHERE replace(old_text, 'UTC-00:00', 'UTC+00:00') IS DISTINCT FROM new_text
           OR replace(old_time, 'UTC-00:00', 'UTC+00:00') IS DISTINCT FROM new_time
        LIMIT 10""") == []


def test_a_zero_offset_reads_utc_plus_zero(con):
    """In the hour London's or Dublin's clocks show twice, the second showing is at UTC+00:00.
    The earlier bodies took the sign from two epochs as doubles, whose rounding made some
    instants with a fraction of a second `UTC-00:00` (RFC 3339's "offset unknown"); the sign
    is now of the offset to the second. The sample meets such instants, and no new text has
    `-00:00`."""
    assert store.scalar(con, "SELECT count(*) FROM texts WHERE old_time LIKE '%UTC-00:00'") > 0
    assert store.scalar(con, """
        SELECT count(*) FROM texts
        WHERE new_text LIKE '%UTC-00:00' OR new_time LIKE '%UTC-00:00'""") == 0
    at = "TIMESTAMPTZ '2026-10-25 01:02:57.77502+00'"
    assert store.run(con, f"""
        SELECT bc_local_text({at}, 'Europe/London'), bc_local_time({at}, 'Europe/London'),
               bc_local_time({at} - INTERVAL 1 HOUR, 'Europe/London')""") == [
        ("2026-10-25 01:02 UTC+00:00", "2026-10-25 01:02:57.77502 UTC+00:00",
         "2026-10-25 01:02:57.77502 UTC+01:00")]


def test_a_wall_time_given_without_a_zone_reads_as_before(con):
    """A pack passing a TIMESTAMP (no zone) gets what it got: the same conversions (the
    instants around the changes, where the two could part)."""
    assert store.run(con, """
        SELECT tz, ts FROM (SELECT tz, CAST(ts AS TIMESTAMP) AS ts FROM edges)
        WHERE replace(old_text(ts, tz), 'UTC-00:00', 'UTC+00:00') IS DISTINCT FROM bc_local_text(ts, tz)
           OR replace(old_time(ts, tz), 'UTC-00:00', 'UTC+00:00') IS DISTINCT FROM bc_local_time(ts, tz)
        LIMIT 10""") == []


def test_the_arguments_may_name_a_table_called_like_the_lambdas_parameter(con):
    """The lambda's body names only its parameter: a pack's `w.window_end` (CARB's AB05) and a
    column `_bc` stay the pack's."""
    store.run(con, """
        CREATE OR REPLACE TABLE win AS
        SELECT TIMESTAMPTZ '2026-11-01 08:30:30.25+00' AS window_end,
               TIMESTAMPTZ '2026-11-01 09:30:00+00' AS _bc, 'America/Los_Angeles' AS tz""")
    got = store.run(con, """
        SELECT bc_local_time(w.window_end, w.tz), bc_local_text(w._bc, w.tz),
               bc_local_time(_bc, tz)
        FROM win w""")
    assert got == [("2026-11-01 01:30:30.25 UTC-07:00", "2026-11-01 01:30 UTC-08:00",
                    "2026-11-01 01:30 UTC-08:00")]


def test_bc_local_time_names_the_callers_arguments_once_per_conversion():
    """What made the earlier body dear to plan: every `ts` or `tz` in a macro's body is a copy
    of the pack's argument expression to bind. The body converts the time three times (the
    instant and an hour either side, for the repeated hour) and reads its epoch once."""
    from berthcheck.engine.pack_macros import LOCAL_TIME_SQL

    body = LOCAL_TIME_SQL.split(" AS\n", 1)[1]
    assert body.count("timezone(") == 3
    assert len(re.findall(r"\bts\b", body)) == 4
    assert len(re.findall(r"\btz\b", body)) == 3
