"""Monthly at-berth indicators as a Frictionless Data Package (datapackage.json + CSV).

One row per port, month (of the port-local departure, as every period in berthcheck) and
vessel type: visits by verdict, regulated visits (judged: compliant + non_compliant, as the
report's summary), compliance rate, shore-power and capture hours and kWh, uncontrolled hours,
and emissions at berth, in excess and avoided. Every row names the pack, its version and the
run, and the package's `berthcheck` property says the same, so partner ports can check that
they compare numbers computed the same way (`berthcheck compare` refuses packages whose pack
id or version differ).

The table schema gives every field its type, unit and definition (docs/interchange.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from berthcheck import __version__, store
from berthcheck.errors import UsageError
from berthcheck.export.common import Built, ExportOutcome, make_export
from berthcheck.export.files import Column, Table, csv_bytes, zip_bytes
from berthcheck.export.source import local_date, resolve_port, visit_rows
from berthcheck.ingest.kinds import VESSEL_TYPES

KIND = "indicators"
RESOURCE = "indicators"
CSV_NAME = "indicators.csv"
PACKAGE_NAME = "datapackage.json"
POLLUTANTS = ("nox", "pm25", "rog", "co2")
# the fields whose values the data contract enumerates (its visits' vessel_type)
ENUMS = {"vessel_type": VESSEL_TYPES}
# the fields whose values have a shape of the contract's: a port is a UN/LOCODE, as `load`
# holds it (schemas.LOCODE, here without anchors: a table schema's pattern matches whole)
PATTERNS = {"port": ("[A-Z]{2}[A-Z2-9]{3}", "not a UN/LOCODE (e.g. JPNGO)")}
VERDICT_COUNTS = ("compliant", "non_compliant", "insufficient_data", "exempt", "not_applicable")


def _c(name, type_, description, unit=None) -> Column:
    return Column(name, type_, description, "berthcheck run", True, unit)


COLUMNS = [
    _c("port", "string", "port (UN/LOCODE)"),
    _c("month", "yearmonth", "month of the visits' departure in the port's local time (its "
       "IANA time zone: $.berthcheck.time_zones)"),
    _c("vessel_type", "string", "vessel type (berthcheck data contract enum)"),
    _c("visits", "integer", "visits departing in the month", "visits"),
    *[_c(f"{v}_visits", "integer", f"visits with verdict {v}", "visits")
      for v in VERDICT_COUNTS],
    _c("regulated_visits", "integer",
       "visits judged on control: compliant + non_compliant", "visits"),
    _c("compliance_rate", "number",
       "compliant / regulated visits x 100 (empty without regulated visits)", "%"),
    _c("shore_power_hours", "number", "hours on shore power", "h"),
    _c("capture_hours", "number", "hours under capture-and-control", "h"),
    _c("controlled_hours", "number", "hours of the control windows covered by control", "h"),
    _c("uncontrolled_hours", "number",
       "hours of the control windows not controlled, after excused parts", "h"),
    _c("excused_hours", "number", "hours excused (emergency, remediation, ...)", "h"),
    _c("shore_power_kwh", "number",
       "shore-power energy: metered where the sessions carry energy_kwh, else estimated "
       "(auxiliary load x shore-power hours)", "kWh"),
    _c("shore_power_kwh_metered_share", "number",
       "share of the visits with shore power whose energy is metered", "%"),
    _c("capture_kwh", "number",
       "auxiliary-engine energy under capture (auxiliary load x capture hours, estimated)",
       "kWh"),
    *[_c(f"{kind}_{p}_kg", "number", f"{label} {p.upper()}", "kg")
      for kind, label in (("at_berth", "emitted at berth:"),
                          ("excess", "emitted in excess (uncontrolled hours):"),
                          ("avoided", "avoided by control:"))
      for p in POLLUTANTS],
    _c("pack", "string", "rule pack id"),
    _c("pack_version", "string", "rule pack version"),
    _c("run_id", "string", "the berthcheck run the row was computed from"),
]


def _sum(rows: list[dict], name: str) -> float:
    return float(sum(r.get(name) or 0.0 for r in rows))


def indicator_rows(results, months: dict[str, str], pack) -> list[dict]:
    """Indicator rows from run results; `months` maps visit id -> YYYY-MM (port-local)."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in results.iter_rows(named=True):
        key = (r.get("port") or "", months.get(r["visit_id"], ""), r.get("vessel_type") or "")
        groups.setdefault(key, []).append(r)
    out = []
    for (port, month, vtype), rows in sorted(groups.items()):
        counts = {v: sum(1 for r in rows if r["verdict"] == v) for v in VERDICT_COUNTS}
        regulated = counts["compliant"] + counts["non_compliant"]
        sp_rows = [r for r in rows if (r.get("shore_power_hours") or 0) > 0]
        metered = [r for r in sp_rows if r.get("shore_power_energy_kwh_metered") is not None]
        # a pack whose rule is not about time at berth without control gives no window hours
        # (docs/packs.md 6): a group whose judged visits have none leaves them (and the excess
        # they make) empty rather than sum them to 0 (engine.output_columns.hours_given's rule,
        # over the group's rows: a frame per group would convert every result row again)
        judged = [r for r in rows if r["verdict"] in ("compliant", "non_compliant")]

        def given(column: str, judged=judged) -> bool:  # each column by itself
            return not judged or any(r.get(column) is not None for r in judged)
        sp_kwh = sum((r["shore_power_energy_kwh_metered"]
                      if r.get("shore_power_energy_kwh_metered") is not None
                      else r.get("shore_power_energy_kwh_estimated") or 0.0) for r in sp_rows)
        row = {
            "port": port, "month": month, "vessel_type": vtype, "visits": len(rows),
            **{f"{v}_visits": counts[v] for v in VERDICT_COUNTS},
            "regulated_visits": regulated,
            "compliance_rate": round(100.0 * counts["compliant"] / regulated, 4)
            if regulated else None,
            "shore_power_hours": _sum(rows, "shore_power_hours"),
            "capture_hours": _sum(rows, "capture_hours"),
            "controlled_hours": _sum(rows, "controlled_hours") if given("controlled_hours")
            else None,
            "uncontrolled_hours": _sum(rows, "uncontrolled_hours")
            if given("uncontrolled_hours") else None,
            "excused_hours": _sum(rows, "excused_hours") if given("excused_hours") else None,
            "shore_power_kwh": float(sp_kwh),
            "shore_power_kwh_metered_share": round(100.0 * len(metered) / len(sp_rows), 4)
            if sp_rows else None,
            "capture_kwh": float(sum((r.get("aux_power_kw_used") or 0.0)
                                     * (r.get("capture_hours") or 0.0) for r in rows)),
            "pack": pack.id, "pack_version": pack.version,
        }
        for kind in ("at_berth", "excess", "avoided"):
            for p in POLLUTANTS:
                name = f"{kind}_{p}_kg"
                row[name] = (_sum(rows, name) if name in rows[0]
                             and (kind != "excess" or given("uncontrolled_hours")) else None)
        out.append(row)
    return out


