"""The report's period and scope in words (cover, headings) and its date, all from the run's
scope, never from the clock."""

from __future__ import annotations

import datetime as dt
import re

from berthcheck.engine.scope import Scope
from berthcheck.report import fmt

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def period_title(scope: Scope) -> str:
    label = scope.period or ""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        q = int(m.group(2))
        return f"Q{q} {m.group(1)} ({MONTHS[3 * q - 3]} {fmt.DASH} {MONTHS[3 * q - 1]})"
    if re.fullmatch(r"\d{4}", label):
        return f"Year {label}"
    if ".." in label:
        a, b = label.split("..", 1)
        return f"{a} to {b}"
    return "All loaded visits"


def period_in_words(scope: Scope) -> str:
    """The period as a sentence says it, after "departing" or "departed": `in October 2026`,
    `in Q4 2026 (October – December)`, `in 2026`, `from 2026-10-05 to 2026-10-12`. The title
    (`Year 2026`, `2026-10-05 to 2026-10-12`) read "departing in Year 2026" and "In 2026-10-05
    to 2026-10-12, 42 visits departed" in the report's sentences."""
    label = scope.period or ""
    if re.fullmatch(r"\d{4}", label):
        return f"in {label}"
    if ".." in label:
        a, b = label.split("..", 1)
        return f"from {a} to {b}"
    if not label:
        return "in every loaded period"
    return f"in {period_title(scope)}"


def period_range(scope: Scope) -> str:
    if scope.start is None or scope.end is None:
        return "all loaded visits"
    last = (scope.end - dt.timedelta(days=1)).date()
    return f"{scope.start.date().isoformat()} to {last.isoformat()}"


def zone_abbreviations(scope: Scope, name: str) -> list[str]:
    """The abbreviations (PDT, PST) zone `name` uses at some time in the period, sorted: the
    first and last day alone miss a summer inside a year. Looked up twice a day (a zone keeps
    an abbreviation for longer than that)."""
    if scope.start is None or scope.end is None:
        return []
    tz = fmt.zone(name)
    day, last = scope.start.date(), (scope.end - dt.timedelta(minutes=1)).date()
    seen = set()
    while day <= last:
        for hour in (0, 12):
            seen.add(dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).strftime("%Z"))
        day += dt.timedelta(days=1)
    return sorted(seen)


def scope_label(scope: Scope) -> tuple[str, str]:
    """(kind, text): what part of the period's visits the report covers."""
    if scope.fleet:
        return "fleet", f"Fleet: {scope.fleet}"
    if scope.terminal:
        return "terminal", f"Terminal: {scope.terminal}"
    if scope.port:
        return "port", f"Port: {scope.port}"
    return "all", "All ports, terminals and fleets"


def report_epoch(scope: Scope, results=None) -> int:
    """The report's date (PDF metadata, SOURCE_DATE_EPOCH): the end of the reporting period,
    midnight UTC. Derived from the run's scope, never from the clock."""
    if scope.end is not None:
        return int(scope.end.replace(tzinfo=dt.UTC).timestamp())
    if results is not None and "departure" in results.columns and results.height:
        last = fmt.as_utc(results["departure"].max())
        if last is not None:
            return int(last.timestamp())
    return 315532800  # 1980-01-01: the earliest date every PDF and font tool accepts
