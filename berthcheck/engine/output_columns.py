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
