"""A readable summary of a check: counts by verdict and the worst visits with reasons."""

from __future__ import annotations

from berthcheck.engine.check import CheckResult
from berthcheck.engine.history_hints import what_to_load
from berthcheck.engine.schemas import VERDICTS


def summary_lines(outcome: CheckResult, worst: int = 10) -> list[str]:
    import polars as pl

    results, findings = outcome.results, outcome.findings
    counts = outcome.verdict_counts()
    regulated = counts["compliant"] + counts["non_compliant"]
    lines = [
        f"{outcome.pack.label} — {outcome.pack.title}",
        f"scope: {outcome.scope.describe()}; {results.height} visits; run {outcome.run_id}",
        "",
    ]
    width = max(len(v) for v in VERDICTS)
    for verdict in VERDICTS:
        lines.append(f"  {verdict:<{width}}  {counts[verdict]:>5}")
    total_uncontrolled = results["uncontrolled_hours"].fill_null(0).sum()
    rate = f"{100 * counts['compliant'] / regulated:.1f} %" if regulated else "n/a"
    lines += [
        "",
        f"regulated visits judged: {regulated}; compliance rate: {rate}; "
        f"uncontrolled hours: {total_uncontrolled:.2f}; findings: {findings.height}",
    ]
    if "violation_days" in results.columns and results["violation_days"].is_not_null().any():
        # CARB: each port-local calendar day with uncontrolled time is a separate violation
        lines.append(f"violation days: {results['violation_days'].fill_null(0).sum()}")
    lines += what_to_load(findings)
    if outcome.pack.currency:  # the pack defines a penalty (`[pack] currency` in pack.toml)
        owed = results.filter(pl.col("verdict") == "non_compliant")
        priced = owed.filter(pl.col("penalty").is_not_null())
        lines.append(
            f"penalties: {outcome.pack.currency} {priced['penalty'].sum():,.2f} on "
            f"{priced.height} non-compliant visits"
            + (f"; {owed.height - priced.height} without a penalty (see findings)"
               if owed.height > priced.height else "")
        )
    bad = (
        results.filter(pl.col("verdict") == "non_compliant")
        .sort(["uncontrolled_hours", "visit_id"], descending=[True, False])
        .head(worst)
    )
    if bad.height:
        reasons = (
            findings.filter(pl.col("severity") == "violation")
            .group_by("visit_id")
            .agg(pl.col("message").sort_by("rule_id").first().alias("reason"),
                 pl.len().alias("n"))
        )
        bad = bad.join(reasons, on="visit_id", how="left").sort(
            ["uncontrolled_hours", "visit_id"], descending=[True, False]
        )
        lines += ["", f"worst visits (most uncontrolled time), top {bad.height}:"]
        for row in bad.iter_rows(named=True):
            minutes = 60 * (row["uncontrolled_hours"] or 0)
            vessel = row.get("vessel_name") or ""
            more = f" (+{row['n'] - 1} more)" if row["n"] and row["n"] > 1 else ""
            lines.append(
                f"  {row['visit_id']:<12} {vessel[:22]:<22} {minutes:>7.0f} min  "
                f"responsible: {row['responsible'] or '-':<22} {row['reason'] or row['basis']}{more}"
            )
    return lines


def summary_dict(outcome: CheckResult, worst: int = 10, warnings: list[str] | None = None,
                 written: list[str] | None = None) -> dict:
    """The summary as plain data (`check --json`): the same figures as `summary_lines`."""
    import polars as pl

    results, findings = outcome.results, outcome.findings
    counts = outcome.verdict_counts()
    regulated = counts["compliant"] + counts["non_compliant"]
    bad = (
        results.filter(pl.col("verdict") == "non_compliant")
        .sort(["uncontrolled_hours", "visit_id"], descending=[True, False])
        .head(worst)
    )
    out = {
        "run_id": outcome.run_id,
        "pack": outcome.pack.id,
        "pack_version": outcome.pack.version,
        "scope": outcome.scope.as_dict(),
        "visits": results.height,
        "counts": counts,
        "regulated_visits": regulated,
        "compliance_rate": round(counts["compliant"] / regulated, 6) if regulated else None,
        "uncontrolled_hours": round(float(results["uncontrolled_hours"].fill_null(0).sum()), 6),
        "findings": findings.height,
        "worst": [
            {"visit_id": r["visit_id"], "vessel_name": r.get("vessel_name"),
             "uncontrolled_minutes": round(60 * (r["uncontrolled_hours"] or 0), 2),
             "responsible": r["responsible"], "basis": r["basis"]}
            for r in bad.iter_rows(named=True)
        ],
        "warnings": list(warnings or []),
        "written": list(written or []),
        "elapsed_seconds": round(outcome.elapsed_seconds, 3),
    }
    if outcome.pack.currency:
        owed = results.filter(pl.col("verdict") == "non_compliant")
        out["penalties"] = {"currency": outcome.pack.currency,
                            "total": float(owed["penalty"].fill_null(0).sum()),
                            "visits_priced": owed.filter(pl.col("penalty").is_not_null()).height}
    return out
