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
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from berthcheck.errors import RowError, UsageError
from berthcheck.ingest.jit_read import (  # noqa: F401 - re-exported: the adapter's vocabulary
    ALL_FAST,
    BERTH_ARRI,
    BERTH_DEPA,
    MAX_MB_ENV,
    PILOT_OUT,
    READY,
    SESSION_SLACK,
    SP_END,
    SP_START,
    VESSEL_TYPE_CODES,
    Reader,
    Service,
    Stamp,
    Where,
    max_payload_bytes,
    read_json,
    sections,
)

_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # one encoder, reused


@dataclass
class _Actual:
    """The ACT time that counts for a service, and the ACT timestamps it superseded."""

    stamp: Stamp
    superseded: list[Stamp]


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


# --- from events to stays ------------------------------------------------------------------------


def _actuals(reader: Reader) -> dict[str, _Actual]:
    """The ACT that counts per service: the latest sent (the end of the replyToTimestampID
    chain, else the last in file order); the others are kept as superseded."""
    by_service: dict[str, list[Stamp]] = defaultdict(list)
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
    arri: Service
    arri_act: _Actual
    depa: Service | None = None
    depa_act: _Actual | None = None
    events: dict[tuple[str, str], list[tuple[Service, _Actual]]] = field(
        default_factory=lambda: defaultdict(list))

    @property
    def start(self) -> datetime:
        when = self.arri_act.stamp.when
        assert when is not None
        return when

    @property
    def end(self) -> datetime | None:
        return self.depa_act.stamp.when if self.depa_act else None


def _location_key(service: Service) -> tuple[str, str]:
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
    reader = Reader()
    digest = hashlib.sha256()
    for path in paths:
        payload = read_json(path, limit)
        digest.update(path.read_bytes())
        for endpoint, item, where in sections(payload, path.name, reader.report):
            reader.add(endpoint, item, where)
        del payload
    result = JitImport("+".join(labels), paths, digest.hexdigest())
    result.errors = reader.errors
    result.skipped = reader.skipped
    _derive(reader, result)
    return result


def _derive(reader: Reader, result: JitImport) -> None:
    actuals = _actuals(reader)
    reader.owner = None
    for stamp in reader.stamps:
        if stamp.service not in reader.services:
            reader.error(stamp.where, "portCallServiceID", stamp.service,
                         "ACT timestamp for a Port Call Service that is not in the files")
    skipped_calls = {pid for pid, (pc, _w) in reader.port_calls.items() if pc.get("omitted") is True}
    if skipped_calls:
        result.skipped["omitted Port Calls"] += len(skipped_calls)
    by_terminal_call: dict[str, list[tuple[Service, _Actual]]] = defaultdict(list)
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


def _tie_to_visits(reader: Reader, result: JitImport) -> list[RowError]:
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


def _stays(reader: Reader, services: list[tuple[Service, _Actual]]) -> list[_Stay]:
    """BERTH ARRI and DEPA paired per berth location, in time order."""
    arrivals: dict[tuple[str, str], list[tuple[Service, _Actual]]] = defaultdict(list)
    departures: dict[tuple[str, str], list[tuple[Service, _Actual]]] = defaultdict(list)
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


def _place(reader: Reader, stays: list[_Stay], service: Service, actual: _Actual,
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


def _when(pair: tuple[Service, _Actual]) -> datetime:
    when = pair[1].stamp.when
    assert when is not None  # only timestamps with a time become actuals
    return when


def _single(reader: Reader, stay: _Stay, pair, column: str):
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
    # the Port Call's id: its Terminal Calls' stays (berth shifts) are one FuelEU port call
    call_id = pc.get("portCallID")
    row["port_call"] = call_id if isinstance(call_id, str) and call_id.strip() else None
    where["port_call"] = pc_where.at("portCallID").text()
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


def _sessions(reader: Reader, result: JitImport, visit_id: str, stay: _Stay) -> None:
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
