"""CARB visit reports, one per reporting party (17 CCR § 93130.7(e)(4) vessel operator,
§ 93130.9(d)(5) terminal operator, § 93130.12(b)(3) CAECS operator).

One row per visit to a California port of an ocean-going vessel (an articulated tug barge has
no report to make, § 93130.2(b)(7)) with the fields the regulation lists for that party, every time in
port-local time (with its offset), the due date (port-local departure date + 30 calendar days,
not before CARB's 2023 reporting extension),
whether the record is complete and which required fields are missing. Nothing is filled in:
a field the inputs do not hold stays empty and is named in `missing_fields`.

Which fields are required (docs/reporting-fields.md gives the sources):
* a column is *required* only where the research confirmed the regulation lists it for that
  party; UNCONFIRMED columns are reported when known, never make a record incomplete;
* "where applicable" items (berth shift, CAECS type, CAECS begin/stop) are required only when
  they apply: CAECS times when the visit had a control session;
* Ready to Work is required for visits that had to control emissions (verdict compliant,
  non_compliant or insufficient_data);
* the terminal operator's list (§ 93130.9(d)(5)) was not retrieved: the terminal report
  mirrors the vessel report's confirmed items as a working list, every column marked
  UNCONFIRMED.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from berthcheck import store
from berthcheck.engine.minutes import visit_uncontrolled_minutes
from berthcheck.engine.pack_choice import all_not_applicable
from berthcheck.engine.summary import visit_reasons
from berthcheck.errors import UsageError
from berthcheck.export.common import Built, ExportOutcome, hours, make_export, plus_days
from berthcheck.export.files import (
    Column,
    Table,
    check_table_format,
    table_file_names,
    table_files,
)
from berthcheck.export.source import (
    as_utc,
    blank,
    capture_rows,
    contacts,
    event_rows,
    instant,
    local_date,
    local_iso,
    resolve_fleet,
    resolve_port,
    resolve_provider,
    resolve_terminal,
    rows_for,
    shore_power_rows,
    visit_rows,
)

KIND = "carb-visit-report"
PACK = "carb-at-berth-2020"
PARTIES = ("vessel", "terminal", "caecs")
# A berth shift is a new visit (data contract § 2). Where either stay names its `port_call`,
# that decides: stays of one port call at one port are a shift, whatever the time between them
# (at anchor overnight); stays of two calls are not, however close. Where neither names one,
# the regulation does not say how close the next stay must follow: berthcheck takes the same
# vessel's next stay at another berth of the same port that begins within this many hours of
# the departure (decision, docs/interchange.md).
BERTH_SHIFT_HOURS = 12
REGULATED_VERDICTS = ("compliant", "non_compliant", "insufficient_data")

SECTION = {"vessel": "§ 93130.7(e)(4)", "terminal": "§ 93130.9(d)(5)",
           "caecs": "§ 93130.12(b)(3)"}
TERMINAL_NOTE = ("§ 93130.9(d)(5)'s field list was not retrieved; the terminal report mirrors "
                 "the vessel report's confirmed items")
TAIL_NOTE = ("the list in the public copy is cut off after this party's confirmed items; "
             "reported when known, never required")

# name, type, unit, description, {party: item} (confirmed items; absent party -> column not in
# that party's report; an item starting with "?" is UNCONFIRMED), required: always |
# regulated | controlled | None
FIELDS: list[tuple[str, str, str | None, str, dict[str, str], str | None]] = [
    ("visit_id", "string", None, "berthcheck's visit id (a berth shift is a new visit)",
     {"vessel": "berthcheck", "terminal": "berthcheck", "caecs": "berthcheck"}, None),
    ("fleet", "string", None, "fleet name (the fleet that pools VIEs)",
     {"vessel": "item 1"}, "always"),
    ("vessel_name", "string", None, "vessel name",
     {"vessel": "item 2", "terminal": "?", "caecs": "(A)"}, "always"),
    ("imo", "string", None, "IMO ship number",
     {"vessel": "item 3", "terminal": "?", "caecs": "(B)"}, "always"),
    ("vessel_type", "string", None, "vessel type (data contract enum)",
     {"vessel": "item 4", "terminal": "?", "caecs": "(C)"}, "always"),
    ("nox_tier", "integer", None, "IMO NOx tier of the auxiliary engines",
     {"vessel": "item 5", "terminal": "?", "caecs": "(D)"}, "always"),
    ("vessel_operator_name", "string", None, "vessel operator (the visits' `operator`)",
     {"vessel": "item 6", "terminal": "?", "caecs": "(F)"}, "always"),
    ("vessel_operator_address", "string", None, "vessel operator's address",
     {"vessel": "item 6", "terminal": "?", "caecs": "(F)"}, "always"),
    ("vessel_operator_email", "string", None, "vessel operator's email",
     {"vessel": "item 6", "terminal": "?", "caecs": "(F)"}, "always"),
    ("vessel_operator_phone", "string", None, "vessel operator's telephone",
     {"vessel": "item 6", "terminal": "?", "caecs": "(F)"}, "always"),
    ("terminal_operator_name", "string", None, "terminal operator",
     {"terminal": "?", "caecs": "(G)"}, "always"),
    ("terminal_operator_address", "string", None, "terminal operator's address",
     {"terminal": "?", "caecs": "(G)"}, "always"),
    ("terminal_operator_email", "string", None, "terminal operator's email",
     {"terminal": "?", "caecs": "(G)"}, "always"),
    ("terminal_operator_phone", "string", None, "terminal operator's telephone",
     {"terminal": "?", "caecs": "(G)"}, "always"),
    ("port", "string", None, "port visited (UN/LOCODE)",
     {"vessel": "item 7", "terminal": "?", "caecs": "(E)"}, "always"),
    ("terminal", "string", None, "terminal visited",
     {"vessel": "item 7", "terminal": "?", "caecs": "(E)"}, "always"),
    ("berth", "string", None, "berth visited",
     {"vessel": "item 7", "terminal": "?", "caecs": "(E)"}, "always"),
    ("time_zone", "string", None, "the port's IANA time zone; every time below is local there",
     {"vessel": "berthcheck", "terminal": "berthcheck", "caecs": "berthcheck"}, None),
    ("arrival_local", "datetime", None, "arrival at the berth (first line), port-local",
     {"vessel": "item 8", "terminal": "?", "caecs": "?"}, "always"),
    ("departure_local", "datetime", None, "departure from the berth (last line), port-local",
     {"vessel": "item 8", "terminal": "?", "caecs": "?"}, "always"),
    ("berth_shift_from", "string", None,
     "TERMINAL/BERTH (visit id) the vessel shifted from, where applicable",
     {"vessel": "item 9", "terminal": "?"}, None),
    ("berth_shift_to", "string", None,
     "TERMINAL/BERTH (visit id) the vessel shifted to, where applicable",
     {"vessel": "item 9", "terminal": "?"}, None),
    ("caecs_type", "string", None,
     "control used: shore power, capture (system ids), or both; empty where none",
     {"vessel": "item 10", "terminal": "?", "caecs": "?"}, None),
    ("caecs_system_id", "string", None, "capture systems' Executive Order numbers",
     {"caecs": "?"}, None),
    ("caecs_provider", "string", None, "CAECS operator(s) of the capture sessions",
     {"caecs": "?"}, None),
    ("ready_to_work_local", "datetime", None, "vessel declared Ready to Work, port-local",
     {"vessel": "item 11", "terminal": "?", "caecs": "?"}, "regulated"),
    ("caecs_begin_local", "datetime", None,
     "first control session begins reducing emissions, port-local",
     {"vessel": "item 12", "terminal": "?", "caecs": "?"}, "controlled"),
    ("caecs_end_local", "datetime", None,
     "last control session stops reducing emissions, port-local",
     {"vessel": "item 12", "terminal": "?", "caecs": "?"}, "controlled"),
    ("pilot_on_board_local", "datetime", None, "outbound pilot boards, port-local",
     {"vessel": "?", "terminal": "?", "caecs": "?"}, None),
    ("nox_inlet_ppm", "number", "ppm", "recorded NOx inlet level (highest of the sessions)",
     {"caecs": "?"}, None),
    ("nox_outlet_ppm", "number", "ppm", "recorded NOx outlet level (highest of the sessions)",
     {"caecs": "?"}, None),
    ("exceptions_used", "string", None,
     "exception, VIE/TIE, remediation or other claims on the visit (event kinds, `;`)",
     {"vessel": "?", "terminal": "?", "caecs": "?"}, None),
    ("exception_references", "string", None, "the claims' own references (`;`)",
     {"vessel": "?", "terminal": "?", "caecs": "?"}, None),
    ("approval_references", "string", None, "the regulator's written approvals (`;`)",
     {"vessel": "?", "terminal": "?", "caecs": "?"}, None),
    ("claims", "string", None,
     "each claim on the visit (`; `): its kind, its port-local START/END (an empty start is "
     "the arrival, an empty end the departure) or `whole visit`, then `reference R` and "
     "`approval A` where given", {"vessel": "?", "terminal": "?", "caecs": "?"}, None),
]

DERIVED: list[tuple[str, str, str | None, str]] = [
    ("verdict", "string", None, "berthcheck's verdict on the visit"),
    ("basis", "string", None, "why (data contract § 4)"),
    ("uncontrolled_hours", "number", "h", "hours of the control window not controlled"),
    ("uncontrolled_minutes", "number", "min",
     "the same time in minutes, from the seconds (4 decimals): the minutes the findings and "
     "the report give"),
    ("violation_days", "integer", "d",
     "port-local calendar days with uncontrolled time (each a separate violation)"),
    ("responsible", "string", None, "party or parties answerable for the uncontrolled time"),
    ("reason", "string", None, "the visit's first violation by rule, as `check` gives its "
     "reason (empty without a violation)"),
    ("due_date", "date", None, "report due: port-local departure date + 30 calendar days, "
     "not before CARB's 2023 reporting extension (the pack's reports_due_not_before); empty "
     "for a departure before reporting began (reporting_start_date, 2023-01-01)"),
    ("reported_at_local", "datetime", None, "when the visit report was submitted, port-local"),
    ("reported_late", "boolean", None,
     "submitted after the due date (empty: not submitted, or no due date)"),
    ("record_complete", "boolean", None, "every required field is present"),
    ("missing_fields", "string", None, "required fields the inputs do not hold (`;`)"),
    ("pack", "string", None, "rule pack id and version of the run"),
    ("run_id", "string", None, "the berthcheck run the report was made from"),
]


def columns_for(party: str, result_columns) -> list[tuple[Column, str | None]]:
    """(column, required) of one party's report, in order."""
    out: list[tuple[Column, str | None]] = []
    for name, type_, unit, description, items, required in FIELDS:
        if party not in items:
            continue
        item = items[party]
        if item == "berthcheck":
            out.append((Column(name, type_, description, "berthcheck", True, unit), None))
            continue
        confirmed = not item.startswith("?") and party != "terminal"
        source = f"17 CCR {SECTION[party]} {item.lstrip('?').strip()}".strip()
        note = None if confirmed else (TERMINAL_NOTE if party == "terminal" else TAIL_NOTE)
        if party == "terminal":
            # the working list: the vessel report's confirmed, required items
            vessel_item = items.get("vessel", "?")
            req = required if not vessel_item.startswith("?") else None
        else:
            req = required if confirmed else None
        out.append((Column(name, type_, description, source, confirmed, unit, note), req))
    for name, type_, unit, description in DERIVED:
        if name == "violation_days" and "violation_days" not in result_columns:
            continue  # results from before the column was added to the contract
        if name in ("reported_at_local", "reported_late") and party != "vessel":
            continue  # `reported_at` is the vessel operator's report
        source = "berthcheck run"
        if name == "due_date":
            source = f"17 CCR {SECTION[party]} (within 30 calendar days of departure)"
        out.append((Column(name, type_, description, source, True, unit), None))
    return out


