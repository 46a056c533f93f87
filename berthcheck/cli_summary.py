"""A check's summary as terminal tables (rich): verdict counts and the worst visits, with the
number formats every berthcheck table shares (cli_progress)."""

from __future__ import annotations

import io

from berthcheck.cli_progress import count, hours, money, percent, table


def summary_text(outcome, worst: int = 10) -> str:
    """The summary `check` and `demo` print (plain text: no colour, 200 columns at most)."""
    import polars as pl
    from rich.console import Console

    from berthcheck.engine.minutes import minutes_text, visit_uncontrolled_minutes
    from berthcheck.engine.output_columns import VERDICTS, hours_given, penalty_missing
    from berthcheck.engine.summary import history_lines, worst_visits

    results, findings = outcome.results, outcome.findings
    counts = outcome.verdict_counts()
    regulated = counts["compliant"] + counts["non_compliant"]
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False,
                      soft_wrap=False, markup=False)  # a pack title, a fleet: text as written
    console.print(f"{outcome.pack.label} — {outcome.pack.title}")
    console.print(f"scope: {outcome.scope.describe()}; {count(results.height)} visits; "
                  f"run {outcome.run_id}")
    console.print()
    console.print(table(None, [("verdict", "left"), ("visits", "right"), ("share", "right")],
                        [[v, count(counts[v]), percent(counts[v], results.height)]
                         for v in VERDICTS]))
    console.print()
    uncontrolled = (hours(results["uncontrolled_hours"].fill_null(0).sum())
                    if hours_given(results) else "not given by the pack")
    console.print(f"regulated visits judged: {count(regulated)}; compliance rate: "
                  f"{percent(counts['compliant'], regulated)}; uncontrolled hours: "
                  f"{uncontrolled}; findings: {count(findings.height)}")
    for line in history_lines(outcome):  # whole lines, taken literally (no rich markup)
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    if outcome.pack.currency:  # the pack defines a penalty (`[pack] currency` in pack.toml)
        owed = results.filter(pl.col("verdict") == "non_compliant")
        priced = owed.filter(pl.col("penalty").is_not_null())
        # a port call's stays share one penalty, on one of them (penalty_on)
        missing = penalty_missing(results).height
        console.print(
            f"penalties: {money(priced['penalty'].sum(), outcome.pack.currency)} on "
            f"{count(priced.height)} non-compliant visits"
            + (f"; {missing} without a penalty (see findings)" if missing else "")
            + (f"; {owed.height - priced.height - missing} whose port call's penalty is "
               "on another visit" if owed.height - priced.height > missing else "")
        )
    bad = worst_visits(outcome, worst)
    if bad.height:
        rows = []
        for row in bad.iter_rows(named=True):
            more = f" (+{row['n'] - 1} more)" if row["n"] and row["n"] > 1 else ""
            minutes = visit_uncontrolled_minutes(row)
            rows.append([
                row["visit_id"], (row.get("vessel_name") or "")[:22],
                "-" if minutes is None else minutes_text(minutes, grouped=True),
                row["responsible"] or "-", f"{row['reason'] or row['basis']}{more}",
            ])
        console.print()
        console.print(table(
            f"worst visits (most uncontrolled time), top {bad.height}",
            [("visit", "left"), ("vessel", "left"), ("minutes", "right"),
             ("responsible", "left"), ("reason", "left")],
            rows,
        ))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
