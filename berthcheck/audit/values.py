"""How the audit shows values: stored values as stable text, digests shortened, load
batches' row ranges expanded; the fields `audit diff` compares."""

from __future__ import annotations

import datetime as dt

from berthcheck.side_by_side import short_digest, two_digests  # noqa: F401 - the audit's names

# what an auditor acts on: besides the verdict and hours, who answers for a visit and what it
# owes (a corrected power demand changes a FuelEU penalty, not the verdict or hours)
COMPARED_FIELDS = ("verdict", "basis", "controlled_hours", "uncontrolled_hours", "excused_hours",
                   "responsible", "penalty", "violation_days")
# compared only when both runs hold some: a run stored before results had the column (or made
# with a pack that does not give it) holds none, which is not a change of every visit
WHEN_BOTH_HOLD = ("violation_days",)
HOURS_DECIMALS = 6
MONEY_DECIMALS = 2  # a penalty is money: compared to the cent
MAX_ROWS_SHOWN = 20


def expand_ranges(ranges: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, (ranges or "").split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def as_text(value) -> str | None:
    """A stored value as stable text (instants in UTC ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.{HOURS_DECIMALS}f}".rstrip("0").rstrip(".") or "0"
    return str(value)

