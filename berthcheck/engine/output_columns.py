"""The engine's output columns and their closed vocabularies (data contract, docs/contract.md).

Kept apart from the pandera models (engine/schemas.py) that check them: commands that only
read stored runs (`runs list`, `report` from a stored run, `audit diff`) need the names, not
pandera, whose import (with pandas) costs about half a second of every such command.
"""

from __future__ import annotations

VERDICTS = ("compliant", "non_compliant", "exempt", "not_applicable", "insufficient_data")
SEVERITIES = ("info", "warning", "violation")
PARTIES = ("vessel", "terminal", "port", "caecs_operator", "unknown")

RESULT_COLUMNS = (
    "visit_id", "pack", "verdict", "basis", "window_start", "window_end", "controlled_hours",
    "uncontrolled_hours", "excused_hours", "responsible", "penalty", "violation_days",
    "findings",
)
FINDING_COLUMNS = ("finding_id", "rule_id", "visit_id", "severity", "message", "evidence")

# the outputs' canonical row order: a check returns and stores them so, and every manifest
# version's digests hash them so (strings compared by their UTF-8 bytes)
RESULT_ORDER = ("visit_id",)
FINDING_ORDER = ("visit_id", "rule_id", "finding_id")


def hours_given(results) -> bool:
    """Whether a check's results (a polars frame) give uncontrolled hours: False where the
    visits judged (compliant or non-compliant) all leave them empty, as a pack whose rule is
    not about time at berth without control does (docs/packs.md 6); a summary then says they
    are not given rather than add the empty cells up to 0. With no visit judged: True (0)."""
    import polars as pl

    judged = results.filter(pl.col("verdict").is_in(["compliant", "non_compliant"]))
    return judged.height == 0 or bool(judged["uncontrolled_hours"].is_not_null().any())
