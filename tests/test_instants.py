"""berthcheck/instants.py: how the report and the exports read a stored instant back. One
reading for both, so a report and an export of the same run give a visit the same times."""

from __future__ import annotations

import datetime as dt

from berthcheck.export import source
from berthcheck.instants import as_utc, local_date, zone
from berthcheck.report import fmt


def test_the_report_and_the_exports_read_instants_with_the_same_functions():
    assert fmt.as_utc is source.as_utc is as_utc
    assert fmt.zone is source.zone is zone
    assert fmt.local_date is source.local_date is local_date


def test_a_naive_stored_value_is_utc_and_text_keeps_its_offset():
    naive = dt.datetime(2026, 11, 1, 8, 30)
    assert as_utc(naive) == dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)
    assert as_utc("2026-11-01T01:30:00-07:00") == dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)
    assert as_utc(" 2026-11-01T08:30:00Z ") == dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)


def test_no_value_or_blank_text_is_no_instant():
    # an export read blank text as an error (fromisoformat('')); the report as no time
    assert as_utc(None) is None
    assert as_utc("") is None
    assert as_utc("  ") is None
    assert local_date(None, "America/Los_Angeles") is None


def test_the_local_date_is_the_ports_not_utcs():
    # 06:30 UTC on 1 November is 23:30 on 31 October in Los Angeles (PDT, UTC-7)
    instant = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)
    assert local_date(instant, "America/Los_Angeles") == dt.date(2026, 10, 31)
    assert local_date(instant, "Asia/Shanghai") == dt.date(2026, 11, 1)
    assert local_date(instant, None) == dt.date(2026, 11, 1)  # no zone: UTC
