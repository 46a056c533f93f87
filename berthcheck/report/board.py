"""What a board reads first: the cover's ports and scope in words, the written summary, the
comparison with the previous period, and the UNCONFIRMED flags beside the summary's figures.

Everything is computed from the run's own results (and, for the comparison, from a stored run
of the previous period); no figure here is typed by hand.
"""

from __future__ import annotations

import json
import re

from berthcheck import store
from berthcheck.engine.scope import Scope, parse_scope
from berthcheck.errors import UsageError
from berthcheck.report import fmt
from berthcheck.report.period import period_in_words, period_title

# The one compliance rate of the report, in the words the summary page prints.
RATE_DEFINITION = (
    "Compliance rate = compliant visits ÷ judged visits, where judged visits are the "
    "regulated visits found compliant or non-compliant. Exempt, not applicable and "
    "insufficient-data visits are left out of it; the same definition is used for every "
    "terminal and for the previous period."
)

# Which pack parameters each summary figure depends on (a figure is flagged UNCONFIRMED when
# one of them is). Names absent from a pack are ignored.
FIGURE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "verdicts": ("whole_visit_exception_kinds", "member_state_countries",
                 "assess_from_start_date", "whole_stay_exemption_kinds",
                 "partial_exception_kinds", "capped_exception_kinds", "capped_exception_limit",
                 "capped_exception_count_per", "connection_allowance_hours"),
    "vie_tie": ("table allowance_percent",),
    "penalty": ("penalty_eur_per_kwh", "non_compliant_hours_rounding", "penalty_hours",
                "connection_allowance_hours"),
}


# --- cover -----------------------------------------------------------------------------------


def port_names(con, results, scope: Scope) -> list[dict]:
    """The ports the report covers, with their names from the ports table."""
    codes: list[str] = []
    if results.height and "port" in results.columns:
        codes = sorted(c for c in results["port"].drop_nulls().unique().to_list())
    if not codes and scope.port:
        codes = [scope.port]
    if not codes:
        return []
    names = dict(store.run(
        con, "SELECT port, name FROM ports WHERE list_contains(?, port)", [codes]))
    return [{"code": c, "name": names.get(c) or c} for c in codes]


def asked_zones(con, scope: Scope) -> list[str]:
    """The time zones of the port a scope asks for (`--port`, or the ports a `--terminal` is
    at, from the terminals table and the loaded visits), from the ports table: the cover of a
    report over no visits names them instead of a zone of its own. None for a fleet or for
    every port: no port was asked for."""
    if scope.port:
        rows = store.run(con, "SELECT DISTINCT timezone FROM ports WHERE port = ?", [scope.port])
    elif scope.terminal:
        rows = store.run(con, """
            SELECT DISTINCT p.timezone FROM ports p
            WHERE p.port IN (SELECT port FROM terminals WHERE terminal = $t
                             UNION SELECT port FROM visits WHERE terminal = $t)""",
                         {"t": scope.terminal})
    else:
        return []
    return sorted(r[0] for r in rows if r[0])


def ports_in_words(ports: list[dict], limit: int = 4, *, sentence: bool = False) -> str:
    """`Port of Los Angeles (USLAX)`; in a sentence `the Port of Los Angeles (USLAX)`."""
    def one(p: dict) -> str:
        if p["name"] == p["code"]:
            return p["code"]
        article = "the " if sentence and p["name"].startswith("Port of ") else ""
        return f"{article}{p['name']} ({p['code']})"

    if not ports:
        return "no port"
    if len(ports) > limit:
        shown = ", ".join(one(p) for p in ports[:limit])
        return f"{len(ports)} ports: {shown} and {len(ports) - limit} more"
    if len(ports) == 1:
        return one(ports[0])
    return ", ".join(one(p) for p in ports[:-1]) + " and " + one(ports[-1])


def scope_in_words(scope: Scope, ports: list[dict]) -> str:
    """`Every visit at the Port of Los Angeles (USLAX) departing in October 2026.`"""
    where = ports_in_words(ports, sentence=True)
    when = f"departing {period_in_words(scope)}" if scope.period else "of every loaded period"
    # a fleet or terminal with no visit in scope is at no port we know of: its sentence says
    # which visits it would be ("at no port" read as if the scope excluded every port)
    if scope.fleet:
        at = f" at {where}" if ports else ", at any port,"
        return f"The visits of fleet {scope.fleet}{at} {when}; no other fleet's visits."
    if scope.terminal:
        of = f" of {where}" if ports else ""
        return f"The visits at terminal {scope.terminal}{of} {when}."
    if scope.port:
        return f"Every visit at {where} {when}."
    if not ports:
        return f"Every loaded visit {when}, at every port, terminal and fleet."
    return f"Every visit at {where} {when}, all terminals and fleets."


