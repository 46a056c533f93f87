"""Put rows straight into a store, no loader involved: the rows of a pack's fixture cases
(`berthcheck rules test`, docs/packs.md) and of the test suite.

Rows use the contract's column names (`start`/`end` for events are mapped to storage names).
Timestamps are ISO text: with an offset or `Z` they are instants; without one they are local
time of the visit's port (visits: the row's own port; sessions/events: their visit's port),
exactly as the data contract says. Ambiguous or non-existent local times raise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from berthcheck import store
from berthcheck.ingest.kinds import KINDS, storage_name

_PORT_TZ: dict[str, str] = {str(r["port"]): str(r["timezone"]) for r in store.builtin_ports()}

_POLARS_TYPES = {
    "timestamp": pl.Datetime("us", "UTC"),
    "date": pl.Date,
    "bool": pl.Boolean,
    "int": pl.Int64,
    "float": pl.Float64,
}


def parse_instant(value, tz_name: str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        if tz_name is None:
            raise ValueError(f"naive time {value!r} without a known port zone")
        zone = ZoneInfo(tz_name)
        a = parsed.replace(tzinfo=zone, fold=0)
        b = parsed.replace(tzinfo=zone, fold=1)
        if a.utcoffset() != b.utcoffset():
            raise ValueError(f"local time {value!r} is ambiguous or does not exist in {tz_name}")
        # a non-existent time round-trips to a different wall clock
        back = a.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        if back != parsed:
            raise ValueError(f"local time {value!r} does not exist in {tz_name}")
        parsed = a
    return parsed.astimezone(dt.UTC)


def port_zones(con) -> dict[str, str]:
    """Each port's time zone as the store knows it: the built-in ports, and those loaded into
    it (`berthcheck load ports`, a fixture case's `load:`), which add to or override them."""
    zones = dict(_PORT_TZ)
    zones.update({str(port): str(tz) for port, tz in store.run(
        con, "SELECT port, timezone FROM ports WHERE source = 'user' AND timezone IS NOT NULL")})
    return zones


def frame_for(kind_name: str, rows: list[dict], visit_ports: dict[str, Any],
              zones: dict[str, str] | None = None) -> pl.DataFrame:
    """`zones`: port -> time zone for local times (default: the built-in ports')."""
    zones = _PORT_TZ if zones is None else zones
    kind = KINDS[kind_name]
    data: dict[str, list] = {storage_name(c.name): [] for c in kind.columns}
    for row in rows:
        unknown = set(row) - set(kind.column_names)
        if unknown:
            raise KeyError(f"{kind_name}: unknown columns {sorted(unknown)}")
        tz: str | None = None
        if kind.port_from == "self":
            tz = zones.get(str(row.get("port")))
        elif kind.port_from == "visit":
            tz = zones.get(str(visit_ports.get(str(row.get("visit_id")))))
        for col in kind.columns:
            value = row.get(col.name, col.default)
            if col.type == "timestamp":
                value = parse_instant(value, tz)
            elif col.type == "date" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            data[storage_name(col.name)].append(value)
    schema: dict[str, Any] = {storage_name(c.name): _POLARS_TYPES.get(c.type, pl.Utf8)
                              for c in kind.columns}
    frame = pl.DataFrame(data, schema=schema)
    hashes = [
        hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest()
        for r in rows
    ]
    return frame.with_columns(
        pl.lit(f"{kind_name}.fixture").alias("_source_file"),
        pl.Series("_source_row", list(range(2, len(rows) + 2)), dtype=pl.Int32),
        pl.Series("_row_hash", hashes, dtype=pl.Utf8),
    )


def put_tables(con, tables: dict[str, list[dict]]) -> None:
    """Insert every kind's rows (kind names as in the CLI: visits, shore-power, ...); a local
    time is read in its port's zone as the store knows it (`port_zones`)."""
    visit_ports = {r["visit_id"]: r.get("port") for r in tables.get("visits", [])}
    zones = port_zones(con)
    with store.transaction(con):
        batch = store.next_batch_id(con)
        for kind_name, rows in tables.items():
            if not rows:
                continue
            frame = frame_for(kind_name, rows, visit_ports, zones)
            store.insert_versions(con, kind_name, frame, batch_id=batch)
            store.run(
                con,
                "INSERT INTO load_batches VALUES (?, ?, ?, ?, 'fixture', ?, ?, ?, 0, 0, 0, 0, "
                "false, false, 'test', now())",
                [batch, kind_name, f"{kind_name}.fixture", f"{kind_name}.fixture",
                 hashlib.sha256(str(batch).encode()).hexdigest(), len(rows), len(rows)],
            )
            batch += 1


def visit(visit_id: str, **overrides) -> dict:
    """A regulated container visit at USLAX with sensible defaults (local times)."""
    row = {
        "visit_id": visit_id,
        "imo": "9321483",
        "vessel_name": f"Vessel {visit_id}",
        "vessel_type": "container",
        "fleet": "F1",
        "operator": "Line A",
        "port": "USLAX",
        "terminal": "T1",
        "berth": "B1",
        "arrival": "2026-10-03 06:00",
        "ready_to_work": "2026-10-03 08:00",
        "pilot_on_board": "2026-10-04 18:00",
        "departure": "2026-10-04 19:00",
        "shore_power_capable": True,
    }
    row.update(overrides)
    return row