def _caecs_type(sp: list[dict], cc: list[dict]) -> str | None:
    systems = sorted({c["system_id"] for c in cc if c.get("system_id")})
    capture = f"capture ({', '.join(systems)})" if cc else None
    if sp and capture:
        return f"shore power + {capture}"
    return "shore power" if sp else capture


def _shifts(con, visit_ids) -> dict[tuple[str, str], str]:
    """(visit_id, 'from'|'to') -> 'TERMINAL/BERTH (visit id)' of the nearest stay of the same
    vessel at another berth of the same port: of the same port call where either stay names
    one, else within BERTH_SHIFT_HOURS."""
    hours = int(BERTH_SHIFT_HOURS)

    def same_call(a: str, b: str) -> str:
        # an empty port_call is a call of its own (data contract § 2): only when both are
        # empty does the time between the stays decide
        return (f"CASE WHEN {a}.port_call IS NULL AND {b}.port_call IS NULL "
                f"THEN {b}.arrival < {a}.departure + INTERVAL {hours} HOUR "
                f"ELSE {a}.port_call IS NOT DISTINCT FROM {b}.port_call END")

    rows = rows_for(
        con,
        f"""SELECT v.visit_id, 'to' AS dir, n.visit_id AS other, n.terminal, n.berth,
                   epoch(n.arrival) - epoch(v.departure) AS gap
            FROM visits v JOIN _bc_export_visits s ON s.visit_id = v.visit_id
            JOIN visits n ON n.imo = v.imo AND n.port = v.port AND n.visit_id <> v.visit_id
             AND (n.berth <> v.berth OR n.terminal <> v.terminal)
             AND n.arrival >= v.departure AND {same_call("v", "n")}
            UNION ALL
            SELECT v.visit_id, 'from', p.visit_id, p.terminal, p.berth,
                   epoch(v.arrival) - epoch(p.departure)
            FROM visits v JOIN _bc_export_visits s ON s.visit_id = v.visit_id
            JOIN visits p ON p.imo = v.imo AND p.port = v.port AND p.visit_id <> v.visit_id
             AND (p.berth <> v.berth OR p.terminal <> v.terminal)
             AND p.departure <= v.arrival AND {same_call("p", "v")}
            ORDER BY 1, 2, gap, other""",  # noqa: S608 - constants and aliases only
        visit_ids,
    )
    out: dict[tuple[str, str], str] = {}
    for r in rows:
        out.setdefault((r["visit_id"], r["dir"]), f"{r['terminal']}/{r['berth']} ({r['other']})")
    return out