# --- the previous period ---------------------------------------------------------------------


def previous_period(label: str | None) -> str | None:
    """2026-10 -> 2026-09, 2026-Q1 -> 2025-Q4, 2026 -> 2025; None for other periods."""
    if not label:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        y, q = int(m.group(1)), int(m.group(2))
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    if re.fullmatch(r"\d{4}", label):
        return str(int(label) - 1)
    return None


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def comparison(con, run, current: dict) -> dict | None:
    """The previous period's figures next to this one's, from the latest stored run of the
    same pack and scope for the previous period made no later than this run (so re-rendering
    this run gives the same page). None when there is no such run."""
    label = previous_period(run.scope.period)
    if label is None:
        return None
    try:
        prev_scope = parse_scope(label, None, None, run.scope.port, run.scope.terminal,
                                 run.scope.fleet)
    except UsageError:
        return None
    made = store.scalar(con, "SELECT created_at FROM runs WHERE run_id = ?", [run.run_id])
    rows = store.run(
        con,
        "SELECT run_id, counts FROM runs WHERE pack_id = ? AND scope = ? "
        "AND (CAST(? AS TIMESTAMPTZ) IS NULL OR created_at <= CAST(? AS TIMESTAMPTZ)) "
        "ORDER BY created_at DESC, run_id LIMIT 1",
        [run.pack.id, _canonical(prev_scope.as_dict()), made, made],
    )
    if not rows:
        return None
    prev_id, counts_json = rows[0]
    counts = json.loads(counts_json or "{}")
    uncontrolled = store.scalar(
        con, "SELECT coalesce(sum(uncontrolled_hours), 0) FROM run_results WHERE run_id = ?",
        [prev_id]) or 0.0
    visits = sum(int(v) for v in counts.values())
    compliant, non_compliant = int(counts.get("compliant", 0)), int(counts.get("non_compliant", 0))
    judged = compliant + non_compliant
    previous = {"visits": visits, "judged": judged, "compliant": compliant,
                "non_compliant": non_compliant,
                "insufficient": int(counts.get("insufficient_data", 0)),
                "uncontrolled": float(uncontrolled),
                "rate": (100.0 * compliant / judged) if judged else None}

    rows_out = []
    for key, label_text, kind, show in (
        ("visits", "Visits in scope", "n", fmt.integer),
        ("judged", "Judged visits", "n", fmt.integer),
        ("rate", "Compliance rate", "pp", None),
        ("non_compliant", "Non-compliant visits", "n", fmt.integer),
        ("insufficient", "Insufficient data", "n", fmt.integer),
        ("uncontrolled", "Uncontrolled hours", "h", fmt.hours),
    ):
        # a rate as the summary prints it, from its counts (fmt.percent: never 100.0 % for
        # less than all)
        now, before = ((_rate_text(current), _rate_text(previous)) if show is None
                       else (show(current[key]), show(previous[key])))
        rows_out.append({"label": label_text, "now": now, "before": before,
                         "change": change_text(current[key], previous[key], kind)})
    return {"period": label, "period_title": _period_title(label),
            "period_words": period_in_words(parse_scope(label)), "run_id": prev_id,
            "rows": rows_out, "previous": previous}


def shown(value: float) -> float:
    """A rate or hours figure as the report prints it (one decimal)."""
    return float(f"{value:.1f}")


def change_text(now, before, kind: str) -> str:
    """The comparison's change column. A rate's or hours' change is the difference of the two
    figures as printed: 79.0 % against 75.9 % read "+3.2 pp" (from 79.04 and 75.88), and
    the written summary "up 3.2 percentage points from 75.9 %", which a reader adds up to
    79.1 %."""
    if now is None or before is None:
        return fmt.DASH
    if kind == "pp":
        return f"{shown(now) - shown(before):+.1f} pp"
    if kind == "h":
        return f"{shown(now) - shown(before):+,.1f}"
    return f"{int(now - before):+,}"


def _rate_text(figures: dict) -> str:
    return fmt.percent(figures["compliant"], figures["judged"]) if figures["judged"] else fmt.DASH


def _period_title(label: str) -> str:
    return period_title(parse_scope(label))


# --- the written summary ---------------------------------------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _joined(names: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def quarantine_sentence(quarantined: list[dict] | None) -> str:
    """The input rows the loads kept out (quality's `quarantined_kinds`), said where a board
    reads: a month whose visit rows were quarantined is not the whole month."""
    if not quarantined:
        return ""
    total = sum(q["rows"] for q in quarantined)
    if len(quarantined) == 1:
        what = f"{_plural(total, 'input row')} of {quarantined[0]['kind']}"
    else:
        what = (f"{_plural(total, 'input row')} ("
                + ", ".join(f"{q['kind']}: {q['rows']:,}" for q in quarantined) + ")")
    one = total == 1
    return (f"{what} {'was' if one else 'were'} quarantined when loaded and {'is' if one else 'are'} "
            "in none of this report's figures: whatever among them belongs in this report is "
            "missing from it (chapter Data quality).")


