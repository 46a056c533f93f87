"""Reading DCSA JIT 2.0 JSON: the four collections across files, every field checked.

What the JIT 2.0 `GET` endpoints return (schemas `PortCall`, `TerminalCall`, `PortCallService`,
`Timestamp` of dcsaorg/DCSA-OpenAPI `jit/v2/JIT_v2.0.0.yaml`): an array of one kind per file, or
one object with the keys `portCalls`, `terminalCalls`, `portCallServices`, `timestamps`. Each
object keeps its place (file and JSON path) for messages and lineage. Deriving visits from them
is dcsa_jit.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.ingest import control_chars

# One JIT payload (file) at most this size. A GET response page is far smaller; a bigger file
# is refused with a message rather than read into memory whole (json parses whole documents).
# Split larger exports into several files: one load reads them together.
DEFAULT_MAX_MB = 64
MAX_MB_ENV = "BERTHCHECK_JIT_MAX_MB"

ENDPOINT_KEYS = ("portCalls", "terminalCalls", "portCallServices", "timestamps")

# JIT 2.0 Vessel.typeCode -> the contract's vessel_type. INFERENCE: JIT has no reefer,
# no ATB and no tanker sub-types; ferries are carried as passenger ships, car carriers as ro-ro,
# assistance and pilot boats as other. A details file overrides any of them per visit.
VESSEL_TYPE_CODES = {
    "CONT": "container",
    "PASS": "passenger",
    "FERY": "passenger",
    "RORO": "roro",
    "CARC": "roro",
    "TANK": "tanker",
    "LGTK": "tanker",
    "BULK": "bulk",
    "GCGO": "general_cargo",
    "ASSI": "other",
    "PILO": "other",
}
CLASSIFIERS = ("ACT", "EST", "PLN", "REQ")
EVENT_CODES = ("STRT", "CMPL", "ARRI", "DEPA")
PHASE_CODES = ("INBD", "ALGS", "SHIF", "OUTB")
SERVICE_TYPES = (
    "BERTH", "CARGO_OPERATIONS", "PILOTAGE", "TOWAGE", "MOORING", "BUNKERING",
    "PILOT_BOARDING_PLACE", "ANCHORAGE", "SLUDGE", "SEA_PASSAGE", "ALL_FAST",
    "GANGWAY_DOWN_AND_SECURE", "VESSEL_READY_FOR_CARGO_OPERATIONS", "VESSEL_READY_TO_SAIL",
    "DISCHARGE_CARGO_OPERATIONS", "LOADING_CARGO_OPERATIONS", "LASHING", "SAFETY",
    "ANCHORAGE_OPERATIONS", "SHORE_POWER", "MOVES",
)
_OWNER_KEYS = {"portCalls": ("pc", "portCallID"), "terminalCalls": ("tc", "terminalCallID"),
               "portCallServices": ("tc", "terminalCallID"),
               "timestamps": ("svc", "portCallServiceID")}
_SERVICE_SET = frozenset(SERVICE_TYPES)
_EVENT_SET = frozenset(EVENT_CODES)
_PHASE_SET = frozenset(PHASE_CODES)
_CLASSIFIER_SET = frozenset(CLASSIFIERS)
# (service type, event code[, phase]) -> what it gives a visit. Everything else is read,
# checked and counted as not used.
ALL_FAST = ("ALL_FAST", "ARRI")
BERTH_ARRI = ("BERTH", "ARRI")
BERTH_DEPA = ("BERTH", "DEPA")
READY = ("VESSEL_READY_FOR_CARGO_OPERATIONS", "ARRI")
PILOT_OUT = ("PILOTAGE", "STRT")  # with portCallPhaseTypeCode OUTB
SP_START = ("SHORE_POWER", "STRT")
SP_END = ("SHORE_POWER", "CMPL")

# A shore-power event is matched to the stay it falls in, with the same tolerance `load`
# allows a session outside its visit (then clipped, with a warning).
SESSION_SLACK = timedelta(minutes=15)


class Where(NamedTuple):
    """A JSON value's place: file and path (a tuple: one is made for every JSON object)."""

    file: str
    path: str

    def at(self, field_name: str) -> Where:
        return Where(self.file, f"{self.path}.{field_name}")

    def text(self) -> str:
        return f"{self.file}:{self.path}"


@dataclass
class Service:
    id: str
    terminal_call: str
    type: str
    event: str
    phase: str | None
    location_name: str | None
    facility_code: str | None
    location_code: str | None
    skipped: str | None  # cancelled / declined
    where: Where