def _due_date(departure_day: dt.date | None, pack) -> str | None:
    """When the visit report is due, as the pack's AB17 judges it: the port-local departure
    date + report_deadline_days ("within 30 calendar days of departure", §§ 93130.7(e)(4),
    .9(d)(5), .12(b)(3)), not before reports_due_not_before (CARB's 2023 enforcement notices,
    docs/regulations-carb.md 11.2)."""
    start = pack.parameters.get("reporting_start_date")
    if departure_day is not None and start is not None and departure_day < start.value:
        return None  # no visit report before reporting began (AB17 judges none either)
    due = plus_days(departure_day, int(pack.parameters["report_deadline_days"].value))
    floor = pack.parameters["reports_due_not_before"].value
    return None if due is None else max(due, floor.isoformat())


def _claims(events: list[dict], visit: dict, tz: str | None) -> str | None:
    """One entry per claim, in the order of `exceptions_used`: § 93130.8(a) asks an exception's
    documentation for its dates and local times, and the reference lists alone do not say
    whose reference is whose once a claim has none."""
    out = []
    for e in events:
        start, end = e.get("start_time"), e.get("end_time")
        if start is None and end is None:
            when = "whole visit"
        else:
            when = (f"{local_iso(start if start is not None else visit['arrival'], tz)}/"
                    f"{local_iso(end if end is not None else visit['departure'], tz)}")
        text = f"{e['kind']} {when}"
        if not blank(e.get("reference")):
            text += f" reference {e['reference']}"
        if not blank(e.get("approval_ref")):
            text += f" approval {e['approval_ref']}"
        out.append(text)
    return "; ".join(out) or None


