"""How berthcheck gives a duration in minutes, in every place a user reads one (docs/contract.md
4, "Minutes"): a finding's message (the packs' `bc_minutes_text`), its evidence and `minutes`,
the results' minutes columns, `check`'s worst-visits table and `--json`, the report and
`export carb-visit-report`.

One rule: the exact seconds / 60 rounded to 4 decimal places, written without trailing zeros
(30.5, 45.3333, 120). Never whole minutes: a 30-second late connection is 0.5 min, where the
report said 0 (and 39.5 was 39 in one column and 40 in the next, half-even rounding of numbers
that had been through hours rounded to 6 decimals).
"""

from __future__ import annotations

DECIMALS = 4
# the pack column with a visit's uncontrolled time in minutes, from the seconds (CARB)
UNCONTROLLED_MINUTES = "uncontrolled_minutes"


def visit_uncontrolled_minutes(row: dict) -> float | None:
    """A result row's uncontrolled minutes: the pack's `uncontrolled_minutes` where it gives
    one, else 60 x `uncontrolled_hours` (hours rounded to 6 decimals can miss the 4th decimal
    of the seconds' minutes, which is why a pack gives the column); None where neither is."""
    if UNCONTROLLED_MINUTES in row:
        value = row[UNCONTROLLED_MINUTES]
        return None if value is None else round(float(value), DECIMALS)
    hours = row.get("uncontrolled_hours")
    return None if hours is None else round(60 * float(hours), DECIMALS)


def minutes_text(value: float, *, grouped: bool = False) -> str:
    """`value` minutes as berthcheck writes them: 4 decimals at most, no trailing zeros
    (`bc_minutes_text` in SQL), thousands grouped with commas where `grouped` (tables)."""
    text = f"{round(float(value), DECIMALS):{',' if grouped else ''}.{DECIMALS}f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
