"""`berthcheck sample --format dcsa-jit`: the sample month as DCSA JIT 2.0 JSON.

The month is generated as CSV (sample.py), loaded into a scratch store (so every time is an
exact instant), and written back out the way a port community system would send it: one Port
Call and one Terminal Call per visit, with the Port Call Services and `ACT` Timestamps that
`load dcsa-jit` reads (BERTH ARRI/DEPA, ALL_FAST, VESSEL_READY_FOR_CARGO_OPERATIONS, outbound
PILOTAGE STRT, SHORE_POWER STRT/CMPL pairs). What JIT does not carry goes beside it as CSV,
keyed to the JIT-derived visit ids (`<terminalCallID>/B1`): `details.csv` (fleet, operator,
shore-power capability, commissioning, NOx tier, tonnage, loads, call purpose, report date,
and the vessel type where JIT's typeCode cannot say it, e.g. reefer), `capture.csv`,
`events.csv`, `terminal_aliases.csv` (SMDG facility codes have at most 6 characters), and the
reference tables as they are. Shore power's metered energy and meter ids have no JIT field and
are not written (they change no verdict or hours; docs/interchange.md).

Same arguments -> byte-identical files (ids are UUID5 of the CSV visit ids).
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from berthcheck.errors import UsageError

NAMESPACE = uuid.UUID("6f1c1a52-3c1e-4b7e-9d0a-2f8b8c1e4a10")  # berthcheck sample ids
VISITS_PER_FILE = 10_000  # about 40 MB a file: under the loader's 64 MB limit for one payload
TYPE_CODES = {"container": "CONT", "passenger": "PASS", "roro": "RORO", "tanker": "TANK",
              "bulk": "BULK", "general_cargo": "GCGO"}
FALLBACK_CODE = "GCGO"  # reefer, ATB, other: JIT has no code; details.csv names the type
DETAIL_COLUMNS = ("fleet", "operator", "shore_power_capable", "commissioned", "nox_tier",
                  "gross_tonnage", "teu", "aux_power_kw", "boiler_power_kw", "reported_at",
                  "dwt", "passengers", "aux_engine_speed", "call_purpose")
REFERENCE_FILES = ("berths.csv", "terminals.csv", "caecs.csv", "allowances.csv")
_LOAD_ORDER = (("berths", "berths.csv"), ("terminals", "terminals.csv"), ("caecs", "caecs.csv"),
               ("allowances", "allowances.csv"), ("visits", "visits.csv"),
               ("shore-power", "shore_power.csv"))


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def facility_codes(terminals: list[str]) -> dict[str, str]:
    """The port's terminal code -> an SMDG-shaped facility code (at most 6 characters)."""
    codes: dict[str, str] = {}
    used: set[str] = set()
    for terminal in sorted(set(terminals)):
        code = terminal if len(terminal) <= 6 else terminal[:6]
        n = 1
        while code in used:
            code = terminal[:5] + str(n)
            n += 1
        used.add(code)
        codes[terminal] = code
    return codes