def _joined(values) -> str | None:
    kept = [str(v) for v in values if not blank(v)]
    return ";".join(dict.fromkeys(kept)) or None


def build(con, run, params: dict) -> Built:
    """The report of one party for the run's visits (CAECS: those with capture sessions, of
    `provider` when given; vessel: those of `operator` when given)."""
    party = params["party"]
    provider = params.get("provider")
    operator = params.get("operator")
    results = run.results
    columns = columns_for(party, results.columns)
    ids = results["visit_id"].to_list()
    visits = visit_rows(con, ids)
    sp_rows = shore_power_rows(con, ids)
    cc_rows = capture_rows(con, ids)
    ev_rows = event_rows(con, ids)
    shifts = _shifts(con, ids)
    reasons = {r["visit_id"]: r["reason"]
               for r in visit_reasons(run.findings).iter_rows(named=True)}
    rows = []
    elsewhere: dict[str, int] = {}  # port -> visits left out: not a California port
    # vessel type -> visits left out: not an ocean-going vessel, no report to make (AB17)
    not_ocean_going: dict[str, int] = {}
    not_ogv_param = run.pack.parameters.get("not_ocean_going_types")
    not_ogv_types = set(not_ogv_param.value) if not_ogv_param is not None else set()
    for res in results.iter_rows(named=True):
        vid = res["visit_id"]
        v = visits.get(vid)
        if v is None or (operator is not None and v.get("operator") != operator):
            continue
        if not v["port_carb_at_berth"]:
            # the report goes to CARB for visits to California ports (§ 93130.7(e)(4)); a
            # line's Rotterdam call in the same store is no row of it
            elsewhere[v["port"]] = elsewhere.get(v["port"], 0) + 1
            continue
        if v.get("vessel_type") in not_ogv_types:
            # § 93130.2(b)(7): not an ocean-going vessel under the Control Measure, so no
            # visit report to make (docs/regulations-carb.md 2)
            not_ocean_going[v["vessel_type"]] = not_ocean_going.get(v["vessel_type"], 0) + 1
            continue
        cc = cc_rows.get(vid, [])
        if party == "caecs":
            cc = [c for c in cc if provider is None or c.get("provider") == provider]
            if not cc:
                continue
            sp = []
        else:
            sp = sp_rows.get(vid, [])
        tz = v.get("port_timezone")
        starts = [s["connected"] for s in sp] + [c["started"] for c in cc]
        ends = [s["disconnected"] for s in sp] + [c["ended"] for c in cc]
        events = ev_rows.get(vid, [])
        inlet = [c["nox_inlet_ppm"] for c in cc if c.get("nox_inlet_ppm") is not None]
        outlet = [c["nox_outlet_ppm"] for c in cc if c.get("nox_outlet_ppm") is not None]
        due = _due_date(local_date(v["departure"], tz), run.pack)
        reported = v.get("reported_at")
        reported_day = local_date(reported, tz)
        row = {
            "visit_id": vid,
            "fleet": v.get("fleet"),
            "vessel_name": v.get("vessel_name"),
            "imo": v.get("imo"),
            "vessel_type": v.get("vessel_type"),
            "nox_tier": v.get("nox_tier"),
            "vessel_operator_name": v.get("operator"),
            **contacts(v.get("extra")),
            "port": v.get("port"),
            "terminal": v.get("terminal"),
            "berth": v.get("berth"),
            "time_zone": tz,
            "arrival_local": local_iso(v["arrival"], tz),
            "departure_local": local_iso(v["departure"], tz),
            "berth_shift_from": shifts.get((vid, "from")),
            "berth_shift_to": shifts.get((vid, "to")),
            "caecs_type": _caecs_type(sp, cc),
            "caecs_system_id": _joined(c.get("system_id") for c in cc),
            "caecs_provider": _joined(c.get("provider") for c in cc),
            "ready_to_work_local": local_iso(v.get("ready_to_work"), tz),
            "caecs_begin_local": local_iso(min(starts, key=instant), tz) if starts else None,
            "caecs_end_local": local_iso(max(ends, key=instant), tz) if ends else None,
            "pilot_on_board_local": local_iso(v.get("pilot_on_board"), tz),
            "nox_inlet_ppm": max(inlet) if inlet else None,
            "nox_outlet_ppm": max(outlet) if outlet else None,
            "exceptions_used": _joined(e["kind"] for e in events),
            "exception_references": _joined(e.get("reference") for e in events),
            "approval_references": _joined(e.get("approval_ref") for e in events),
            "claims": _claims(events, v, tz),
            "verdict": res["verdict"],
            "basis": res["basis"],
            "uncontrolled_hours": hours(res.get("uncontrolled_hours")),
            "uncontrolled_minutes": visit_uncontrolled_minutes(res),
            "violation_days": res.get("violation_days"),
            "responsible": res.get("responsible"),
            "reason": reasons.get(vid),
            "due_date": due,
            "reported_at_local": local_iso(reported, tz),
            "reported_late": None if reported_day is None or due is None
            else reported_day.isoformat() > due,
            "pack": res["pack"],
            "run_id": run.run_id,
        }
        missing = []
        for col, required in columns:
            if required is None:
                continue
            if required == "regulated" and res["verdict"] not in REGULATED_VERDICTS:
                continue
            if required == "controlled" and not (sp or cc):
                continue
            if blank(row.get(col.name)):
                missing.append(col.name)
        row["record_complete"] = not missing
        row["missing_fields"] = ";".join(missing) or None
        rows.append(row)
    rows.sort(key=lambda r: (str(as_utc(visits[r["visit_id"]]["departure"])), r["visit_id"]))
    table = Table(f"{party}-visits", [c for c, _ in columns], rows)
    files = table_files(Path(params["out"]), [table])
    notes = [] if not elsewhere else [
        f"{sum(elsewhere.values())} visit(s) in scope at ports CARB At-Berth does not cover "
        f"left out ({', '.join(f'{p} {n}' for p, n in sorted(elsewhere.items()))}): a CARB "
        "visit report is for visits to California ports (the ports table's carb_at_berth)"]
    if not_ocean_going:
        notes.append(
            f"{sum(not_ocean_going.values())} visit(s) of vessels that are not ocean-going "
            f"({', '.join(f'{t} {n}' for t, n in sorted(not_ocean_going.items()))}) left out: "
            "not subject to the Control Measure (§ 93130.2(b)(7)), they have no visit report "
            "to make")
    return Built(files, len(rows), sum(1 for r in rows if not r["record_complete"]), notes)