def schema_field(col: Column) -> dict:
    field: dict = {"name": col.name, "type": col.type, "description": col.description}
    if col.unit:
        field["unit"] = col.unit
    if col.name in ("port", "month", "vessel_type", "visits", "pack", "pack_version", "run_id"):
        field["constraints"] = {"required": True}
    if col.type in ("integer", "number") and col.name != "compliance_rate":
        field.setdefault("constraints", {})["minimum"] = 0
    if col.name in ("compliance_rate", "shore_power_kwh_metered_share"):
        field["constraints"] = {"minimum": 0, "maximum": 100}
    if col.name in ENUMS:  # so a partner's tools (and `compare`) can hold a package to it
        field.setdefault("constraints", {})["enum"] = list(ENUMS[col.name])
    if col.name in PATTERNS:
        field.setdefault("constraints", {})["pattern"] = PATTERNS[col.name][0]
    return field


def package_descriptor(run, params: dict, csv_data: bytes,
                       time_zones: dict[str, str] | None = None) -> dict:
    """`time_zones`: port -> the IANA zone its months are counted in, so a partner in another
    zone reads "2026-10" as the port meant it (a departure at 23:30 JST on 31 October is
    October in Nagoya, 31 October 07:30 in Los Angeles)."""
    import hashlib

    scope = run.scope
    # "all ports" of the exporting store names nothing to a partner: its rows' ports do
    # (Los Angeles' and Nagoya's packages were both "all ports")
    ports = sorted(time_zones or {})
    label = params.get("port") or (
        "all ports" + (f" ({', '.join(ports)})" if 0 < len(ports) <= 5
                       else f" ({len(ports)})" if ports else ""))
    return {
        "name": re.sub(r"[^a-z0-9._]+", "-",
                       f"berthcheck-indicators-{label}-{scope.period}".lower()).strip("-"),
        "title": f"At-berth indicators, {label}, {scope.period}",
        "description": "Monthly at-berth indicators by port, month (of the departure in the "
                       "port's local time: $.berthcheck.time_zones) and vessel type, computed "
                       "by berthcheck from one check run under the rule pack "
                       "$.berthcheck.pack at $.berthcheck.pack_version. Definitions: "
                       "berthcheck's docs/interchange.md, \"Reading a partner's package\".",
        "profile": "tabular-data-package",
        "berthcheck": {"version": __version__, "pack": run.pack.id,
                       "pack_version": run.pack.version, "pack_hash": run.pack.hash or None,
                       "run_id": run.run_id,
                       "period": scope.period, "port": params.get("port"),
                       "time_zones": dict(sorted((time_zones or {}).items()))},
        "resources": [{
            "name": RESOURCE,
            "path": CSV_NAME,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "hash": f"sha256:{hashlib.sha256(csv_data).hexdigest()}",
            "bytes": len(csv_data),
            "schema": {
                "fields": [schema_field(c) for c in COLUMNS],
                "primaryKey": ["port", "month", "vessel_type"],
                "missingValues": [""],
            },
        }],
    }