@dataclass
class Stamp:
    id: str
    reply_to: str | None
    service: str
    classifier: str
    text: str
    when: datetime | None
    order: int  # file order across the whole import
    where: Where


def max_payload_bytes() -> int:
    text = os.environ.get(MAX_MB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{MAX_MB_ENV}={text!r}: give a size in MB, e.g. 64") from None
    if value <= 0:
        raise UsageError(f"{MAX_MB_ENV}={text!r}: give a size in MB above 0")
    return int(value * 1024 * 1024)


# --- reading ----------------------------------------------------------------------------------


def read_json(path: Path, limit: int):
    label = path.name
    control_chars.refuse_in_path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a file; give the JSON files in it "
                         f"(e.g. {path}/*.json)")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    size = path.stat().st_size
    if size > limit:
        raise InputRejected(label, [], headline=(
            f"{label}: {size / 1048576:.1f} MB is above the {limit / 1048576:.0f} MB limit for one "
            f"JIT payload; split the export into several files (one load reads them together) "
            f"or raise {MAX_MB_ENV}; nothing was loaded"))
    try:
        # a UTF-8 BOM (Notepad, PowerShell 5's Out-File) is no content: RFC 8259 lets a
        # reader ignore it, and a good extract was refused as "Unexpected UTF-8 BOM"
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except UnicodeDecodeError as exc:
        raise InputRejected(label, [], headline=(
            f"{label}: not UTF-8 text (byte {exc.start}); nothing was loaded")) from None
    except json.JSONDecodeError as exc:
        raise InputRejected(label, [RowError(label, exc.lineno, "$", "", exc.msg, path="$")],
                            headline=(f"{label}: malformed JSON at line {exc.lineno}, column "
                                      f"{exc.colno}: {exc.msg}; nothing was loaded")) from None


def _endpoint_of(item: dict) -> str | None:
    """Which GET endpoint an array item comes from, by its identifying fields."""
    if "timestampID" in item:
        return "timestamps"
    if "portCallServiceID" in item or "portCallServiceType" in item:
        return "portCallServices"
    if "terminalCallID" in item:
        return "terminalCalls"
    if "portCallID" in item:
        return "portCalls"
    return None


def sections(payload, label: str, report: Callable[[RowError], None]):
    """Yield (endpoint, item, Where) for every object of a payload; `report` is given each
    problem of the payload's shape (Reader.report, which ties it to no call)."""
    if isinstance(payload, dict):
        unknown = sorted(set(payload) - set(ENDPOINT_KEYS))
        for key in unknown:
            report(RowError(label, 0, key, "", "not a JIT 2.0 collection; expected "
                            + ", ".join(ENDPOINT_KEYS), path=f"$.{key}"))
        for key in ENDPOINT_KEYS:
            items = payload.get(key, [])
            if not isinstance(items, list):
                report(RowError(label, 0, key, type(items).__name__,
                                "must be an array", path=f"$.{key}"))
                continue
            for i, item in enumerate(items):
                where = Where(label, f"$.{key}[{i}]")
                if not isinstance(item, dict):
                    report(RowError(label, 0, key, str(item)[:60], "must be an object",
                                    path=where.path))
                    continue
                yield key, item, where
        return
    if not isinstance(payload, list):
        report(RowError(label, 0, "$", type(payload).__name__,
                        "a JIT payload is an array (one endpoint) or an object with "
                        + ", ".join(ENDPOINT_KEYS), path="$"))
        return
    for i, item in enumerate(payload):
        where = Where(label, f"$[{i}]")
        endpoint = _endpoint_of(item) if isinstance(item, dict) else None
        if endpoint is None:
            report(RowError(label, 0, "$", str(item)[:60],
                            "not a Port Call, Terminal Call, Port Call Service or "
                            "Timestamp", path=where.path))
            continue
        yield endpoint, item, where


