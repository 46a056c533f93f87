"""The summary page's figures, the terminal table and the compliance chart's bars, computed from
the run's results (the chart's bars add up to the terminal table)."""

from __future__ import annotations

from berthcheck.engine.output_columns import VERDICTS, column_given, hours_given
from berthcheck.engine.output_columns import penalty_missing as missing_penalties
from berthcheck.report import fmt
from berthcheck.report.values import money, number_or_zero, plus_parts
from berthcheck.report.words import VERDICT_LABELS


def summary(results, finding_rows: list[dict], by_visit: dict, currency: str | None) -> dict:

    counts = dict.fromkeys(VERDICTS, 0)
    for verdict, n in results.group_by("verdict").len().sort("verdict").iter_rows():
        counts[verdict] = n
    judged = counts["compliant"] + counts["non_compliant"]
    basis_count: dict[str, int] = {}
    for v in by_visit.values():
        for part in plus_parts(v.get("basis")):
            basis_count[part] = basis_count.get(part, 0) + 1
    parts = excused_parts(results, finding_rows)
    uncontrolled = results["uncontrolled_hours"].fill_null(0).sum() if results.height else 0.0
    controlled = results["controlled_hours"].fill_null(0).sum() if results.height else 0.0
    excused = results["excused_hours"].fill_null(0).sum() if results.height else 0.0
    # a pack whose rule is not about time at berth without control gives no hours
    # (docs/packs.md 6): shown as not given, never as 0.0
    given = hours_given(results)
    penalties = results["penalty"].drop_nulls() if results.height else None
    penalty_text = (money(penalties.sum(), currency)
                    if penalties is not None and penalties.len() else None)
    # non-compliant visits the total leaves out (FuelEU: power demand at berth unknown)
    # (a port call's stays share one penalty, on one of them: not missing on the others)
    penalty_missing = (missing_penalties(results).height if currency and results.height else 0)
    # CARB: each port-local calendar day with uncontrolled time is a separate violation
    days = results["violation_days"].drop_nulls() if "violation_days" in results.columns else None
    violation_days_text = fmt.integer(days.sum()) if days is not None and days.len() else None
    severities = {s: 0 for s in ("violation", "warning", "info")}
    for f in finding_rows:
        severities[f["severity"]] = severities.get(f["severity"], 0) + 1
    return {
        "counts": counts,
        "count_rows": [
            {"verdict": VERDICT_LABELS[v], "key": v, "n": counts[v],
             "share": fmt.percent(counts[v], results.height)}
            for v in VERDICTS
        ],
        "visits": results.height,
        "visits_text": fmt.integer(results.height),
        "judged": judged,
        "judged_text": fmt.integer(judged),
        "compliant_text": fmt.integer(counts["compliant"]),
        "noncompliant_text": fmt.integer(counts["non_compliant"]),
        "insufficient_text": fmt.integer(counts["insufficient_data"]),
        "rate_text": fmt.percent(counts["compliant"], judged),
        "uncontrolled": float(uncontrolled or 0.0),
        "hours_given": given,
        "uncontrolled_text": fmt.hours(uncontrolled if given else None),
        "controlled_text": fmt.hours(controlled if column_given(results, "controlled_hours")
                                     else None),
        "excused_text": fmt.hours(excused if column_given(results, "excused_hours") else None),
        # the excused hours split by what excused them: parts that add up to `excused_text`
        "excused_parts": parts,
        # the event kinds among them, for a pack whose kinds are not CARB's
        "excused_by_kind": [(p["key"], p["text"]) for p in parts if p["kind"]],
        "vie_used": basis_count.get("vie", 0),
        "tie_used": basis_count.get("tie", 0),
        "findings": len(finding_rows),
        "severities": severities,
        "penalty_text": penalty_text,
        "penalty_missing": penalty_missing,
        "penalty_missing_text": (
            f"without {fmt.integer(penalty_missing)} non-compliant "
            f"visit{'s' if penalty_missing != 1 else ''} whose penalty was not computed "
            "(chapter Data quality)") if penalty_missing else None,
        "violation_days_text": violation_days_text,
    }


# What excused a visit's excused hours, when it was not one event kind alone (excused_parts).
_VIE_TIE = ("vie_tie", "VIE or TIE",
            "of visits excused by an honoured VIE or TIE (their window's uncontrolled time)")
_SEVERAL = ("several", "several kinds", "covered by overlapping events of several kinds")
_UNNAMED = ("other", "other", "excused without an event kind the findings name")
# an event kind as the excused hours' sentence and tile say it: FuelEU's read "covered by ops
# unavailable events" (OPS: on-shore power supply) and "zero emission tech events"
EVENT_KIND_WORDS = {"ops_unavailable": "OPS unavailable", "ops_incompatible": "OPS incompatible",
                    "zero_emission_tech": "zero-emission technology"}


