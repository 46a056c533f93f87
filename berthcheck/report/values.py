"""Reading the run's stored values as the report shows them: a finding's evidence JSON, the
`+`-joined parts of a basis or responsible party, a missing number as zero, a penalty as money."""

from __future__ import annotations

import json

from berthcheck.report import fmt


def parse_evidence(text: str | None) -> dict:
    """A finding's evidence JSON as a dict; evidence that is not a JSON object reads as none."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def plus_parts(text: str | None) -> list[str]:
    """The parts of a `+`-joined value (a basis "vie+emergency", the responsible parties)."""
    return [p for p in (text or "").split("+") if p]


def number_or_zero(value) -> float:
    """A stored number, missing (null) read as zero where figures are summed or sorted."""
    return float(value) if value is not None else 0.0


def money(value, currency: str | None) -> str:
    """A penalty as the pack states it (e.g. "EUR 36,000.00"); a dash where none was computed."""
    if value is None:
        return fmt.DASH
    return f"{currency + ' ' if currency else ''}{number_or_zero(value):,.2f}"
