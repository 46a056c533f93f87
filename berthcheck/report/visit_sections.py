"""The sections listing visits: the non-compliant visits with their reasons, the other
violations, and the exceptions claimed (events) with the VIE / TIE allowances they use."""

from __future__ import annotations

from berthcheck import store
from berthcheck.engine.minutes import visit_uncontrolled_minutes
from berthcheck.engine.output_columns import PENALTY_ON
from berthcheck.engine.scope import fleet_key
from berthcheck.report import fmt, listing, pack_section
from berthcheck.report.pack_spec import ReportSpec
from berthcheck.report.run import ReportRun, fetch_for_visits
from berthcheck.report.values import money, number_or_zero, plus_parts
from berthcheck.report.words import VERDICT_LABELS, basis_text

PARTY_LABELS = {"vessel": "vessel", "terminal": "terminal", "port": "port",
                "caecs_operator": "CAECS operator", "unknown": "unknown"}
TABLE_LIMIT = 100  # rows of other violations, events and insufficient-data visits listed


def parties_text(responsible: str | None) -> str:
    """`vessel+caecs_operator` as the report writes it: "vessel, CAECS operator"."""
    return ", ".join(PARTY_LABELS.get(p, p) for p in plus_parts(responsible)) or fmt.DASH


def visit_head(v: dict) -> dict:
    tz = v.get("port_timezone")
    return {
        "visit_id": v["visit_id"],
        "vessel": v.get("vessel_name") or fmt.DASH,
        "imo": v.get("imo") or fmt.DASH,
        "fleet": v.get("fleet") or "",
        "terminal": v.get("terminal") or fmt.DASH,
        "berth": v.get("berth") or fmt.DASH,
        "port": v.get("port") or fmt.DASH,
        "ready_to_work": fmt.local_time(v.get("ready_to_work"), tz),
        "pilot_on_board": fmt.local_time(v.get("pilot_on_board"), tz),
        "arrival": fmt.local_time(v.get("arrival"), tz),
        "departure": fmt.local_time(v.get("departure"), tz),
        "verdict": VERDICT_LABELS.get(v["verdict"], v["verdict"]),
        "verdict_key": v["verdict"],
        "basis": basis_text(v.get("basis")),
        "responsible": parties_text(v.get("responsible")),
        "uncontrolled_min": fmt.minutes(visit_uncontrolled_minutes(v) or 0.0),
        "uncontrolled_h": fmt.hours(v.get("uncontrolled_hours"), 2)
        if v.get("uncontrolled_hours") is not None else fmt.DASH,
        "excused_h": fmt.hours(v.get("excused_hours"), 2)
        if v.get("excused_hours") is not None else fmt.DASH,
        "window": fmt.local_interval(v.get("window_start"), v.get("window_end"), tz),
    }


# Evidence keys the report reads by name (docs/packs.md 5): the parts of a finding's interval
# that were not under control, shown after the interval where above 0, so that the listing
# says why a visit fell short (a late connection is not an early disconnection).
SHORTFALL_KEYS = (
    ("late_connection_minutes", "late connection"),
    ("gap_minutes", "gaps between sessions"),
    ("early_disconnection_minutes", "early disconnection"),
    # the part of the interval an event excused: "60 min uncontrolled (10:00 to 12:00), 60 min
    # excused" in CARB's message, and no longer a bare "60 min, 10:00 – 12:00" here
    ("excused_minutes", "excused"),
)


def _not_excused(ev: dict, tz: str | None) -> str | None:
    """Evidence `not_excused` (docs/packs.md 5): the parts of the finding's interval the ship
    answers for, where events excused the rest (FuelEU's FE05: the interval is the whole
    stay), in port time."""
    pieces = ev.get("not_excused")
    if not isinstance(pieces, list):
        return None
    shown = [fmt.local_interval(p["from"], p["to"], tz) for p in pieces
             if isinstance(p, dict) and isinstance(p.get("from"), str)
             and isinstance(p.get("to"), str)]
    return "not excused " + ", ".join(shown) if shown else None