def excused_parts(results, finding_rows: list[dict]) -> list[dict]:
    """The run's excused hours split by what excused them, each visit's `excused_hours` whole
    in one part, so the parts add up to the total the summary and the terminal table show.

    A visit excused by an honoured VIE or TIE (CARB: its window's whole uncontrolled time)
    is one part. Otherwise a visit's excused time is its events' (the findings' evidence:
    `kind` with `excused_minutes`, no `from`, docs/packs.md): one kind takes it whole; several
    kinds share it by their minutes when those add up to it, and else (events that overlap
    each other) it is a part of its own, never counted twice."""
    if not results.height:
        return []
    minutes: dict[str, dict[str, float]] = {}
    for f in finding_rows:
        ev = f["evidence_data"]
        if "excused_minutes" in ev and isinstance(ev.get("kind"), str) and "from" not in ev:
            kinds = minutes.setdefault(f["visit_id"], {})
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0.0) + number_or_zero(ev["excused_minutes"])
    # keyed (an event kind?, name): an event kind named "other" is not the part "other"
    hours: dict[tuple[bool, str], float] = {}
    excused = results.select("visit_id", "basis", "excused_hours").filter(
        results["excused_hours"].fill_null(0) > 0)
    for visit_id, basis, h in excused.iter_rows():
        kinds = minutes.get(visit_id, {})
        shares: dict[tuple[bool, str], float]
        if {"vie", "tie"} & set(plus_parts(basis)):
            shares = {(False, _VIE_TIE[0]): h}
        elif len(kinds) == 1:
            shares = {(True, next(iter(kinds))): h}
        elif kinds and abs(sum(kinds.values()) / 60.0 - h) < 1e-6:
            shares = {(True, kind): m / 60.0 for kind, m in kinds.items()}
        else:
            shares = {(False, (_SEVERAL if kinds else _UNNAMED)[0]): h}
        for part, share in shares.items():
            hours[part] = hours.get(part, 0.0) + share
    named = {key: (short, words) for key, short, words in (_VIE_TIE, _SEVERAL, _UNNAMED)}
    order = [(False, _VIE_TIE[0]), *sorted(k for k in hours if k[0]),
             (False, _SEVERAL[0]), (False, _UNNAMED[0])]
    parts = []
    for kind, key in order:
        if (kind, key) not in hours:
            continue
        said = EVENT_KIND_WORDS.get(key, key.replace("_", " "))
        short, words = (said, f"covered by {said} events") if kind else named[key]
        h = hours[(kind, key)]
        parts.append({"key": key, "kind": kind, "short": short, "words": words, "hours": h,
                      "text": fmt.hours(h)})
    return parts


def terminals(results) -> dict:
    import polars as pl

    if not results.height:
        return {"rows": [], "multi_port": False}
    per = (
        results.group_by("port", "terminal")
        .agg(
            pl.len().alias("visits"),
            (pl.col("verdict") == "compliant").sum().alias("compliant"),
            (pl.col("verdict") == "non_compliant").sum().alias("non_compliant"),
            (pl.col("verdict") == "insufficient_data").sum().alias("insufficient"),
            pl.col("verdict").is_in(["exempt", "not_applicable"]).sum().alias("other"),
            pl.col("uncontrolled_hours").fill_null(0).sum().alias("uncontrolled"),
            pl.col("excused_hours").fill_null(0).sum().alias("excused"),
            pl.col("basis").str.split("+").list.contains("vie").sum().alias("vie"),
            pl.col("basis").str.split("+").list.contains("tie").sum().alias("tie"),
        )
        .sort("port", "terminal", nulls_last=True)
    )
    # a column the pack gives none of: a dash, as the "All" line has
    given = hours_given(results)
    excused_given = column_given(results, "excused_hours")
    rows = []
    for r in per.iter_rows(named=True):
        judged = r["compliant"] + r["non_compliant"]
        rows.append({
            "port": r["port"] or fmt.DASH,
            "terminal": r["terminal"] or fmt.DASH,
            "visits": r["visits"],
            "compliant": r["compliant"],
            "non_compliant": r["non_compliant"],
            "insufficient": r["insufficient"],
            "other": r["other"],
            "judged": judged,
            "rate": fmt.percent(r["compliant"], judged),
            "uncontrolled": fmt.hours(r["uncontrolled"] if given else None),
            "excused": fmt.hours(r["excused"] if excused_given else None),
            "vie": r["vie"],
            "tie": r["tie"],
        })
    return {"rows": rows, "multi_port": per["port"].n_unique() > 1}


CHART_TERMINALS = 24  # bars in the terminal chart; the rest share one bar
_COUNT_KEYS = ("visits", "compliant", "non_compliant", "insufficient", "other", "judged")


def chart_unit(terminals: dict) -> str:
    """A report over several ports charts each port; one port, each terminal."""
    return "port" if terminals["multi_port"] else "terminal"


def chart_terminals(terminals: dict) -> list[dict]:
    """The compliance chart's bars, adding up to the terminal table: one per terminal, or one
    per port when the report covers several; beyond `CHART_TERMINALS` bars, the busiest ones
    and a last bar for all the others, so the chart fits its page."""
    if terminals["multi_port"]:
        per_port: dict[str, dict] = {}
        for r in terminals["rows"]:
            p = per_port.setdefault(r["port"], {**dict.fromkeys(_COUNT_KEYS, 0), "label": r["port"],
                                                "terminal": r["port"]})
            for k in _COUNT_KEYS:
                p[k] += r[k]
        rows = [{**p, "rate": fmt.percent(p["compliant"], p["judged"])}
                for _, p in sorted(per_port.items())]
    else:
        rows = [{**r, "label": r["terminal"]} for r in terminals["rows"]]
    if len(rows) <= CHART_TERMINALS + 1:
        return rows
    ranked = sorted(rows, key=lambda r: (-r["visits"], r["label"]))
    shown, rest = ranked[:CHART_TERMINALS], ranked[CHART_TERMINALS:]
    other = {k: sum(r[k] for r in rest) for k in _COUNT_KEYS}
    other["label"] = other["terminal"] = f"{len(rest)} other {chart_unit(terminals)}s"
    other["rate"] = fmt.percent(other["compliant"], other["judged"])
    return [*shown, other]
