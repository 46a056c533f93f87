"""What every export reads: the run (stored, or checked now), the stored rows of its visits,
port-local times, and option values matched against the loaded data.

An export reads the run's results and the store's current tables. The run it uses is the one
the current inputs give (run ids are deterministic over pack, scope and an input fingerprint),
so the results and the tables read beside them describe the same inputs; `audit verify`
rebuilds the export over the store as it stood at the run (see `proof`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from berthcheck import store
from berthcheck.instants import as_utc, zone
from berthcheck.instants import local_date as local_date  # re-exported: callers read it here


@dataclass
class ExportRun:
    pack: Any  # engine.pack.Pack
    scope: Any  # engine.scope.Scope
    run_id: str
    results: Any  # pl.DataFrame
    findings: Any  # pl.DataFrame
    reused: bool = False


def obtain_run(con, scope, pack_id: str) -> ExportRun:
    """The stored run for this pack, scope and the current inputs, else a fresh stored check
    (which records its manifest). A stored run whose results no longer hash to what was
    recorded is not trusted: the check runs again."""
    from berthcheck.engine import check, load_pack, runs

    pack = load_pack(pack_id)
    inputs = runs.input_fingerprint(con)  # from the digests stored at load
    run_id = runs.run_id_for(pack, scope, inputs)
    stored = store.run(con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id])[0][0]
    # the stored rows hashed by the run's own definition (typed rows, manifest v2 and v3)
    frames = runs.intact_frames(con, run_id) if stored else None
    if frames is not None:
        results, findings = frames
        # only runs stored before migration 6 hold their pack's columns as JSON text: a typed
        # run's text stays text, whatever it looks like (a vessel named "2026-10-01 12:00Z"),
        # as `report` and `runs export` read it
        if runs.holds_json_columns(con, run_id):
            results = runs.restore_instants(results)
        return ExportRun(pack, scope, run_id, results, findings, reused=True)
    outcome = check(con, pack, scope=scope, store_run=True)
    return ExportRun(pack, scope, str(outcome.run_id), outcome.results, outcome.findings)


# --- option values --------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Contact column names match ignoring case, spaces, `-` and `_` (as input headers)."""
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


# Option values match the loaded data as `check`'s scope options do (engine/scope.py
# `resolve_value`: ignoring case and spaces; an empty or unknown value is a usage error).


def resolve_port(con, value: str | None) -> str | None:
    from berthcheck.engine.scope import resolve_value

    return resolve_value(con, "--port", value)


def resolve_terminal(con, value: str | None) -> str | None:
    from berthcheck.engine.scope import resolve_value

    return resolve_value(con, "--terminal", value)


def resolve_fleet(con, value: str | None) -> str | None:
    from berthcheck.engine.scope import resolve_value

    return resolve_value(con, "--fleet", value, load_hint=None)


def resolve_provider(con, value: str | None) -> str | None:
    from berthcheck.engine.scope import resolve_value

    return resolve_value(con, "--provider", value, table="capture", what="capture session",
                         load_hint="load capture sessions with `berthcheck load capture FILE`")


# --- times (`as_utc`, `zone`, `local_date`: berthcheck/instants.py) -------------------------


def instant(value) -> dt.datetime:
    """`as_utc` for a value known to be there (sort keys, stored NOT NULL columns)."""
    t = as_utc(value)
    if t is None:
        raise ValueError("a required time is empty")
    return t


def local_iso(value, tz: str | None) -> str | None:
    """Port-local wall time with its offset, e.g. `2026-11-01T01:30:00-07:00`: the offset
    tells the two 01:30s of a fall-back night apart."""
    t = as_utc(value)
    return None if t is None else t.astimezone(zone(tz)).isoformat(timespec="seconds")


def utc_iso(value) -> str | None:
    t = as_utc(value)
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_abbreviation(value, tz: str | None) -> str | None:
    t = as_utc(value)
    return None if t is None else t.astimezone(zone(tz)).strftime("%Z")


# --- the stored rows of the run's visits ----------------------------------------------------