class Reader:
    """Collects the four collections across files, checking every field it reads."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.port_calls: dict[str, tuple[dict, Where]] = {}
        self.terminal_calls: dict[str, tuple[dict, Where]] = {}
        self.services: dict[str, Service] = {}
        self.stamps: list[Stamp] = []
        self.stamp_ids: dict[str, Stamp] = {}
        self.skipped: Counter = Counter()
        self._order = 0
        # what each problem concerns (("pc"|"tc"|"svc", id) or None), parallel to `errors`, so
        # that the visits it touches are kept out too (--quarantine loads only sound visits)
        self.owners: list[tuple[str, str] | None] = []
        self.owner: tuple[str, str] | None = None

    def report(self, error: RowError) -> None:
        """A problem of a payload's shape (an item that is no object, an unknown collection):
        of no call, so it keeps no visit out; `owners` stays parallel to `errors`."""
        self.errors.append(error)
        self.owners.append(None)

    def error(self, where: Where, field_name: str, value, reason: str) -> None:
        text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        self.errors.append(RowError(where.file, 0, field_name, text, reason,
                                    path=where.at(field_name).path))
        self.owners.append(self.owner)

    def text(self, item: dict, where: Where, name: str, *, required: bool) -> str | None:
        value = item.get(name)
        if value is None or value == "":
            if required:
                self.error(where, name, None, "is required but missing")
            return None
        if not isinstance(value, str):
            self.error(where, name, value, "must be a string")
            return None
        return value.strip()

    def code(self, item: dict, where: Where, name: str, codes, *, required: bool) -> str | None:
        value = self.text(item, where, name, required=required)
        if value is not None and value not in codes:
            self.error(where, name, value, "unknown code; one of " + ", ".join(codes))
            return None
        return value

    def flag(self, item: dict, where: Where, name: str) -> bool:
        value = item.get(name, False)
        if not isinstance(value, bool):
            self.error(where, name, value, "must be true or false")
            return False
        return value

    def _once(self, table: dict, key: str, item: dict, where: Where, what: str) -> bool:
        """An object seen twice (the same export passed twice) must be the same object."""
        if key in table:
            first, first_where = table[key]
            if first != item:
                self.error(where, what, key, f"appears again with other content (first at "
                                             f"{first_where.text()})")
            return False
        table[key] = (item, where)
        return True

    def add(self, endpoint: str, item: dict, where: Where) -> None:
        owner_key = _OWNER_KEYS[endpoint]
        owner_id = item.get(owner_key[1])
        self.owner = (owner_key[0], owner_id) if isinstance(owner_id, str) else None
        if endpoint == "portCalls":
            key = self.text(item, where, "portCallID", required=True)
            if key is not None and self._once(self.port_calls, key, item, where, "portCallID"):
                self._port_call_fields(item, where)
        elif endpoint == "terminalCalls":
            key = self.text(item, where, "terminalCallID", required=True)
            self.text(item, where, "portCallID", required=True)
            if key is not None:
                self._once(self.terminal_calls, key, item, where, "terminalCallID")
        elif endpoint == "portCallServices":
            self._add_service(item, where)
        else:
            self._add_stamp(item, where)

    def _port_call_fields(self, item: dict, where: Where) -> None:
        """The Port Call's values its visits take (port, vessel name and type code), each
        where it is of another JSON type: the visit's column is left empty, which `load`
        reports as missing, and this names the value given."""
        self.text(item, where, "UNLocationCode", required=False)
        vessel = item.get("vessel")
        if vessel is not None and not isinstance(vessel, dict):
            self.error(where, "vessel", vessel, "must be an object (vesselIMONumber, name, "
                       "typeCode, ...)")
        elif vessel is not None:
            for name in ("name", "typeCode"):
                self.text(vessel, where.at("vessel"), name, required=False)

    def _add_service(self, item: dict, where: Where) -> None:
        if not self._add_service_fast(item, where):
            self._add_service_checked(item, where)

    def _add_service_fast(self, item: dict, where: Where) -> bool:
        """The common, well-formed service in a few lookups; anything unusual (a missing or
        mistyped field, an unknown code, a repeated id) takes the checked path."""
        get = item.get
        key, tc, stype, event = (get("portCallServiceID"), get("terminalCallID"),
                                 get("portCallServiceType"), get("portCallServiceEventTypeCode"))
        phase = get("portCallPhaseTypeCode")
        location = get("portCallServiceLocation")
        # a code is looked up only once it is text: a list or object is unhashable (the
        # checked path says it must be a string)
        if not (type(key) is str and type(tc) is str and type(stype) is str
                and stype in _SERVICE_SET and type(event) is str and event in _EVENT_SET
                and (phase is None or (type(phase) is str and phase in _PHASE_SET))
                and type(location) is dict and key not in self.services):
            return False
        cancelled, declined = get("cancelled", False), get("declined", False)
        facility = location.get("facility") or {}
        name, code = location.get("locationName"), facility.get("facilityCode") if type(
            facility) is dict else None
        unloc = location.get("UNLocationCode")
        if not (type(cancelled) is bool and type(declined) is bool
                and type(facility) is dict and (name is None or type(name) is str)
                and (code is None or type(code) is str) and (unloc is None or type(unloc) is str)):
            return False
        self.services[key] = Service(
            key, tc, stype, event, phase, name.strip() if name else None,
            code.strip() if code else None, unloc.strip() if unloc else None,
            "cancelled" if cancelled else "declined" if declined else None, where)
        return True

    def _add_service_checked(self, item: dict, where: Where) -> None:
        key = self.text(item, where, "portCallServiceID", required=True)
        tc = self.text(item, where, "terminalCallID", required=True)
        stype = self.code(item, where, "portCallServiceType", SERVICE_TYPES, required=True)
        event = self.code(item, where, "portCallServiceEventTypeCode", EVENT_CODES,
                          required=stype != "MOVES")
        phase = self.code(item, where, "portCallPhaseTypeCode", PHASE_CODES, required=False)
        location = item.get("portCallServiceLocation") or {}
        loc_where = where.at("portCallServiceLocation")
        if not isinstance(location, dict):
            self.error(where, "portCallServiceLocation", location, "must be an object")
            location = {}
        facility = location.get("facility") or {}
        if not isinstance(facility, dict):
            self.error(loc_where, "facility", facility, "must be an object")
            facility = {}
        name = self.text(location, loc_where, "locationName", required=False)
        code = self.text(facility, loc_where.at("facility"), "facilityCode", required=False)
        unloc = self.text(location, loc_where, "UNLocationCode", required=False)
        cancelled = self.flag(item, where, "cancelled")
        declined = self.flag(item, where, "declined")
        if key is None or tc is None or stype is None:
            return
        if key in self.services:
            first = self.services[key]
            if (first.terminal_call, first.type, first.event) != (tc, stype, event):
                self.error(where, "portCallServiceID", key,
                           f"appears again with other content (first at {first.where.text()})")
            return
        self.services[key] = Service(
            key, tc, stype, event or "", phase, name, code, unloc,
            "cancelled" if cancelled else "declined" if declined else None, where)

    def _add_stamp(self, item: dict, where: Where) -> None:
        get = item.get
        key, service, classifier, text = (get("timestampID"), get("portCallServiceID"),
                                          get("classifierCode"), get("dateTime"))
        reply = get("replyToTimestampID")
        if (type(key) is str and type(service) is str and type(classifier) is str
                and classifier in _CLASSIFIER_SET and type(text) is str
                and (reply is None or type(reply) is str)):
            if classifier != "ACT":  # the common case, without the checked path's work
                self.skipped["non-ACT timestamps (EST, PLN, REQ)"] += 1
                return
            if key not in self.stamp_ids and text and text[-1] in "Zz0123456789":
                try:
                    when = datetime.fromisoformat(text)
                except ValueError:
                    when = None
                if when is not None and when.tzinfo is not None:
                    self._order += 1
                    stamp = Stamp(key, reply, service, classifier, text, when, self._order, where)
                    self.stamp_ids[key] = stamp
                    self.stamps.append(stamp)
                    return
        self._add_stamp_checked(item, where)

    def _add_stamp_checked(self, item: dict, where: Where) -> None:
        key = self.text(item, where, "timestampID", required=True)
        service = self.text(item, where, "portCallServiceID", required=True)
        classifier = self.code(item, where, "classifierCode", CLASSIFIERS, required=True)
        reply = self.text(item, where, "replyToTimestampID", required=False)
        text = self.text(item, where, "dateTime", required=True)
        if key is None or service is None or classifier is None or text is None:
            return
        if classifier != "ACT":
            self.skipped["non-ACT timestamps (EST, PLN, REQ)"] += 1
            return
        when = None
        try:
            when = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            self.error(where, "dateTime", text, "not an ISO 8601 date-time "
                       "(e.g. 2026-10-03T14:20:00-07:00)")
            return
        if when.tzinfo is None:
            self.error(where, "dateTime", text, "has no UTC offset; JIT times must give one "
                       "(e.g. -07:00 or Z)")
            return
        if key in self.stamp_ids:
            first = self.stamp_ids[key]
            if (first.service, first.when, first.reply_to) != (service, when, reply):
                self.error(where, "timestampID", key,
                           f"appears again with other content (first at {first.where.text()})")
            return
        self._order += 1
        stamp = Stamp(key, reply, service, classifier, text, when, self._order, where)
        self.stamp_ids[key] = stamp
        self.stamps.append(stamp)
