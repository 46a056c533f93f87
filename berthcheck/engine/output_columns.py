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

# what each invariant of engine/schemas.py ResultsModel means, in words (keys = check names):
# docs/packs.md section 7 is generated from it, and a pack whose results break one is told it
INVARIANTS = {
    "emissions_non_negative": "every emission kilogram column is empty or at least 0",
    "excess_within_at_berth": "the excess of a pollutant never exceeds its at-berth total",
    "control_hours_within_stay": "shore_power_hours + capture_hours <= stay_hours",
    "hours_add_up_to_window": "where a window is given, controlled + uncontrolled + excused "
                              "hours = its length (to 0.00001 h)",
    "window_is_an_interval": "window_start and window_end are both empty, or start < end",
    "non_compliant_has_a_finding": "a non_compliant visit has at least one finding",
    "non_compliant_has_uncontrolled_time": "a non_compliant visit's uncontrolled_hours is "
                                           "empty or above 0",
    "violation_days_only_where_uncontrolled": "violation_days, where given, is at least 1 on a "
                                              "non_compliant visit and 0 on any other",
    "compliant_has_no_uncontrolled_time": "a compliant visit's uncontrolled_hours is empty or 0",
    "responsible_is_known_parties": "responsible is empty or parties from the list below "
                                    "joined by +",
}

# the outputs' canonical row order: a check returns and stores them so, and every manifest
# version's digests hash them so (strings compared by their UTF-8 bytes)
RESULT_ORDER = ("visit_id",)
FINDING_ORDER = ("visit_id", "rule_id", "finding_id")


def hours_given(results) -> bool:
    """Whether a check's results (a polars frame) give uncontrolled hours: False where the
    visits judged (compliant or non-compliant) all leave them empty, as a pack whose rule is
    not about time at berth without control does (docs/packs.md 6); a summary then says they
    are not given rather than add the empty cells up to 0. With no visit judged: True (0)."""
    return column_given(results, "uncontrolled_hours")


def column_given(results, column: str) -> bool:
    """`hours_given`'s rule for one hours column: whether the visits judged give it. Each
    column by itself: a pack may give excused hours (an emergency's time taken out of a share
    test) and no uncontrolled ones."""
    import polars as pl

    judged = results.filter(pl.col("verdict").is_in(["compliant", "non_compliant"]))
    return judged.height == 0 or bool(judged[column].is_not_null().any())


# A pack column naming the visit whose row carries this visit's penalty, where the penalty is
# owed per unit of several visits (FuelEU: the port call, whose stays share one penalty): a
# non-compliant visit whose penalty is empty because another row carries it is not a visit
# "without a penalty".
PENALTY_ON = "penalty_on"


def penalty_missing(results):
    """The non-compliant visits (a polars frame's rows) whose penalty was not computed: empty
    penalty, and no other visit's row carrying it (`PENALTY_ON`)."""
    import polars as pl

    missing = (pl.col("verdict") == "non_compliant") & pl.col("penalty").is_null()
    if PENALTY_ON in results.columns:
        on = pl.col(PENALTY_ON)
        missing = missing & (on.is_null() | (on == pl.col("visit_id")))
    return results.filter(missing)