def _write_payload(path: Path, sections: dict[str, list[dict]]) -> None:
    """One object with the four endpoint keys; one JSON object per line (readable, compact)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("{")
        for i, key in enumerate(("portCalls", "terminalCalls", "portCallServices", "timestamps")):
            fh.write(("," if i else "") + f'\n"{key}": [')
            items = sections[key]
            for j, item in enumerate(items):
                fh.write(("," if j else "") + "\n" + json.dumps(item, separators=(",", ":"),
                                                                ensure_ascii=False))
            fh.write("\n]")
        fh.write("\n}\n")


def convert(source: Path, out_dir: Path, *, visits_per_file: int = VISITS_PER_FILE) -> dict[str, Path]:
    """A folder of sample CSV files -> JIT JSON + the CSV files JIT does not carry."""
    from berthcheck import store
    from berthcheck.ingest.load import load_files

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        con = store.connect(Path(scratch) / "convert.duckdb")
        try:
            for kind, name in _LOAD_ORDER:
                if (source / name).is_file():
                    # a generated month is clean; a benchmark's concatenated months may put a
                    # vessel at two berths at once: those rows are set aside, as its CSV load does
                    load_files(con, kind, [source / name], quarantine=True)
            visits = store.fetch_polars(con, """
                SELECT v.*, p.timezone FROM visits v JOIN ports p USING (port)
                ORDER BY v.departure, v.visit_id""")
            sessions = store.fetch_polars(
                con, "SELECT * FROM shore_power ORDER BY visit_id, connected")
        finally:
            con.close()
    codes = facility_codes(visits["terminal"].to_list())
    by_visit: dict[str, list[dict]] = {}
    for s in sessions.iter_rows(named=True):
        by_visit.setdefault(s["visit_id"], []).append(s)
    id_map: dict[str, str] = {}
    details: list[dict[str, str]] = []
    paths: dict[str, Path] = {}
    rows = list(visits.iter_rows(named=True))
    chunks = [rows[i:i + visits_per_file] for i in range(0, len(rows), visits_per_file)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        sections: dict[str, list[dict]] = {"portCalls": [], "terminalCalls": [],
                                           "portCallServices": [], "timestamps": []}
        for v in chunk:
            jit_id = _add_visit(sections, v, codes, by_visit.get(v["visit_id"], []))
            id_map[v["visit_id"]] = jit_id
            detail = {"visit_id": jit_id}
            if TYPE_CODES.get(v["vessel_type"]) is None:
                detail["vessel_type"] = v["vessel_type"]
            detail.update({c: _text(v[c]) for c in DETAIL_COLUMNS})
            details.append(detail)
        name = "jit.json" if len(chunks) == 1 else f"jit-{number:03d}.json"
        _write_payload(out_dir / name, sections)
        paths[name.removesuffix(".json")] = out_dir / name
    header = ["visit_id", "vessel_type", *DETAIL_COLUMNS]
    paths["details"] = _write_csv(out_dir / "details.csv", header, details)
    aliases = [{"port": port, "facility_code": codes[t], "terminal": t}
               for port, t in sorted(set(zip(visits["port"], visits["terminal"], strict=True)))
               if codes[t] != t]
    paths["terminal_aliases"] = _write_csv(out_dir / "terminal_aliases.csv",
                                           ["port", "facility_code", "terminal"], aliases)
    for name in ("capture.csv", "events.csv"):
        if (source / name).is_file():
            paths[name[:-4]] = _remap(source / name, out_dir / name, id_map)
    for name in REFERENCE_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, out_dir / name)
            paths[name[:-4]] = out_dir / name
    return paths


def _add_visit(sections, v: dict, codes: dict[str, str], sp_sessions: list[dict]) -> str:
    key = v["visit_id"]
    pc, tc = _id("pc", key), _id("tc", key)
    zone = ZoneInfo(v["timezone"])
    location = {"locationName": v["berth"], "UNLocationCode": v["port"],
                "facility": {"facilityCode": codes[v["terminal"]],
                             "facilityCodeListProvider": "SMDG"}}
    sections["portCalls"].append({
        "portCallID": pc, "UNLocationCode": v["port"],
        "vessel": {"vesselIMONumber": v["imo"], "name": v["vessel_name"],
                   "typeCode": TYPE_CODES.get(v["vessel_type"], FALLBACK_CODE)}})
    sections["terminalCalls"].append({
        "terminalCallID": tc, "portCallID": pc, "terminalCallReference": key,
        "carrierServiceName": "Sample service", "carrierServiceCode": "SMPL"})
    count = 0

    def event(stype: str, code: str, phase: str, when) -> None:
        nonlocal count
        count += 1
        service = _id("svc", key, str(count))
        sections["portCallServices"].append({
            "terminalCallID": tc, "portCallServiceID": service, "portCallServiceType": stype,
            "portCallServiceEventTypeCode": code, "portCallPhaseTypeCode": phase,
            "facilityTypeCode": "BRTH", "portCallServiceLocation": location})
        sections["timestamps"].append({
            "timestampID": _id("ts", key, str(count)), "portCallServiceID": service,
            "classifierCode": "ACT",
            "dateTime": when.astimezone(zone).isoformat(timespec="seconds")})

    event("BERTH", "ARRI", "INBD", v["arrival"])
    event("ALL_FAST", "ARRI", "ALGS", v["arrival"])
    if v["ready_to_work"] is not None:
        event("VESSEL_READY_FOR_CARGO_OPERATIONS", "ARRI", "ALGS", v["ready_to_work"])
    for s in sp_sessions:
        event("SHORE_POWER", "STRT", "ALGS", s["connected"])
        event("SHORE_POWER", "CMPL", "ALGS", s["disconnected"])
    if v["pilot_on_board"] is not None:
        event("PILOTAGE", "STRT", "OUTB", v["pilot_on_board"])
    event("BERTH", "DEPA", "OUTB", v["departure"])
    return f"{tc}/B1"


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _remap(source: Path, target: Path, id_map: dict[str, str]) -> Path:
    with open(source, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [dict(r, visit_id=id_map.get(r["visit_id"], r["visit_id"])) for r in reader]
    return _write_csv(target, header, rows)


def generate_jit(out_dir: Path, *, dirty: bool = False, **generate_args) -> dict[str, Path]:
    """`sample --format dcsa-jit`: generate the month as CSV, then write it as JIT."""
    from berthcheck.sample import generate

    if dirty:
        raise UsageError("--dirty is for the CSV format only")
    with tempfile.TemporaryDirectory() as scratch:
        generate(Path(scratch), **generate_args)
        return convert(Path(scratch), Path(out_dir))
