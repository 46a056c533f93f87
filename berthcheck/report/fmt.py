"""Fixed formatting for every figure the report prints: one place, so the text a reader (or a
test) sees for a number is always the same for the same value, on any machine and locale.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from berthcheck.engine.minutes import minutes_text
from berthcheck.instants import as_utc, zone
from berthcheck.instants import local_date as local_date  # re-exported: callers read it here

DASH = "–"  # en dash for empty cells and ranges
NBSP = "\u00a0"  # between a figure and its unit, so that a narrow cell never splits them

# Explicit direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). In
# text from the inputs they would reorder what follows them on the same line: a port name
# holding U+202E printed the rest of the summary backwards ("201" for 102 judged visits).
_DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# ...and the marks (LRM, RLM, ALM), which a fixed-width line cannot count as characters
_DIRECTION_MARKS = dict.fromkeys([0x200E, 0x200F, 0x061C])
LEFT_TO_RIGHT_MARK = "\u200e"


def without_direction_controls(text: str) -> str:
    """`text` without explicit direction embeddings, overrides and isolates."""
    return text.translate(_DIRECTION_CONTROLS)


def column_text(text: str, width: int | None = None) -> str:
    """`text` as one column of a fixed-width line: one line (no tabs or newlines from the
    inputs), at most `width` characters, no direction controls or marks (they take no
    width), and a left-to-right mark after right-to-left letters, so that the digits and
    spaces after an Arabic or Hebrew name stay in the columns that follow it."""
    text = " ".join(without_direction_controls(text).translate(_DIRECTION_MARKS).split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    # (ASCII, most cells of most reports, has no right-to-left letter: no look at each one)
    if not text.isascii() and any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text + LEFT_TO_RIGHT_MARK
    return text


def column_width(text: str) -> int:
    """Characters `text` takes on a fixed-width line (its left-to-right mark takes none)."""
    return len(text) - text.count(LEFT_TO_RIGHT_MARK)


def integer(value) -> str:
    if value is None:
        return DASH
    return f"{int(value):,}"


def hours(value, decimals: int = 1) -> str:
    if value is None:
        return DASH
    return f"{float(value):,.{decimals}f}"


def minutes(value) -> str:
    """Minutes as every berthcheck output writes them (engine.minutes: 4 decimals at most, no
    trailing zeros; `1,860`, `30.5`), not whole minutes: 39.5 was "39" or "40"."""
    if value is None:
        return DASH
    return minutes_text(value, grouped=True)


def number(value) -> str:
    """A figure as the results hold it, for an auditor to recompute from: 4 decimals at most,
    no trailing zeros, grouped (`1,037.5`, `945`); never cut to an integer."""
    return DASH if value is None else minutes_text(value, grouped=True)


def percent(numerator, denominator, decimals: int = 1) -> str:
    """`73.7 %`; a share that is not all, or not none, never reads as all or none: 2 499
    compliant of 2 500 judged is `> 99.9 %`, not `100.0 %` beside a non-compliant visit, and
    1 of 2 500 is `< 0.1 %`, not `0.0 %` (README, `report`: how figures are rounded)."""
    if not denominator:
        return "n/a"
    text = f"{100.0 * numerator / denominator:.{decimals}f}"
    step = 10.0 ** -decimals
    if numerator != denominator and float(text) >= 100.0:
        return f"> {100.0 - step:.{decimals}f} %"
    if numerator and float(text) == 0.0:
        return f"< {step:.{decimals}f} %"
    return f"{text} %"


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


def masses_kg(values) -> list[str]:
    """Masses compared side by side (one chart panel) in one unit: t when the largest is 10 t
    or more, else kg as `mass_kg` writes them. A panel read "50.3 t" beside "5,595 kg" (so
    the reader compared 50.3 with 5,595) and a capture bar of nothing "0.0 kg"."""
    numbers = [float(v or 0.0) for v in values]
    if any(abs(v) >= 10_000 for v in numbers):
        return ["0 t" if v == 0 else f"{v / 1000:,.1f} t" for v in numbers]
    return ["0 kg" if v == 0 else mass_kg(v) for v in numbers]


# --- times (`as_utc`, `zone`, `local_date`: berthcheck/instants.py) -------------------------


def _clock(local: dt.datetime) -> str:
    """`10:30`, or `10:30:30` / `10:00:00.5` when the time has seconds: a stretch's minutes are
    exact, so a time cut to the minute would read "10:00 to 10:30" for 30.5 minutes (the CARB
    findings write their times the same way)."""
    text = local.strftime("%H:%M")
    if local.second or local.microsecond:
        text += local.strftime(":%S")
        if local.microsecond:
            text += f".{local.microsecond:06d}".rstrip("0")
    return text


def local_time(value, tz: str | None) -> str:
    """Port-local wall-clock time with the zone abbreviation: `2026-10-12 00:13 PDT` (with its
    seconds when it has any: `2026-10-12 00:13:30 PDT`)."""
    instant = as_utc(value)
    if instant is None:
        return DASH
    local = instant.astimezone(zone(tz))
    return f"{local:%Y-%m-%d} {_clock(local)} {local:%Z}"


def local_interval(start, end, tz: str | None) -> str:
    """`2026-10-12 00:13 PDT – 04:09 PDT` (the date repeated only when it changes)."""
    a, b = as_utc(start), as_utc(end)
    if a is None or b is None:
        return DASH
    la, lb = a.astimezone(zone(tz)), b.astimezone(zone(tz))
    left = local_time(a, tz)
    right = f"{_clock(lb)} {lb:%Z}" if la.date() == lb.date() else local_time(b, tz)
    return f"{left} {DASH} {right}"
