"""Wharfinger data (17 CCR § 93130.13(d)): every visit of a year at a port, with the six items
the port sends CARB by January 31 of the following year, and a summary of visit counts per
terminal and vessel type.

The summary has the columns of berthcheck's `visit-counts` input (year, holder_kind, holder,
port, vessel_type, visits, source), so next year it can be loaded as it is
(`berthcheck load visit-counts FILE-visit_counts.csv`) for the low-activity status
(§ 93130.10(a)). `visits` excludes innovative-concept visits, as the counts CARB uses do
(§ 93130.11(a)); `innovative_concept_visits` says how many were left out. A visit is one under an
innovative concept when it has an `innovative_concept` event, whole-visit or not, whatever its
verdict: the visits the pack leaves out of its own count (60_allowance), so the counts loaded
back give the allowance the visits give.
"""

from __future__ import annotations

import re
from pathlib import Path

from berthcheck import store
from berthcheck.errors import UsageError
from berthcheck.export.common import Built, ExportOutcome, make_export
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
    contacts,
    event_rows,
    local_iso,
    resolve_port,
    visit_rows,
)

KIND = "wharfinger"
PACK = "carb-at-berth-2020"
SHEETS = ("visits", "visit_counts")  # the tables: XLSX sheets; FILE.csv, FILE-visit_counts.csv
SOURCE = "17 CCR § 93130.13(d)"

VISIT_COLUMNS = [
    Column("visit_id", "string", "berthcheck's visit id", "berthcheck"),
    Column("vessel_name", "string", "vessel name", f"{SOURCE}(1)"),
    Column("vessel_type", "string", "vessel type (data contract enum)", f"{SOURCE}(2)"),
    Column("vessel_operator_name", "string", "company operating the vessel", f"{SOURCE}(3)"),
    Column("vessel_operator_address", "string", "its address", f"{SOURCE}(3)"),
    Column("vessel_operator_email", "string", "its email", f"{SOURCE}(3)"),
    Column("vessel_operator_phone", "string", "its telephone", f"{SOURCE}(3)"),
    Column("imo", "string", "IMO ship number", f"{SOURCE}(4)"),
    Column("port", "string", "port (UN/LOCODE)", "berthcheck"),
    Column("terminal", "string", "terminal", "berthcheck"),
    Column("berth", "string", "berth used", f"{SOURCE}(5)"),
    Column("time_zone", "string", "the port's IANA time zone", "berthcheck"),
    Column("tied_local", "datetime", "initially tied to the berth (first line), port-local",
           f"{SOURCE}(6)"),
    Column("released_local", "datetime", "released from the berth (last line), port-local",
           f"{SOURCE}(6)"),
    Column("innovative_concept", "boolean", "the visit used an innovative concept "
           "(left out of the visit counts)", "17 CCR § 93130.11(a)"),
    Column("due_date", "date", "Wharfinger data due: January 31 of the following year",
           SOURCE),
    Column("record_complete", "boolean", "every item of § 93130.13(d) is present", "berthcheck"),
    Column("missing_fields", "string", "items the inputs do not hold (`;`)", "berthcheck"),
    Column("pack", "string", "rule pack id and version of the run", "berthcheck"),
    Column("run_id", "string", "the berthcheck run the data was taken from", "berthcheck"),
]
REQUIRED = ("vessel_name", "vessel_type", "vessel_operator_name", "vessel_operator_address",
            "vessel_operator_email", "vessel_operator_phone", "imo", "berth", "tied_local",
            "released_local")

COUNT_COLUMNS = [
    Column("year", "integer", "calendar year (port-local departure)", "berthcheck visit-counts"),
    Column("holder_kind", "string", "always `terminal`", "berthcheck visit-counts"),
    Column("holder", "string", "terminal", "berthcheck visit-counts"),
    Column("port", "string", "port (UN/LOCODE)", "berthcheck visit-counts"),
    Column("vessel_type", "string", "vessel type", "berthcheck visit-counts"),
    Column("visits", "integer", "visits, innovative-concept visits excluded",
           "17 CCR §§ 93130.10(a), 93130.11(a)", unit="visits"),
    Column("source", "string", "always `wharfinger`", "berthcheck visit-counts"),
    Column("innovative_concept_visits", "integer", "innovative-concept visits left out",
           "17 CCR § 93130.11(a)", unit="visits"),
]


