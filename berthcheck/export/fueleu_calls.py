"""FuelEU Maritime per-call records for a verifier (Regulation (EU) 2023/1805, Art. 15(1)(a),
(b), (d) for the ships Art. 6 applies to, and the Art. 23 penalty).

One row per stay at berth in scope of Art. 6 (every verdict except `not_applicable`; the stays
of one port call share `port` and `port_call`, and its penalty is on one of them, `penalty_on`): the ship,
port and berth, arrival and departure in UTC and port-local time, the stay, OPS connection
time and metered OPS energy, the exceptions claimed with their references, the claim that
exempts an exempt stay (which may be recorded on another stay of its port call), the use of a
yearly-capped exception and whether the cap honoured it, the non-compliant
hours, the power demand used and where it came from, and the penalty. A record lacking what
Art. 15(1) asks to be monitored (or, for a non-compliant call, the power demand) is marked
incomplete with the missing fields named.
"""

from __future__ import annotations

from pathlib import Path

from berthcheck import store
from berthcheck.errors import UsageError
from berthcheck.export.common import Built, ExportOutcome, hours, make_export
from berthcheck.export.files import (
    Column,
    Table,
    check_table_format,
    table_file_names,
    table_files,
)
from berthcheck.export.source import (
    blank,
    event_rows,
    instant,
    local_iso,
    resolve_port,
    shore_power_rows,
    utc_iso,
    visit_rows,
)

KIND = "fueleu-calls"
PACK = "fueleu-art6"
SHEET = "port-calls"  # the table's name: the XLSX sheet
ART15 = "Reg. (EU) 2023/1805 Art. 15(1)"
EXCEPTION_KINDS = ("zero_emission_tech", "unscheduled_call", "ops_unavailable",
                   "ops_incompatible", "emergency")

