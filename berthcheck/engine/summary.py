"""A readable summary of a check: counts by verdict and the worst visits with reasons."""

from __future__ import annotations

from typing import Any

from berthcheck.engine.check import CheckResult
from berthcheck.engine.history_hints import what_to_load
from berthcheck.engine.minutes import visit_uncontrolled_minutes
from berthcheck.engine.output_columns import hours_given


def history_lines(outcome: CheckResult) -> list[str]:
    """Lines a check prints under its figures: violation days (CARB: each port-local calendar
    day with uncontrolled time is a separate violation) and what to load for the provisions
    that count earlier years (`warning: ...`)."""
    results = outcome.results
    lines = []
    if "violation_days" in results.columns and results["violation_days"].is_not_null().any():
        lines.append(f"violation days: {results['violation_days'].fill_null(0).sum()}")
    return lines + what_to_load(outcome.findings)


def worst_visits(outcome: CheckResult, worst: int = 10):
    """The non-compliant visits with the most uncontrolled time, each with its first violation
    message (`reason`) and how many violations it has (`n`)."""
    import polars as pl

    results, findings = outcome.results, outcome.findings
    # a visit without hours after those with (polars puts NULLs first otherwise)
    order: dict[str, Any] = {"by": ["uncontrolled_hours", "visit_id"], "descending": [True, False],
                             "nulls_last": True}
    bad = results.filter(pl.col("verdict") == "non_compliant").sort(**order).head(worst)
    return bad.join(visit_reasons(findings), on="visit_id", how="left").sort(**order)


def visit_reasons(findings):
    """Per visit with a violation: its first violation message by rule (`reason`) and how many
    violations it has (`n`): what `check` and `export carb-visit-report` give as its reason."""
    import polars as pl

    return (
        findings.filter(pl.col("severity") == "violation")
        .group_by("visit_id")
        .agg(pl.col("message").sort_by("rule_id").first().alias("reason"), pl.len().alias("n"))
    )


def summary_dict(outcome: CheckResult, worst: int = 10, warnings: list[str] | None = None,
                 written: list[str] | None = None,
                 written_files: list[dict[str, str]] | None = None) -> dict:
    """The summary as plain data (`check --json`): the same figures `check` prints.
    `written`: the `wrote` line's words per file; `written_files`: each file's path and
    sha256 (berthcheck/written_files.py), the shape every command's `--json` names files in."""
    import polars as pl

    results, findings = outcome.results, outcome.findings
    counts = outcome.verdict_counts()
    regulated = counts["compliant"] + counts["non_compliant"]
    bad = worst_visits(outcome, worst)
    out = {
        "run_id": outcome.run_id,
        "pack": outcome.pack.id,
        "pack_version": outcome.pack.version,
        "scope": outcome.scope.as_dict(),
        "visits": results.height,
        "counts": counts,
        "regulated_visits": regulated,
        "compliance_rate": round(counts["compliant"] / regulated, 6) if regulated else None,
        "uncontrolled_hours": (round(float(results["uncontrolled_hours"].fill_null(0).sum()), 6)
                               if hours_given(results) else None),
        "findings": findings.height,
        "worst": [
            {"visit_id": r["visit_id"], "vessel_name": r.get("vessel_name"),
             "uncontrolled_minutes": visit_uncontrolled_minutes(r),
             "responsible": r["responsible"], "basis": r["basis"], "reason": r["reason"]}
            for r in bad.iter_rows(named=True)
        ],
        "violation_days": (int(results["violation_days"].fill_null(0).sum())
                           if "violation_days" in results.columns
                           and results["violation_days"].is_not_null().any() else None),
        "history_warnings": [line.removeprefix("warning: ") for line in what_to_load(findings)],
        "warnings": list(warnings or []),
        "written": list(written or []),
        "written_files": list(written_files or []),
        "elapsed_seconds": round(outcome.elapsed_seconds, 3),
    }
    if outcome.pack.currency:
        owed = results.filter(pl.col("verdict") == "non_compliant")
        out["penalties"] = {"currency": outcome.pack.currency,
                            "total": float(owed["penalty"].fill_null(0).sum()),
                            "visits_priced": owed.filter(pl.col("penalty").is_not_null()).height}
    return out