def _shortfall(ev: dict, tz: str | None = None) -> str | None:
    parts = []
    for key, words in SHORTFALL_KEYS:
        value = ev.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            parts.append(f"{words} {fmt.minutes(value)}{fmt.NBSP}min")
    text = ", ".join(parts) or None
    answered = _not_excused(ev, tz)
    if answered:
        text = f"{text}; {answered}" if text else answered
    return text


def _finding_line(f: dict, rules: dict, tz: str | None, responsible: str | None = None) -> dict:
    """One reason of a non-compliant visit; `responsible` is the visit's parties: a finding
    whose interval names other parties (evidence `responsible`, CARB's AB06-AB09: the CAECS
    operator answers for some stretches only) shows its own under it."""
    ev = f["evidence_data"]
    rule = rules.get(f["rule_id"])
    title = rule.title if rule else f["rule_id"]
    when = None
    if "from" in ev and "to" in ev:
        when = fmt.local_interval(ev["from"], ev["to"], tz)
    minutes = f.get("minutes")
    detail = None
    if when is None:
        detail = f["message"]
    else:
        detail = _shortfall(ev, tz)
    return {
        "rule_id": f["rule_id"],
        "title": title,
        "minutes": fmt.minutes(minutes) if minutes is not None else None,
        "when": when,
        "detail": detail,
        "severity": f["severity"],
        "answerable": parties_text(ev["responsible"])
        if when is not None and isinstance(ev.get("responsible"), str)
        and ev["responsible"] != responsible else None,
    }


