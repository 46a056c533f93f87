"""DCSA Just-in-Time Port Call 2.0 JSON -> visits and shore-power sessions (contract columns).

Reads what the JIT 2.0 `GET` endpoints return -- arrays of Port Calls, Terminal Calls, Port
Call Services and Timestamps, one file per endpoint, or one object with the keys `portCalls`,
`terminalCalls`, `portCallServices`, `timestamps` -- and derives one visit per stay at a berth
(a `BERTH` `ARRI` ... `DEPA` at one location; a shift is a new visit). Only `ACT` timestamps
count. The mapping, with every inference marked, is documented in docs/interchange.md.

The adapter only turns JIT into the contract's columns (as text, with the JSON path of every
value); typing, row checks, cross-row checks, history and quarantine are `load`'s own
(ingest/load.py), so a JIT import gives the same guarantees as a CSV one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from berthcheck.errors import InputRejected, RowError, UsageError

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
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # one encoder, reused
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
class _Service:
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
class _Stamp:
    id: str
    reply_to: str | None
    service: str
    classifier: str
    text: str
    when: datetime | None
    order: int  # file order across the whole import
    where: Where


@dataclass
class _Actual:
    """The ACT time that counts for a service, and the ACT timestamps it superseded."""

    stamp: _Stamp
    superseded: list[_Stamp]


@dataclass
class OpenVisit:
    """A stay with a BERTH ARRI and no BERTH DEPA yet: still at berth, not loaded."""

    visit_id: str
    vessel: str
    arrival: str
    where: str


@dataclass
class JitImport:
    label: str
    files: list[Path]
    sha256: str
    visits: list[dict[str, str | None]] = field(default_factory=list)
    visit_paths: list[dict[str, object]] = field(default_factory=list)
    sessions: list[dict[str, str | None]] = field(default_factory=list)
    session_paths: list[dict[str, object]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    open_visits: list[OpenVisit] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


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


def _read_json(path: Path, limit: int):
    label = path.name
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    size = path.stat().st_size
    if size > limit:
        raise InputRejected(label, [], headline=(
            f"{label}: {size / 1048576:.1f} MB is above the {limit / 1048576:.0f} MB limit for one "
            f"JIT payload; split the export into several files (one load reads them together) "
            f"or raise {MAX_MB_ENV}; nothing was loaded"))
    try:
        with open(path, encoding="utf-8") as fh:
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


def _sections(payload, label: str, errors: list[RowError]):
    """Yield (endpoint, item, Where) for every object of a payload."""
    if isinstance(payload, dict):
        unknown = sorted(set(payload) - set(ENDPOINT_KEYS))
        for key in unknown:
            errors.append(RowError(label, 0, key, "", "not a JIT 2.0 collection; expected "
                                   + ", ".join(ENDPOINT_KEYS), path=f"$.{key}"))
        for key in ENDPOINT_KEYS:
            items = payload.get(key, [])
            if not isinstance(items, list):
                errors.append(RowError(label, 0, key, type(items).__name__,
                                       "must be an array", path=f"$.{key}"))
                continue
            for i, item in enumerate(items):
                where = Where(label, f"$.{key}[{i}]")
                if not isinstance(item, dict):
                    errors.append(RowError(label, 0, key, str(item)[:60], "must be an object",
                                           path=where.path))
                    continue
                yield key, item, where
        return
    if not isinstance(payload, list):
        errors.append(RowError(label, 0, "$", type(payload).__name__,
                               "a JIT payload is an array (one endpoint) or an object with "
                               + ", ".join(ENDPOINT_KEYS), path="$"))
        return
    for i, item in enumerate(payload):
        where = Where(label, f"$[{i}]")
        endpoint = _endpoint_of(item) if isinstance(item, dict) else None
        if endpoint is None:
            errors.append(RowError(label, 0, "$", str(item)[:60],
                                   "not a Port Call, Terminal Call, Port Call Service or "
                                   "Timestamp", path=where.path))
            continue
        yield endpoint, item, where


class _Reader:
    """Collects the four collections across files, checking every field it reads."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.port_calls: dict[str, tuple[dict, Where]] = {}
        self.terminal_calls: dict[str, tuple[dict, Where]] = {}
        self.services: dict[str, _Service] = {}
        self.stamps: list[_Stamp] = []
        self.stamp_ids: dict[str, _Stamp] = {}
        self.skipped: Counter = Counter()
        self._order = 0
        # what each problem concerns (("pc"|"tc"|"svc", id) or None), parallel to `errors`, so
        # that the visits it touches are kept out too (--quarantine loads only sound visits)
        self.owners: list[tuple[str, str] | None] = []
        self.owner: tuple[str, str] | None = None

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
            if key is not None:
                self._once(self.port_calls, key, item, where, "portCallID")
        elif endpoint == "terminalCalls":
            key = self.text(item, where, "terminalCallID", required=True)
            self.text(item, where, "portCallID", required=True)
            if key is not None:
                self._once(self.terminal_calls, key, item, where, "terminalCallID")
        elif endpoint == "portCallServices":
            self._add_service(item, where)
        else:
            self._add_stamp(item, where)

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
        if not (type(key) is str and type(tc) is str and stype in _SERVICE_SET
                and event in _EVENT_SET and (phase is None or phase in _PHASE_SET)
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
        self.services[key] = _Service(
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
        self.services[key] = _Service(
            key, tc, stype, event or "", phase, name, code, unloc,
            "cancelled" if cancelled else "declined" if declined else None, where)

    def _add_stamp(self, item: dict, where: Where) -> None:
        get = item.get
        key, service, classifier, text = (get("timestampID"), get("portCallServiceID"),
                                          get("classifierCode"), get("dateTime"))
        reply = get("replyToTimestampID")
        if (type(key) is str and type(service) is str and classifier in _CLASSIFIER_SET
                and type(text) is str and (reply is None or type(reply) is str)):
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
                    stamp = _Stamp(key, reply, service, classifier, text, when, self._order, where)
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
        stamp = _Stamp(key, reply, service, classifier, text, when, self._order, where)
        self.stamp_ids[key] = stamp
        self.stamps.append(stamp)


# --- from events to stays ------------------------------------------------------------------------


def _actuals(reader: _Reader) -> dict[str, _Actual]:
    """The ACT that counts per service: the latest sent (the end of the replyToTimestampID
    chain, else the last in file order); the others are kept as superseded."""
    by_service: dict[str, list[_Stamp]] = defaultdict(list)
    for stamp in reader.stamps:
        by_service[stamp.service].append(stamp)
    out = {}
    for service, stamps in by_service.items():
        if len(stamps) == 1:  # the usual case: one ACT, nothing superseded
            out[service] = _Actual(stamps[0], [])
            continue
        replied = {s.reply_to for s in stamps if s.reply_to}
        leaves = [s for s in stamps if s.id not in replied]
        winner = max(leaves or stamps, key=lambda s: s.order)
        out[service] = _Actual(winner, [s for s in stamps if s is not winner])
    return out


@dataclass
class _Stay:
    terminal_call: str
    arri: _Service
    arri_act: _Actual
    depa: _Service | None = None
    depa_act: _Actual | None = None
    events: dict[tuple[str, str], list[tuple[_Service, _Actual]]] = field(
        default_factory=lambda: defaultdict(list))

    @property
    def start(self) -> datetime:
        when = self.arri_act.stamp.when
        assert when is not None
        return when

    @property
    def end(self) -> datetime | None:
        return self.depa_act.stamp.when if self.depa_act else None


def _location_key(service: _Service) -> tuple[str, str]:
    return (service.location_name or "", service.facility_code or "")


def build(files: list[Path]) -> JitImport:
    """Read JIT files into contract rows (as text) with their JSON paths; never raises for a
    problem in the data (those are collected in `errors`), only for an unreadable file."""
    paths = [Path(p) for p in files]
    if not paths:
        raise UsageError("give at least one file")
    labels = [p.name for p in paths]
    if len(set(labels)) != len(labels):
        raise UsageError("two files share a name; messages and lineage name files by name")
    limit = max_payload_bytes()
    reader = _Reader()
    digest = hashlib.sha256()
    for path in paths:
        payload = _read_json(path, limit)
        digest.update(path.read_bytes())
        for endpoint, item, where in _sections(payload, path.name, reader.errors):
            reader.add(endpoint, item, where)
        del payload
    result = JitImport("+".join(labels), paths, digest.hexdigest())
    result.errors = reader.errors
    result.skipped = reader.skipped
    _derive(reader, result)
    return result


def _derive(reader: _Reader, result: JitImport) -> None:
    actuals = _actuals(reader)
    reader.owner = None
    for stamp in reader.stamps:
        if stamp.service not in reader.services:
            reader.error(stamp.where, "portCallServiceID", stamp.service,
                         "ACT timestamp for a Port Call Service that is not in the files")
    skipped_calls = {pid for pid, (pc, _w) in reader.port_calls.items() if pc.get("omitted") is True}
    if skipped_calls:
        result.skipped["omitted Port Calls"] += len(skipped_calls)
    by_terminal_call: dict[str, list[tuple[_Service, _Actual]]] = defaultdict(list)
    for service in reader.services.values():
        if service.skipped:
            result.skipped[f"{service.skipped} Port Call Services"] += 1
            continue
        actual = actuals.get(service.id)
        if actual is None:
            continue  # planned only: nothing has happened yet
        by_terminal_call[service.terminal_call].append((service, actual))
    for tc_id in sorted(by_terminal_call, key=lambda t: min(
            a.stamp.order for _s, a in by_terminal_call[t])):
        services = by_terminal_call[tc_id]
        entry = reader.terminal_calls.get(tc_id)
        if entry is None:
            service, _a = services[0]
            reader.error(service.where, "terminalCallID", tc_id,
                         "no Terminal Call with this id in the files")
            continue
        tc, tc_where = entry
        if tc.get("omitted") is True or tc.get("portCallID") in skipped_calls:
            result.skipped["omitted Terminal Calls"] += 1
            continue
        pc_entry = reader.port_calls.get(str(tc.get("portCallID")))
        if pc_entry is None:
            reader.error(tc_where, "portCallID", tc.get("portCallID"),
                         "no Port Call with this id in the files")
            continue
        reader.owner = ("tc", tc_id)
        _visits_of_terminal_call(reader, result, tc_id, tc, tc_where, pc_entry, services)
        reader.owner = None
    result.errors = _tie_to_visits(reader, result)


def _tie_to_visits(reader: _Reader, result: JitImport) -> list[RowError]:
    """A problem with a call, service or timestamp belongs to every visit derived from that
    terminal (or port) call: with --quarantine those visits are kept out, never loaded from
    what is left of their events."""
    if not any(owner is not None for owner in reader.owners):
        return list(reader.errors)  # the usual case: nothing to tie
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, row in enumerate(result.visits, start=1):
        extra = json.loads(row["extra"] or "{}")["dcsa_jit"]
        rows[("tc", extra["terminalCallID"])].append(number)
        rows[("pc", extra["portCallID"])].append(number)
    out = []
    for err, owner in zip(reader.errors, reader.owners, strict=True):
        if owner is not None and owner[0] == "svc":
            service = reader.services.get(owner[1])
            owner = ("tc", service.terminal_call) if service else None
        numbers = rows.get(owner, []) if owner is not None and err.row == 0 else []
        out += [replace(err, row=n) for n in numbers] or [err]
    return out


def _stays(reader: _Reader, services: list[tuple[_Service, _Actual]]) -> list[_Stay]:
    """BERTH ARRI and DEPA paired per berth location, in time order."""
    arrivals: dict[tuple[str, str], list[tuple[_Service, _Actual]]] = defaultdict(list)
    departures: dict[tuple[str, str], list[tuple[_Service, _Actual]]] = defaultdict(list)
    for service, actual in services:
        pair = (service.type, service.event)
        if pair == BERTH_ARRI:
            arrivals[_location_key(service)].append((service, actual))
        elif pair == BERTH_DEPA:
            departures[_location_key(service)].append((service, actual))
    stays = []
    for key in sorted(set(arrivals) | set(departures)):
        arri = sorted(arrivals.get(key, []), key=lambda sa: (sa[1].stamp.when, sa[1].stamp.order))
        depa = sorted(departures.get(key, []), key=lambda sa: (sa[1].stamp.when, sa[1].stamp.order))
        for i, (service, actual) in enumerate(arri):
            stay = _Stay(service.terminal_call, service, actual)
            if i < len(depa):
                d_service, d_actual = depa[i]
                when = d_actual.stamp.when
                assert when is not None
                if when <= stay.start:
                    reader.error(d_actual.stamp.where, "dateTime", d_actual.stamp.text,
                                 f"BERTH DEPA at or before its BERTH ARRI ({actual.stamp.text}, "
                                 f"{actual.stamp.where.text()})")
                    continue
                stay.depa, stay.depa_act = d_service, d_actual
            stays.append(stay)
        for d_service, d_actual in depa[len(arri):]:
            reader.error(d_actual.stamp.where, "portCallServiceID", d_service.id,
                         "BERTH DEPA with no BERTH ARRI at the same berth")
    return sorted(stays, key=lambda s: (s.start, s.arri_act.stamp.order))


def _place(reader: _Reader, stays: list[_Stay], service: _Service, actual: _Actual,
           slack: timedelta, *, inclusive_end: bool) -> None:
    when = actual.stamp.when
    assert when is not None
    for stay in stays:
        end = stay.end
        after_start = when >= stay.start - slack
        before_end = end is None or (when <= end + slack if inclusive_end else when < end + slack)
        if after_start and before_end:
            stay.events[(service.type, service.event)].append((service, actual))
            return
    reader.error(actual.stamp.where, "dateTime", actual.stamp.text,
                 f"{service.type} {service.event} lies outside every berth stay of its "
                 "Terminal Call")


def _visits_of_terminal_call(reader, result, tc_id, tc, tc_where, pc_entry, services) -> None:
    stays = _stays(reader, services)
    for service, actual in services:
        pair = (service.type, service.event)
        if pair in (ALL_FAST, READY):
            _place(reader, stays, service, actual, timedelta(0), inclusive_end=False)
        elif pair == PILOT_OUT and service.phase == "OUTB":
            _place(reader, stays, service, actual, timedelta(0), inclusive_end=True)
        elif pair in (SP_START, SP_END):
            _place(reader, stays, service, actual, SESSION_SLACK, inclusive_end=True)
        elif pair not in (BERTH_ARRI, BERTH_DEPA):
            result.skipped["ACT timestamps not used (other services)"] += 1
    pc, pc_where = pc_entry
    vessel = pc.get("vessel") if isinstance(pc.get("vessel"), dict) else {}
    v_where = pc_where.at("vessel")
    for number, stay in enumerate(stays, start=1):
        visit_id = f"{tc_id}/B{number}"
        if stay.depa_act is None:
            result.open_visits.append(OpenVisit(
                visit_id, str(vessel.get("name") or vessel.get("vesselIMONumber") or ""),
                stay.arri_act.stamp.text, stay.arri_act.stamp.where.text()))
            continue
        _one_visit(reader, result, visit_id, stay, tc, tc_where, pc, pc_where, vessel, v_where)


def _when(pair: tuple[_Service, _Actual]) -> datetime:
    when = pair[1].stamp.when
    assert when is not None  # only timestamps with a time become actuals
    return when


def _single(reader: _Reader, stay: _Stay, pair, column: str):
    found = sorted(stay.events.get(pair, []), key=_when)
    for _service, extra in found[1:]:
        reader.error(extra.stamp.where, "dateTime", extra.stamp.text,
                     f"a second {pair[0]} {pair[1]} in the same berth stay (for {column}; "
                     f"the first is {found[0][1].stamp.where.text()})")
    return found[0] if found else None


def _one_visit(reader, result, visit_id, stay: _Stay, tc, tc_where, pc, pc_where, vessel,
               v_where) -> None:
    before = len(reader.errors)
    reader.owner = None  # re-rowed below
    row: dict[str, str | None] = {"visit_id": visit_id}
    where: dict[str, object] = {"visit_id": tc_where.at("terminalCallID").text()}
    stamp_ids: dict[str, str] = {}
    superseded: dict[str, list[str]] = {}

    def take(column: str, found) -> None:
        if found is None:
            return
        _service, actual = found
        row[column] = actual.stamp.text
        where[column] = actual.stamp.where.at("dateTime").text()
        stamp_ids[column] = actual.stamp.id
        if actual.superseded:
            superseded[column] = [s.where.text() for s in actual.superseded]

    imo = vessel.get("vesselIMONumber")
    row["imo"] = imo if isinstance(imo, str) else None if imo is None else str(imo)
    where["imo"] = v_where.at("vesselIMONumber").text()
    row["vessel_name"] = vessel.get("name") if isinstance(vessel.get("name"), str) else None
    where["vessel_name"] = v_where.at("name").text()
    code = vessel.get("typeCode")
    where["vessel_type"] = v_where.at("typeCode").text()
    # an unknown code goes through as written: the loader's check names it (see adapters)
    row["vessel_type"] = VESSEL_TYPE_CODES.get(code, code) if isinstance(code, str) else None
    port = pc.get("UNLocationCode") or stay.arri.location_code
    row["port"] = port if isinstance(port, str) else None
    where["port"] = pc_where.at("UNLocationCode").text()
    berth_loc = stay.arri.where.at("portCallServiceLocation")
    row["terminal"] = stay.arri.facility_code
    where["terminal"] = berth_loc.at("facility").at("facilityCode").text()
    row["berth"] = stay.arri.location_name
    where["berth"] = berth_loc.at("locationName").text()
    take("arrival", _single(reader, stay, ALL_FAST, "arrival") or (stay.arri, stay.arri_act))
    take("ready_to_work", _single(reader, stay, READY, "ready_to_work"))
    take("pilot_on_board", _single(reader, stay, PILOT_OUT, "pilot_on_board"))
    take("departure", (stay.depa, stay.depa_act))
    if superseded:
        where["superseded"] = superseded
    extra = {
        "dcsa_jit": {
            "portCallID": pc.get("portCallID"),
            "terminalCallID": tc.get("terminalCallID"),
            "terminalCallReference": tc.get("terminalCallReference"),
            "typeCode": code,
            "facilityCode": stay.arri.facility_code,
            "timestampIDs": stamp_ids,
        }
    }
    row["extra"] = _ENCODE(extra)
    result.visits.append(row)
    result.visit_paths.append(where)
    _sessions(reader, result, visit_id, stay)
    # a problem found while deriving this visit is this visit's: --quarantine keeps it out
    number = len(result.visits)
    reader.errors[before:] = [replace(e, row=number) for e in reader.errors[before:]]
    reader.owner = ("tc", stay.terminal_call)


def _sessions(reader: _Reader, result: JitImport, visit_id: str, stay: _Stay) -> None:
    """SHORE_POWER STRT/CMPL pairs, in time order: each STRT with the next CMPL."""
    starts = sorted(stay.events.get(SP_START, []), key=_when)
    ends = sorted(stay.events.get(SP_END, []), key=_when)
    used = 0
    for i, (service, start) in enumerate(starts):
        s_when = start.stamp.when
        next_start = starts[i + 1][1].stamp.when if i + 1 < len(starts) else None
        while used < len(ends) and ends[used][1].stamp.when <= s_when:  # type: ignore[operator]
            _e_service, orphan = ends[used]
            reader.error(orphan.stamp.where, "dateTime", orphan.stamp.text,
                         "SHORE_POWER CMPL with no SHORE_POWER STRT before it")
            used += 1
        if used >= len(ends) or (next_start is not None
                                 and ends[used][1].stamp.when > next_start):  # type: ignore[operator]
            reader.error(start.stamp.where, "dateTime", start.stamp.text,
                         "SHORE_POWER STRT with no SHORE_POWER CMPL after it in this stay")
            continue
        _e_service, end = ends[used]
        used += 1
        where: dict[str, object] = {"connected": start.stamp.where.at("dateTime").text(),
                 "disconnected": end.stamp.where.at("dateTime").text()}
        superseded = {c: [s.where.text() for s in a.superseded]
                      for c, a in (("connected", start), ("disconnected", end)) if a.superseded}
        if superseded:
            where["superseded"] = superseded
        extra = {"dcsa_jit": {"timestampIDs": {"connected": start.stamp.id,
                                               "disconnected": end.stamp.id}}}
        result.sessions.append({
            "session_id": f"{visit_id}/SP/{service.id}",
            "visit_id": visit_id,
            "connected": start.stamp.text,
            "disconnected": end.stamp.text,
            "extra": _ENCODE(extra),
        })
        result.session_paths.append(where)
    for _e_service, orphan in ends[used:]:
        reader.error(orphan.stamp.where, "dateTime", orphan.stamp.text,
                     "SHORE_POWER CMPL with no SHORE_POWER STRT before it")