COLUMNS = [
    Column("visit_id", "string", "berthcheck's visit id", "berthcheck"),
    Column("imo", "string", "ship IMO number", ART15),
    Column("vessel_name", "string", "ship name", "berthcheck"),
    Column("vessel_type", "string", "container or passenger (Art. 6(4))", "Reg. (EU) 2023/1805 Art. 6(4)"),
    Column("gross_tonnage", "number", "gross tonnage (Art. 6 applies above 5 000 GT)",
           "Reg. (EU) 2023/1805 Art. 2(1)", unit="GT"),
    Column("call_purpose", "string", "why the ship called (port of call or not)", "berthcheck"),
    Column("port_call", "string",
           "the port call the stay belongs to (stays at one port sharing it are one call; the "
           "same value at another port is another call; empty = the stay alone)", "berthcheck"),
    Column("port", "string", "port of call (UN/LOCODE)", f"{ART15}(a)"),
    Column("terminal", "string", "terminal", "berthcheck"),
    Column("berth", "string", "berth", "berthcheck"),
    Column("time_zone", "string", "the port's IANA time zone", "berthcheck"),
    Column("arrival_utc", "datetime", "arrival at the berth, UTC", f"{ART15}(a)"),
    Column("departure_utc", "datetime", "departure from the berth, UTC", f"{ART15}(a)"),
    Column("arrival_local", "datetime", "arrival, port-local with offset", f"{ART15}(a)"),
    Column("departure_local", "datetime", "departure, port-local with offset", f"{ART15}(a)"),
    Column("stay_hours", "number", "duration of the stay at berth", f"{ART15}(a)", unit="h"),
    Column("ops_connection_hours", "number", "hours on on-shore power during the stay",
           f"{ART15}(b)", unit="h"),
    Column("ops_first_connected_utc", "datetime", "first OPS connection, UTC", f"{ART15}(b)"),
    Column("ops_last_disconnected_utc", "datetime", "last OPS disconnection, UTC",
           f"{ART15}(b)"),
    Column("ops_energy_kwh", "number", "electricity delivered via OPS (metered sessions)",
           f"{ART15}(d)", unit="kWh"),
    Column("exceptions_claimed", "string", "Art. 6(5) exceptions claimed (event kinds, `;`)",
           f"{ART15}(b)"),
    Column("exception_references", "string", "the claims' references (`;`)", f"{ART15}(b)"),
    Column("exception_approvals", "string",
           "the competent authority's confirmations (`;`)", "Reg. (EU) 2023/1805 Art. 6(9)(a)",
           confirmed=False,
           note="the English text of Art. 6(9) was not retrieved; what a confirmation carries "
           "is unverified"),
    Column("exemption_events", "string",
           "exempt rows: the events (event_id, `;`) whose Art. 6(5) claim exempts the port "
           "call, recorded on this stay or on another stay of its port call", "berthcheck run"),
    Column("exemption_claimed_on", "string",
           "exempt rows: the stays (visit_id, `;`) those events are recorded on; another stay "
           "of the port call for a stay exempt by its call-mate's unscheduled call, whose "
           "exceptions_claimed is then empty", "berthcheck run"),
    Column("exemption_references", "string", "exempt rows: those events' references (`;`)",
           f"{ART15}(b)"),
    Column("excused_hours", "number", "hours excused by the exceptions", "berthcheck run",
           unit="h"),
    # a verifier checks the yearly cap on ops_unavailable / ops_incompatible claims with these
    Column("capped_exception_use", "integer",
           "stays whose time not on OPS an ops_unavailable or ops_incompatible event covers: "
           "the port call's number among the ship's uses of those yearly-capped exceptions "
           "in the calendar year of its port-local departure (a port call is one use), "
           "counted over every loaded call in order of arrival", "Reg. (EU) 2023/1805 Art. 6",
           confirmed=False,
           note="the adopted paragraph capping these exceptions was not retrieved; counting "
           "per ship and calendar year is the pack's reading (pack fueleu-art6: "
           "capped_exception_kinds, capped_exception_count_per)"),
    Column("capped_exception_honoured", "boolean",
           "that use is within the yearly limit, so the event excuses the time it covers; "
           "false: beyond it, it excuses nothing (finding FE08)", "Reg. (EU) 2023/1805 Art. 6",
           confirmed=False,
           note="the limit (5 uses a year, from the Council compromise of March 2022) is "
           "UNCONFIRMED (pack fueleu-art6: capped_exception_limit)"),
    Column("verdict", "string", "berthcheck's verdict on the call", "berthcheck run"),
    Column("basis", "string", "why (data contract § 4)", "berthcheck run"),
    Column("assessed_from_utc", "datetime",
           "start of the stay under the obligation (after arrival for a call straddling the "
           "start of Art. 6)", "berthcheck run"),
    Column("assessed_to_utc", "datetime",
           "end of the stay under the obligation (before departure for a call straddling the "
           "end of a Member State decision, Art. 6(3))", "berthcheck run"),
    Column("non_compliant_hours", "number", "hours neither on OPS nor excused",
           "berthcheck run", unit="h"),
    Column("late_connection_minutes", "number",
           "non-compliant minutes before the first OPS connection", "berthcheck run",
           unit="min"),
    Column("gap_minutes", "number", "non-compliant minutes between OPS sessions",
           "berthcheck run", unit="min"),
    Column("early_disconnection_minutes", "number",
           "non-compliant minutes after the last OPS disconnection", "berthcheck run",
           unit="min"),
    Column("no_ops_minutes", "number", "non-compliant minutes of a stay without any OPS",
           "berthcheck run", unit="min"),
    Column("non_compliant_hours_billed", "number",
           "hours the penalty bills, rounded up to whole hours",
           "Reg. (EU) 2023/1805 Art. 23(4)", confirmed=False, unit="h",
           note="which hours (non-compliant or the whole stay) and the rounding up are "
           "UNCONFIRMED (pack fueleu-art6: penalty_hours, non_compliant_hours_rounding)"),
    Column("power_demand_kw", "number", "electrical power demand at berth used",
           "Reg. (EU) 2023/1805 Art. 23(4)", confirmed=False, unit="kW",
           note="installed vs. demand power at berth is UNCONFIRMED (pack fueleu-art6)"),
    Column("power_demand_source", "string",
           "given (visit's aux_power_kw) or the factor tables' default", "berthcheck run"),
    Column("penalty_on", "string",
           "the row (visit_id) that carries the port call's billed hours and penalty",
           "berthcheck run"),
    Column("penalty", "number", "penalty for the non-compliant call",
           "Reg. (EU) 2023/1805 Art. 23(4)", confirmed=False, unit="EUR",
           note="EUR 1.5 x kW x hours is UNCONFIRMED against the English text (pack fueleu-art6)"),
    Column("currency", "string", "currency of the penalty", "berthcheck"),
    Column("record_complete", "boolean", "what Art. 15(1) asks to be monitored is present",
           "berthcheck"),
    Column("missing_fields", "string", "fields the inputs do not hold (`;`)", "berthcheck"),
    Column("pack", "string", "rule pack id and version of the run", "berthcheck"),
    Column("run_id", "string", "the berthcheck run the records come from", "berthcheck"),
]