def noncompliant(
    visits: list[dict], finding_rows: list[dict], rules: dict, currency: str | None,
    spec: ReportSpec,
) -> dict:
    """The non-compliant visits, most uncontrolled time first: the first
    `listing.NONCOMPLIANT_DETAIL_MAX` with their reasons and evidence, the next ones as one
    line each, up to `listing.NONCOMPLIANT_LIST_MAX` in all; the rest are counted (the attached
    results CSV has every one)."""
    bad = [v for v in visits if v["verdict"] == "non_compliant"]
    bad.sort(key=lambda v: (-number_or_zero(v.get("uncontrolled_hours")), v["visit_id"]))
    detailed = bad[: listing.NONCOMPLIANT_DETAIL_MAX]
    lined = bad[len(detailed): listing.NONCOMPLIANT_LIST_MAX]
    wanted = {v["visit_id"] for v in detailed}
    per_visit: dict[str, list[dict]] = {}
    for f in finding_rows:
        if f["severity"] == "violation" and f["visit_id"] in wanted:
            per_visit.setdefault(f["visit_id"], []).append(f)
    rows = []
    for v in detailed:
        head = visit_head(v)
        head["uncontrolled_min"] = _uncontrolled_minutes(v)
        tz = v.get("port_timezone")
        reasons = [_finding_line(f, rules, tz, v.get("responsible"))
                   for f in sorted(per_visit.get(v["visit_id"], []),
                                   key=lambda f: (f["rule_id"], f["finding_id"]))]
        head["reasons"] = reasons
        head["window_from"], head["window_to"] = pack_section.window_cells(v, spec)
        head["columns"] = pack_section.column_cells(v, spec)
        if currency:  # the pack defines a penalty (FuelEU Art. 6)
            head["penalty"] = money(v.get("penalty"), currency)
            head["penalty_basis"] = None
            billed = v.get("non_compliant_hours_billed")
            if v.get("penalty") is not None and billed is not None:
                head["penalty_basis"] = (
                    # as computed: 945.5 kW was printed "945 kW", an auditor's product short
                    # a figure and its unit on one line: "11,740 kW × 11 / h" broke in the
                    # narrow penalty column
                    f"{fmt.number(v.get('power_demand_kw'))}{fmt.NBSP}kW × "
                    f"{fmt.number(billed)}{fmt.NBSP}h"
                )
            elif v.get("penalty") is None and v.get(PENALTY_ON) not in (None, v["visit_id"]):
                # a port call's penalty is on one of its stays
                head["penalty_basis"] = f"on visit {v[PENALTY_ON]} (the port call's)"
            elif v.get("penalty") is None and "power_demand_kw" in v \
                    and v.get("power_demand_kw") is None:
                # a dash alone does not say why the call has no penalty
                head["penalty_basis"] = "not computed: power demand at berth unknown"
        rows.append(head)
    cells = []
    for v in lined:
        cells.append({
            "visit_id": v["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "terminal": v.get("terminal") or fmt.DASH,
            "departure": fmt.local_time(v.get("departure"), v.get("port_timezone")),
            "responsible": parties_text(v.get("responsible")),
            "uncontrolled_min": _uncontrolled_minutes(v),
            "verdict_key": "non_compliant",
        })
    lines = listing.fixed_width(listing.NONCOMPLIANT_COLUMNS, cells) if cells else None
    return {"total": len(bad), "detailed": rows, "lines": lines, "listed": len(rows) + len(cells),
            "more": len(bad) - len(rows) - len(cells),
            "detail_max": listing.NONCOMPLIANT_DETAIL_MAX}


def _uncontrolled_minutes(v: dict) -> str:
    """A non-compliant visit's uncontrolled minutes; a dash where the pack gives no hours (a
    rule not about time at berth without control, docs/packs.md 6): not 0."""
    return fmt.minutes(visit_uncontrolled_minutes(v))


def other_violations(by_visit: dict, finding_rows: list[dict], rules: dict) -> dict:
    rows = []
    for f in finding_rows:
        v = by_visit.get(f["visit_id"])
        if f["severity"] != "violation" or v is None or v["verdict"] == "non_compliant":
            continue
        rule = rules.get(f["rule_id"])
        rows.append({
            "visit_id": f["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "verdict": VERDICT_LABELS.get(v["verdict"], v["verdict"]),
            "rule_id": f["rule_id"],
            "title": rule.title if rule else f["rule_id"],
            "message": f["message"],
        })
    rows.sort(key=lambda r: (r["rule_id"], r["visit_id"]))
    return {"rows": rows[:TABLE_LIMIT], "total": len(rows), "more": max(0, len(rows) - TABLE_LIMIT)}


def exceptions(con, run: ReportRun, by_visit: dict, finding_rows: list[dict]) -> dict:
    import polars as pl

    events = fetch_for_visits(
        con,
        "SELECT e.event_id, e.visit_id, e.kind, e.start_time, e.end_time, e.reference, e.note "
        "FROM events e JOIN _bc_report_visits s ON s.visit_id = e.visit_id "
        "ORDER BY e.visit_id, e.kind, e.event_id",
        by_visit,
    )
    rows = []
    for e in events.iter_rows(named=True):
        v = by_visit[e["visit_id"]]
        tz = v.get("port_timezone")
        covered = ("whole visit" if e["start_time"] is None and e["end_time"] is None
                   else fmt.local_interval(e["start_time"] or v.get("arrival"),
                                           e["end_time"] or v.get("departure"), tz))
        honoured = e["kind"] in plus_parts(v.get("basis"))
        rows.append({
            "visit_id": e["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "kind": e["kind"],
            "reference": e["reference"] or fmt.DASH,
            "covered": covered,
            "note": e["note"] or "",
            "outcome": f"{VERDICT_LABELS.get(v['verdict'], v['verdict'])} ({basis_text(v.get('basis'))})",
            "applied": honoured,
        })
    # VIE / TIE use against the holders' allowances for the period's year(s), in a pack that
    # keeps them (its holders are parameters): under FuelEU or the Chinese rule a VIE event is
    # a claim the pack does not count (its events row says so), not one beyond an allowance
    params = run.pack.parameter_values()
    holder_of = {kind: params[f"{kind}_holder_kind"] for kind in ("vie", "tie")
                 if f"{kind}_holder_kind" in params}
    refused_evidence: dict[tuple[str, str], dict] = {}
    for f in finding_rows:
        ev = f["evidence_data"]
        if "claim" in ev and "holder" in ev:
            refused_evidence[(f["visit_id"], ev["claim"])] = ev
    usage: dict[tuple, dict] = {}
    spelled: dict[tuple, str] = {}  # the spelling shown: the least of a holder's, whatever the order
    for e in rows:
        if e["kind"] not in holder_of:
            continue
        v = by_visit[e["visit_id"]]
        if v["verdict"] not in ("compliant", "non_compliant"):
            continue
        holder_kind = str(holder_of[e["kind"]])
        holder = str(v.get(holder_kind) or fmt.DASH)
        # a TIE belongs to a terminal at its port (17 CCR 93130.11); a VIE to the fleet, named
        # ignoring case and spaces as the pack counts it (one row however the files spell it)
        holder_port = v.get("port") if holder_kind == "terminal" else None
        year = fmt.local_date(v.get("departure"), v.get("port_timezone"))
        key = (e["kind"], holder_kind, _holder_key(holder_kind, holder), holder_port,
               year.year if year else None)
        spelled[key] = min(spelled.get(key, holder), holder)
        u = usage.setdefault(key, {"claims": 0, "honoured": 0, "refused": 0, "why": set()})
        u["claims"] += 1
        if e["applied"]:
            u["honoured"] += 1
        else:
            u["refused"] += 1
            ev = refused_evidence.get((e["visit_id"], e["kind"]))
            if ev is not None and ev.get("reason") == "claims_not_complete":
                # AB26: within the allowance among the loaded claims, but the port-year is
                # not declared complete, so the terminal's other claims may be missing
                u["why"].add(f"{ev.get('port')} {ev.get('year')} not declared complete "
                             "(other claims of the year may not be loaded)")
            elif ev is not None and ev.get("allowance") is not None:
                u["why"].add(f"beyond allowance {ev['allowance']} ({ev.get('allowance_source')})")
            elif ev is not None:
                u["why"].add("allowance cannot be established")
    granted: dict[tuple, int] = {}
    if usage:
        allowances = store.fetch_polars(
            con, "SELECT year, holder_kind, holder, upper(port) AS port, granted FROM allowances")
        for r in allowances.iter_rows(named=True):
            port = r["port"] if r["holder_kind"] == "terminal" else None
            k = (r["holder_kind"], _holder_key(r["holder_kind"], r["holder"]), port, r["year"])
            granted[k] = granted.get(k, 0) + r["granted"]  # a fleet's rows add up
    allowance_rows = []
    for key, u in sorted(usage.items(), key=lambda kv: (
            kv[0][0], str(kv[0][2]), str(kv[0][3]), kv[0][4] or 0)):
        kind, holder_kind, holder_key, holder_port, year_of_use = key
        g = granted.get((holder_kind, holder_key, holder_port, year_of_use))
        allowance_rows.append({
            "kind": kind.upper(),
            "holder_kind": holder_kind,
            "holder": f"{spelled[key]} at {holder_port}" if holder_port else spelled[key],
            "year": year_of_use if year_of_use is not None else fmt.DASH,
            "claims": u["claims"],
            "honoured": u["honoured"],
            "refused": u["refused"],
            "granted": fmt.integer(g) if g is not None else "not in allowances table",
            "why": "; ".join(sorted(u["why"])) or fmt.DASH,
        })
    kinds = pl.Series([r["kind"] for r in rows], dtype=pl.Utf8)
    kind_counts = []
    if len(kinds):
        for k, n in pl.DataFrame({"kind": kinds}).group_by("kind").len().sort("kind").iter_rows():
            kind_counts.append({"kind": k, "n": n})
    return {"events": rows[:TABLE_LIMIT], "events_total": len(rows),
            "events_more": max(0, len(rows) - TABLE_LIMIT), "allowances": allowance_rows,
            "kind_counts": kind_counts}


def _holder_key(holder_kind: str, holder: str) -> str:
    """How the CARB pack matches a VIE / TIE holder: a fleet ignoring case and spaces, a
    terminal as spelled."""
    return fleet_key(holder) if holder_kind == "fleet" else holder