def rows_for(con, sql: str, visit_ids) -> list[dict]:
    """`sql` reads a relation `_bc_export_visits(visit_id)`; rows as dicts, in its order."""
    import polars as pl

    frame = pl.DataFrame({"visit_id": sorted(set(visit_ids))}, schema={"visit_id": pl.Utf8})
    store.register(con, "_bc_export_visits", frame)
    try:
        return store.fetch_polars(con, sql).to_dicts()
    finally:
        con.unregister("_bc_export_visits")


def visit_rows(con, visit_ids) -> dict[str, dict]:
    """The visits' stored rows with the port's zone and CARB At-Berth flag, by visit id."""
    rows = rows_for(
        con,
        "SELECT v.* EXCLUDE (_batch_id, _source_file, _source_row, _row_hash, _replaced_by), "
        "p.timezone AS port_timezone, coalesce(p.carb_at_berth, false) AS port_carb_at_berth "
        "FROM visits v JOIN _bc_export_visits s ON s.visit_id = v.visit_id "
        "LEFT JOIN ports p ON p.port = v.port ORDER BY v.visit_id",
        visit_ids,
    )
    return {r["visit_id"]: r for r in rows}


def grouped(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["visit_id"], []).append(r)
    return out


def shore_power_rows(con, visit_ids) -> dict[str, list[dict]]:
    return grouped(rows_for(
        con,
        "SELECT p.visit_id, p.session_id, p.connected, p.disconnected, p.energy_kwh "
        "FROM shore_power p JOIN _bc_export_visits s ON s.visit_id = p.visit_id "
        "ORDER BY p.visit_id, p.connected, p.session_id",
        visit_ids,
    ))


def capture_rows(con, visit_ids) -> dict[str, list[dict]]:
    return grouped(rows_for(
        con,
        "SELECT c.visit_id, c.session_id, c.system_id, c.provider, c.started, c.ended, "
        "c.nox_inlet_ppm, c.nox_outlet_ppm "
        "FROM capture c JOIN _bc_export_visits s ON s.visit_id = c.visit_id "
        "ORDER BY c.visit_id, c.started, c.session_id",
        visit_ids,
    ))


def event_rows(con, visit_ids) -> dict[str, list[dict]]:
    return grouped(rows_for(
        con,
        "SELECT e.visit_id, e.event_id, e.kind, e.start_time, e.end_time, e.reference, "
        "e.approval_ref FROM events e JOIN _bc_export_visits s ON s.visit_id = e.visit_id "
        "ORDER BY e.visit_id, e.kind, e.event_id",
        visit_ids,
    ))


# --- optional contact columns ---------------------------------------------------------------

# Contact details are not data-contract columns yet. A visits file may carry them as extra
# columns (kept verbatim in `extra`, never read by the rules); the exports read these names,
# matched ignoring case, spaces, `-` and `_`. Absent -> listed as missing, never guessed.
CONTACT_COLUMNS = {
    "vessel_operator_address": ("operator_address", "vessel_operator_address"),
    "vessel_operator_email": ("operator_email", "vessel_operator_email"),
    "vessel_operator_phone": ("operator_phone", "operator_telephone", "vessel_operator_phone"),
    "terminal_operator_name": ("terminal_operator", "terminal_operator_name"),
    "terminal_operator_address": ("terminal_operator_address",),
    "terminal_operator_email": ("terminal_operator_email",),
    "terminal_operator_phone": ("terminal_operator_phone", "terminal_operator_telephone"),
}


def is_contact_column(header: str) -> bool:
    """Whether a visits file's extra column is one of the contact details the exports read."""
    return any(_norm(header) == _norm(a) for aliases in CONTACT_COLUMNS.values() for a in aliases)


def contacts(extra_json: str | None) -> dict[str, str | None]:
    try:
        extra = json.loads(extra_json) if extra_json else {}
    except ValueError:
        extra = {}
    if not isinstance(extra, dict):
        extra = {}
    by_norm = {_norm(k): v for k, v in extra.items()}
    out: dict[str, str | None] = {}
    for name, aliases in CONTACT_COLUMNS.items():
        value = next((by_norm[_norm(a)] for a in aliases if _norm(a) in by_norm), None)
        out[name] = str(value).strip() if value not in (None, "") else None
    return out


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def result_value(row: dict, name: str):
    """A results column read defensively: older runs (or packs) may not carry it."""
    return row.get(name)