def build(con, run, params: dict) -> Built:
    results = run.results
    currency = getattr(run.pack, "currency", None)
    ids = results["visit_id"].to_list()
    visits = visit_rows(con, ids)
    sp_rows = shore_power_rows(con, ids)
    ev_rows = event_rows(con, ids)
    # a stay exempt by its call-mate's claim: the mate may be outside the period's visits
    claim_rows = event_rows(con, sorted({v for res in results.iter_rows(named=True)
                                         for v in _split(res.get("exemption_claimed_on"))}))
    rows = []
    for res in results.iter_rows(named=True):
        if res["verdict"] == "not_applicable":
            continue
        v = visits.get(res["visit_id"])
        if v is None:
            continue
        tz = v.get("port_timezone")
        sp = sp_rows.get(v["visit_id"], [])
        events = [e for e in ev_rows.get(v["visit_id"], []) if e["kind"] in EXCEPTION_KINDS]
        metered = [s["energy_kwh"] for s in sp if s.get("energy_kwh") is not None]
        ops_hours = res.get("shore_power_hours")
        if ops_hours is None:
            ops_hours = res.get("controlled_hours")
        row = {
            "visit_id": v["visit_id"],
            "imo": v.get("imo"),
            "vessel_name": v.get("vessel_name"),
            "vessel_type": v.get("vessel_type"),
            "gross_tonnage": v.get("gross_tonnage"),
            "call_purpose": v.get("call_purpose") or "cargo",
            "port_call": v.get("port_call"),
            "port": v.get("port"),
            "terminal": v.get("terminal"),
            "berth": v.get("berth"),
            "time_zone": tz,
            "arrival_utc": utc_iso(v["arrival"]),
            "departure_utc": utc_iso(v["departure"]),
            "arrival_local": local_iso(v["arrival"], tz),
            "departure_local": local_iso(v["departure"], tz),
            "stay_hours": hours((instant(v["departure"]) - instant(v["arrival"])).total_seconds()
                                / 3600),
            "ops_connection_hours": hours(ops_hours),
            "ops_first_connected_utc": utc_iso(min((s["connected"] for s in sp), key=instant))
            if sp else None,
            "ops_last_disconnected_utc": utc_iso(max((s["disconnected"] for s in sp),
                                                     key=instant)) if sp else None,
            "ops_energy_kwh": hours(sum(metered)) if metered else None,
            "exceptions_claimed": ";".join(e["kind"] for e in events) or None,
            "exception_references": ";".join(e["reference"] for e in events
                                             if not blank(e.get("reference"))) or None,
            "exception_approvals": ";".join(e["approval_ref"] for e in events
                                            if not blank(e.get("approval_ref"))) or None,
            **_exemption(res, claim_rows),
            "excused_hours": hours(res.get("excused_hours")),
            "capped_exception_use": res.get("capped_exception_use"),
            "capped_exception_honoured": res.get("capped_exception_honoured"),
            "verdict": res["verdict"],
            "basis": res["basis"],
            "assessed_from_utc": utc_iso(res.get("window_start")),
            "assessed_to_utc": utc_iso(res.get("window_end")),
            "non_compliant_hours": hours(res.get("non_compliant_hours",
                                                 res.get("uncontrolled_hours"))),
            # why a non-compliant call fell short (empty on any other verdict)
            "late_connection_minutes": res.get("late_connection_minutes"),
            "gap_minutes": res.get("gap_minutes"),
            "early_disconnection_minutes": res.get("early_disconnection_minutes"),
            "no_ops_minutes": res.get("no_ops_minutes"),
            "non_compliant_hours_billed": res.get("non_compliant_hours_billed"),
            "power_demand_kw": res.get("power_demand_kw"),
            "power_demand_source": res.get("power_source"),
            "penalty_on": res.get("penalty_on"),
            "penalty": res.get("penalty"),
            "currency": currency if res.get("penalty") is not None else None,
            "pack": res["pack"],
            "run_id": run.run_id,
        }
        missing = [c for c in ("imo", "port", "arrival_utc", "departure_utc", "gross_tonnage")
                   if blank(row.get(c))]
        if sp and row["ops_energy_kwh"] is None:
            missing.append("ops_energy_kwh")  # Art. 15(1)(d): the electricity delivered
        if res["verdict"] == "non_compliant" and row["power_demand_kw"] is None:
            missing.append("power_demand_kw")
        row["record_complete"] = not missing
        row["missing_fields"] = ";".join(missing) or None
        rows.append(row)
    rows.sort(key=lambda r: (r["departure_utc"] or "", r["visit_id"]))
    files = table_files(Path(params["out"]), [Table(SHEET, COLUMNS, rows)])
    return Built(files, len(rows), sum(1 for r in rows if not r["record_complete"]))