def export_carb_visit_report(con, *, party: str, period: str, out: Path, fleet: str | None = None,
                             terminal: str | None = None, provider: str | None = None,
                             port: str | None = None,
                             operator: str | None = None) -> ExportOutcome:
    """`operator` (vessel party) keeps the visits whose `operator` it is, in or out of a fleet:
    the vessel operator reports each of its visits (§ 93130.7(e)(4)), a chartered ship in no
    fleet too, which `--fleet` cannot reach. It filters the rows of the period's run (with
    `--fleet`, of the fleet's), not the run's scope: the verdicts are those the port's check
    of the same visits gives."""
    from berthcheck.engine.scope import parse_scope, resolve_value, spelt_otherwise

    party = (party or "").strip().lower()
    if party not in PARTIES:
        raise UsageError(f"--party must be vessel, terminal or caecs, not {party!r}")
    check_table_format(out)
    if not period:
        raise UsageError("--period is required: YYYY-MM, YYYY-Qn or YYYY")
    given = [o for o, v in (("--fleet", fleet), ("--operator", operator),
                            ("--terminal", terminal), ("--provider", provider)) if v]
    allowed = {"vessel": ("--fleet", "--operator"), "terminal": ("--terminal",),
               "caecs": ("--provider",)}[party]
    if any(o not in allowed for o in given):
        raise UsageError(f"--party {party} takes {' and '.join(allowed)} only, not "
                         f"{', '.join(o for o in given if o not in allowed)}")
    if store.scalar(con, "SELECT count(*) FROM visits") == 0:
        raise UsageError("no visits loaded; use `berthcheck load visits FILE`")
    port_v = resolve_port(con, port)
    fleet_v = resolve_fleet(con, fleet)
    terminal_v = resolve_terminal(con, terminal)
    provider_v = resolve_provider(con, provider)
    operator_v = resolve_value(con, "--operator", operator, load_hint=None)
    scope = parse_scope(period, None, None, port_v, terminal_v, fleet_v)
    params = {"party": party, "period": scope.period, "port": port_v, "fleet": fleet_v,
              "terminal": terminal_v, "provider": provider_v, "out": Path(out).name}
    if operator_v is not None:  # only when given: an export without it keeps its id
        params["operator"] = operator_v
    outcome = make_export(con, kind=KIND, parameters=params, scope=scope, pack_id=PACK,
                          build=build, folder=Path(out).parent,
                          names=table_file_names(out, [f"{party}-visits"]))
    judged = store.scalar(con, "SELECT count(*) FROM run_results WHERE run_id = ? "
                               "AND verdict <> 'not_applicable'", [outcome.run_id])
    spelt = spelt_otherwise(con, "operator", operator_v)
    if spelt:  # as the run's warnings say it of --fleet
        outcome.warnings.append(spelt)
    if operator_v is not None and outcome.visits and not outcome.rows:
        outcome.warnings.append(
            f"no visit of operator {operator_v!r} among the {outcome.visits} visit(s) in scope "
            f"at California ports: the file holds none")
    if outcome.visits and not judged:  # rows of visits CARB does not regulate, said once
        outcome.warnings.append(
            f"{all_not_applicable(PACK, outcome.visits)} (not a California port, or not a "
            "regulated vessel type or terminal): "
            "the file holds no visit CARB regulates; see `berthcheck check` for each basis")
    return outcome