def build(con, run, params: dict) -> Built:
    year = int(params["year"])
    results = run.results
    ids = results["visit_id"].to_list()
    visits = visit_rows(con, ids)
    events = event_rows(con, ids)
    due = f"{year + 1}-01-31"
    rows = []
    counts: dict[tuple[str, str, str], list[int]] = {}
    for res in results.iter_rows(named=True):
        v = visits.get(res["visit_id"])
        if v is None:
            continue
        tz = v.get("port_timezone")
        # any claim, as the pack counts (its basis names only a whole-visit claim it honoured)
        innovative = any(e["kind"] == "innovative_concept" for e in events.get(res["visit_id"], []))
        row = {
            "visit_id": v["visit_id"],
            "vessel_name": v.get("vessel_name"),
            "vessel_type": v.get("vessel_type"),
            "vessel_operator_name": v.get("operator"),
            **{k: val for k, val in contacts(v.get("extra")).items()
               if k.startswith("vessel_operator")},
            "imo": v.get("imo"),
            "port": v.get("port"),
            "terminal": v.get("terminal"),
            "berth": v.get("berth"),
            "time_zone": tz,
            "tied_local": local_iso(v["arrival"], tz),
            "released_local": local_iso(v["departure"], tz),
            "innovative_concept": innovative,
            "due_date": due,
            "pack": res["pack"],
            "run_id": run.run_id,
        }
        missing = [c for c in REQUIRED if blank(row.get(c))]
        row["record_complete"] = not missing
        row["missing_fields"] = ";".join(missing) or None
        rows.append(row)
        key = (str(v.get("port")), str(v.get("terminal")), str(v.get("vessel_type")))
        tally = counts.setdefault(key, [0, 0])
        tally[1 if innovative else 0] += 1
    rows.sort(key=lambda r: (str(as_utc(visits[r["visit_id"]]["arrival"])), r["visit_id"]))
    summary = [
        {"year": year, "holder_kind": "terminal", "holder": terminal, "port": port,
         "vessel_type": vtype, "visits": n, "source": "wharfinger",
         "innovative_concept_visits": ic}
        for (port, terminal, vtype), (n, ic) in sorted(counts.items(),
                                                      key=lambda kv: tuple(map(str, kv[0])))
    ]
    tables = [Table(SHEETS[0], VISIT_COLUMNS, rows), Table(SHEETS[1], COUNT_COLUMNS, summary)]
    files = table_files(Path(params["out"]), tables)
    return Built(files, len(rows), sum(1 for r in rows if not r["record_complete"]))


def _check_carb_port(con, port: str | None) -> None:
    """Wharfinger data is a California port's (§ 93130.13(d)): a port the ports table does not
    flag carb_at_berth has none to send, and its visits are no rows of the CARB visit report
    either (export carb-visit-report) nor judged by the pack (port_not_covered)."""
    covered = store.run(con, "SELECT carb_at_berth FROM ports WHERE port = ?", [port])
    if covered and covered[0][0]:
        return
    why = ("the ports table's carb_at_berth is false" if covered
           else "the ports table has no row for it")
    raise UsageError(
        f"--port {port}: CARB At-Berth does not cover this port ({why}): Wharfinger data "
        "(17 CCR § 93130.13(d)) is a California port's; load a `ports` row with "
        "carb_at_berth = true if the port is one")


def export_wharfinger(con, *, year: str, port: str, out: Path) -> ExportOutcome:
    from berthcheck.engine.scope import parse_scope

    check_table_format(out)
    if not re.fullmatch(r"[0-9]{4}", str(year or "")):  # ASCII, as --period (engine/scope.py)
        raise UsageError(f"--year must be YYYY, not {year!r}")
    if not port:
        raise UsageError("--port is required (UN/LOCODE)")
    if store.scalar(con, "SELECT count(*) FROM visits") == 0:
        raise UsageError("no visits loaded; use `berthcheck load visits FILE`")
    port_v = resolve_port(con, port)
    _check_carb_port(con, port_v)
    scope = parse_scope(str(year), None, None, port_v, None, None)
    params = {"year": int(year), "port": port_v, "out": Path(out).name}
    return make_export(con, kind=KIND, parameters=params, scope=scope, pack_id=PACK,
                       build=build, folder=Path(out).parent,
                       names=table_file_names(out, list(SHEETS)))