def written_summary(meta: dict, s: dict, terminals: list[dict], compare: dict | None,
                    flagged: dict, quarantined: list[dict] | None = None) -> str:
    """One paragraph in plain words, every number from the summary's own figures.
    `quarantined`: the input rows the loads quarantined, by kind (quality.quality)."""
    counts = s["counts"]
    visits, judged = s["visits"], s["judged"]
    # "in October 2026", "in 2026", "from 2026-10-05 to 2026-10-12" (period.period_in_words)
    when = meta.get("period_words") or f"in {meta['period_title']}"
    kept_out = quarantine_sentence(quarantined)
    if not visits:
        return (f"No visit in scope departed {when}, so this report has no "
                f"verdicts to show. Scope: {meta['scope_text']}."
                + (f" {kept_out}" if kept_out else ""))
    parts = [f"{when[0].upper()}{when[1:]}, {_plural(visits, 'visit')} departed"
             + (f" from {ports_in_words(meta['ports'], sentence=True)}" if meta["ports"] else "") + "."]
    if judged:
        parts.append(
            f"{_plural(judged, 'regulated visit was', 'regulated visits were')} judged: "
            f"{counts['compliant']:,} compliant and {counts['non_compliant']:,} non-compliant, a "
            f"compliance rate of {s['rate_text']}"
            + (" (UNCONFIRMED items apply)" if flagged.get("verdicts") else "") + ".")
    else:
        parts.append("No regulated visit could be judged.")
    other = counts["exempt"] + counts["not_applicable"]
    if other:
        parts.append(f"{_plural(other, 'visit was', 'visits were')} exempt or not subject to "
                     f"the rule.")
    if counts["insufficient_data"]:
        parts.append(f"{_plural(counts['insufficient_data'], 'visit')} could not be judged for "
                     f"missing data (chapter Data quality).")
    if counts["non_compliant"]:
        if s.get("hours_given", True):
            parts.append(f"Non-compliant visits left {s['uncontrolled_text']} hours "
                         "uncontrolled.")
        most = max((t["non_compliant"] for t in terminals), default=0)
        # every terminal tied for the most: naming one alone said it stood out
        worst = sorted((t for t in terminals if most and t["non_compliant"] == most),
                       key=lambda t: (t["terminal"], t.get("port") or ""))
        if worst and len(terminals) > 1 and len(worst) < len(terminals):
            # terminals of one name at two ports (WBCT at USLAX and USOAK): say which
            several_ports = len({t.get("port") for t in terminals}) > 1
            names = [t["terminal"] + (f" at {t['port']}" if several_ports else "")
                     for t in worst]
            if len(worst) == 1:
                parts.append(f"Terminal {names[0]} had the most non-compliant visits "
                             f"({most:,} of {worst[0]['judged']:,} judged).")
            elif len(worst) <= 3:
                judged_of = " and ".join(f"{t['judged']:,}" for t in worst)
                parts.append(f"Terminals {_joined(names)} had the most non-compliant visits "
                             f"({most:,} each; of {judged_of} judged).")
            else:
                parts.append(f"{len(worst)} terminals had the most non-compliant visits "
                             f"({most:,} each; the terminal table names them).")
    if s.get("penalty_text"):
        parts.append(f"Penalties as the rule pack computes them total {s['penalty_text']}"
                     + (" (UNCONFIRMED rate)" if flagged.get("penalty") else "")
                     + (f", {s['penalty_missing_text']}" if s.get("penalty_missing_text")
                        else "") + ".")
    if compare:
        prev = compare["previous"]
        if prev["rate"] is not None and judged:
            rate_now = 100.0 * counts["compliant"] / judged
            delta = shown(rate_now) - shown(prev["rate"])  # as the two rates are printed
            trend = ("unchanged from" if abs(delta) < 0.05 else
                     f"{'up' if delta > 0 else 'down'} {abs(delta):.1f} percentage points from")
            before = compare.get("period_words") or f"in {compare['period_title']}"
            parts.append(f"The compliance rate is {trend} {_rate_text(prev)} {before}.")
    if kept_out:
        parts.append(kept_out)
    return " ".join(parts)


def flags(pack) -> dict:
    """{figure: [unconfirmed item names]} for each of the summary's flagged figures (empty
    lists where none applies)."""
    unconfirmed = set(pack.unconfirmed())
    shown = {"penalty": bool(pack.currency)}  # a pack without a currency computes no penalty
    return {figure: [n for n in names if n in unconfirmed] if shown.get(figure, True) else []
            for figure, names in FIGURE_PARAMETERS.items()}
