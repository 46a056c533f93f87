"""How the report (report/fmt.py) and the exports (export/source.py) read a stored instant
back: as aware UTC, in a port's zone looked up once by name, and its date there. The store holds instants in
UTC; one reading here, so a report and an export of the same run give a visit the same times."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; UTC without one."""
    return ZoneInfo(name or "UTC")


def as_utc(value) -> dt.datetime | None:
    """A stored instant (tz-aware datetime, or ISO text with an offset) as aware UTC; None for
    none or blank text. A naive value is UTC, as the store keeps it."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:  # instants are stored in UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def local_date(value, tz: str | None) -> dt.date | None:
    """The instant's date at the port (zone `tz`)."""
    t = as_utc(value)
    return None if t is None else t.astimezone(zone(tz)).date()
