"""Fixed formatting for every figure the report prints: one place, so the text a reader (or a
test) sees for a number is always the same for the same value, on any machine and locale.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

DASH = "–"  # en dash for empty cells and ranges


def integer(value) -> str:
    if value is None:
        return DASH
    return f"{int(value):,}"


def hours(value, decimals: int = 1) -> str:
    if value is None:
        return DASH
    return f"{float(value):,.{decimals}f}"


def minutes(value) -> str:
    if value is None:
        return DASH
    return f"{float(value):,.0f}"


def percent(numerator, denominator, decimals: int = 1) -> str:
    if not denominator:
        return "n/a"
    return f"{100.0 * numerator / denominator:.{decimals}f} %"


def mass_kg(value) -> str:
    """Kilograms with a unit that keeps the number short: kg below 10 t, else t."""
    if value is None:
        return DASH
    value = float(value)
    if abs(value) >= 10_000:
        return f"{value / 1000:,.1f} t"
    if abs(value) >= 100:
        return f"{value:,.0f} kg"
    return f"{value:,.1f} kg"


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def as_utc(value) -> dt.datetime | None:
    """A stored instant (tz-aware datetime, or ISO text with an offset) as aware UTC."""
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


def local_time(value, tz: str | None, *, seconds: bool = False) -> str:
    """Port-local wall-clock time with the zone abbreviation: `2026-10-12 00:13 PDT`."""
    instant = as_utc(value)
    if instant is None:
        return DASH
    local = instant.astimezone(zone(tz))
    pattern = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return local.strftime(pattern)


def local_date(value, tz: str | None) -> dt.date | None:
    instant = as_utc(value)
    return None if instant is None else instant.astimezone(zone(tz)).date()


def local_interval(start, end, tz: str | None) -> str:
    """`2026-10-12 00:13 PDT – 04:09 PDT` (the date repeated only when it changes)."""
    a, b = as_utc(start), as_utc(end)
    if a is None or b is None:
        return DASH
    la, lb = a.astimezone(zone(tz)), b.astimezone(zone(tz))
    left = la.strftime("%Y-%m-%d %H:%M %Z")
    right = lb.strftime("%H:%M %Z") if la.date() == lb.date() else lb.strftime("%Y-%m-%d %H:%M %Z")
    return f"{left} {DASH} {right}"