def _split(joined: str | None) -> list[str]:
    return [] if joined is None else joined.split(";")


def _exemption(res: dict, claim_rows: dict[str, list[dict]]) -> dict:
    """The claim that exempts the stay (pack 1.2.5's exemption_events / exemption_claimed_on):
    its events, the stays they are recorded on and their references."""
    wanted = set(_split(res.get("exemption_events")))
    claims = [e for v in _split(res.get("exemption_claimed_on"))
              for e in claim_rows.get(v, []) if e["event_id"] in wanted]
    return {
        "exemption_events": res.get("exemption_events"),
        "exemption_claimed_on": res.get("exemption_claimed_on"),
        "exemption_references": ";".join(e["reference"] for e in claims
                                         if not blank(e.get("reference"))) or None,
    }


def export_fueleu_calls(con, *, period: str, out: Path, port: str | None = None) -> ExportOutcome:
    from berthcheck.engine.scope import parse_scope

    check_table_format(out)
    if not period:
        raise UsageError("--period is required: YYYY-MM, YYYY-Qn or YYYY")
    if store.scalar(con, "SELECT count(*) FROM visits") == 0:
        raise UsageError("no visits loaded; use `berthcheck load visits FILE`")
    port_v = resolve_port(con, port)
    scope = parse_scope(period, None, None, port_v, None, None)
    params = {"period": scope.period, "port": port_v, "out": Path(out).name}
    outcome = make_export(con, kind=KIND, parameters=params, scope=scope, pack_id=PACK,
                          build=build, folder=Path(out).parent,
                          names=table_file_names(out, [SHEET]))
    if outcome.visits and not outcome.rows:  # an empty file is not "no calls that month"
        outcome.warnings.append(
            f"none of the {outcome.visits} visit(s) in scope is a port call under FuelEU Art. 6 "
            f"(pack {PACK}: every one not_applicable); are the ports in the EU or EEA? "
            "See `berthcheck check --pack fueleu-art6` for the reasons")
    return outcome