def build(con, run, params: dict) -> Built:
    results = run.results
    visits = visit_rows(con, results["visit_id"].to_list())
    months = {}
    zones = {}
    for vid, v in visits.items():
        zones[v["port"]] = v.get("port_timezone") or "UTC"  # local_date's zone for the port
        day = local_date(v["departure"], v.get("port_timezone"))
        months[vid] = day.strftime("%Y-%m") if day else ""
    port = params.get("port")
    if port and port not in zones:  # a month of no visit at the port: still the port's zone
        zones[port] = store.scalar(con, "SELECT timezone FROM ports WHERE port = ?",
                                   [port]) or "UTC"
    rows = indicator_rows(results, months, run.pack)
    for r in rows:
        r["run_id"] = run.run_id
    csv_data = csv_bytes(Table(RESOURCE, COLUMNS, rows))
    descriptor = package_descriptor(run, params, csv_data, zones)
    package = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files = {PACKAGE_NAME: package, CSV_NAME: csv_data}
    if params["format"] == "zip":
        files = {params["out"]: zip_bytes(files)}
    return Built(files, len(rows), 0)


def export_indicators(con, *, period: str, out: Path, port: str | None = None,
                      pack: str | None = None) -> ExportOutcome:
    """The indicators of the run for `pack`; without one, of the pack the ports in scope
    call for (`pack_choice.pack_for_scope`), said in the outcome's notes."""
    from berthcheck.engine.scope import parse_scope

    out = Path(out)
    if not period:
        raise UsageError("--period is required: YYYY-MM, YYYY-Qn or YYYY")
    fmt = "zip" if out.suffix.lower() == ".zip" else "dir"
    if fmt == "dir" and out.suffix:
        raise UsageError(f"--out {str(out)!r}: give a folder or a FILE.zip")
    if fmt == "dir" and out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if store.scalar(con, "SELECT count(*) FROM visits") == 0:
        raise UsageError("no visits loaded; use `berthcheck load visits FILE`")
    port_v = resolve_port(con, port)
    scope = parse_scope(period, None, None, port_v, None, None)
    notes = []
    if pack is not None and not pack.strip():  # `--pack "$PACK"` with PACK unset
        raise UsageError(f"--pack is empty ({pack!r}): give a pack, or leave --pack out for "
                         "the pack of the ports in scope")
    if pack is None:
        from berthcheck.engine.pack_choice import chosen_pack

        # "of the ports in scope" only when the scope holds visits (a month without calls
        # takes the loaded visits' ports: pack_choice.chosen_pack)
        pack, whose = chosen_pack(con, scope)
        notes.append(f"--pack {pack}: {whose} (give --pack to choose another)")
    params = {"period": scope.period, "port": port_v, "pack": pack, "format": fmt,
              "out": out.name}
    folder = out.parent if fmt == "zip" else out
    outcome = make_export(con, kind=KIND, parameters=params, scope=scope, pack_id=pack,
                          build=build, folder=folder,
                          names=[out.name] if fmt == "zip" else [PACKAGE_NAME, CSV_NAME])
    outcome.notes += notes
    if not outcome.visits and port_v is None:
        # no row, no time zone, titled "all ports": a partner cannot tell whose it is
        known = [r[0] for r in con.execute("SELECT DISTINCT port FROM visits ORDER BY port "
                                           "LIMIT 1").fetchall()]
        example = f" (e.g. --port {known[0]})" if known else ""
        outcome.notes.append(f"no visit in scope, so the package has no rows and names no "
                             f"port: give --port{example} so your partner sees whose month "
                             "without calls it is")
    judged = store.scalar(con, "SELECT count(*) FROM run_results WHERE run_id = ? "
                               "AND verdict <> 'not_applicable'", [outcome.run_id])
    if outcome.visits and not judged:  # a partner port exporting under its partner's pack
        from berthcheck.engine.pack_choice import all_not_applicable

        outcome.notes.append(
            # the pack's id (as the package names it), not a folder given as --pack PATH
            f"{all_not_applicable(outcome.pack or pack, outcome.visits)}: the package counts "
            "their visits, "
            "hours and emissions, with no regulated visit, so no compliance rate and no "
            "uncontrolled hours (docs/interchange.md, \"Reading a partner's package\")")
    return outcome
