"""The input format in words: every kind's columns, read off the loader's own declarations
(`kinds.py`), with a short description and an example row per kind.

`docs/input-format.md` is `input_format_markdown()` committed (a test keeps it current:
regenerate with `python -m berthcheck.ingest.schema_doc > docs/input-format.md`); `berthcheck
schema KIND` prints one kind's section and `berthcheck template KIND` writes an empty file
with the same headers.
"""

from __future__ import annotations

from typing import Any

from berthcheck.errors import UsageError
from berthcheck.ingest.kinds import KINDS, MAX_STAY_DAYS, Column, Kind, normalise_token

# Dependency order: a row may refer only to kinds loaded before it (visits before the sessions
# and events on them; reference tables first). `load-dir` loads in this order too.
LOAD_ORDER = (
    "ports", "berths", "terminals", "caecs", "allowances", "visit-counts", "coverage",
    "visits", "shore-power", "capture", "events",
)

TYPE_WORDS = {
    "text": "text",
    "imo": "IMO number: 7 digits, the last a valid check digit",
    "locode": "UN/LOCODE: 2-letter country + 3 letters or digits, e.g. USLAX",
    "enum": "one of the listed values (aliases accepted; case, spaces, '-' and '_' ignored)",
    "timestamp": "date and time, ISO 8601 (`2026-10-01 08:30` or `2026-10-01T08:30:00-07:00`); "
    "with an offset or `Z` an exact instant, without one local time at the port",
    "date": "date, YYYY-MM-DD",
    "bool": "true/false (also yes/no, y/n, 1/0)",
    "int": "whole number",
    "float": "number",
    "tz": "IANA time zone, e.g. America/Los_Angeles",
}

KIND_DESCRIPTIONS = {
    "visits": "One row per vessel call at a berth: the call log every rule reads.",
    "shore-power": "Shore power connections, each on one visit (several per visit allowed, "
    "never overlapping).",
    "capture": "Capture-and-control (CAECS) sessions, each on one visit.",
    "events": "Exceptions and their use on a visit: VIE/TIE, emergency, commissioning, "
    "remediation fund, FuelEU exceptions, ...",
    "berths": "The berths of each terminal and which control they offer.",
    "terminals": "Whether a terminal is regulated (not low-activity) for a vessel type and "
    "year. Without it the CARB pack computes low-activity status from the visits.",
    "allowances": "VIE (fleet) and TIE (terminal) allowances granted for a year.",
    "caecs": "CARB-approved emission control strategies (Executive Orders) and when each "
    "was approved.",
    "ports": "Ports to add to, or override in, the built-in ports table (time zone, which "
    "regulations apply).",
    "visit-counts": "A year's visit counts per fleet or terminal as reported by the holder "
    "(the base of the VIE/TIE allowance percentages), when the loaded visits are not all "
    "of them.",
    "coverage": "Which ports or fleets the loaded visits cover completely for a year.",
}

# Notes for columns whose meaning is not plain from the name and type.
COLUMN_NOTES = {
    ("visits", "ready_to_work"): "when the vessel was ready to work (CARB's start of the "
    "connection window); empty = the visit cannot be judged (insufficient_data)",
    ("visits", "arrival"): "all fast / first line",
    ("visits", "departure"): "last line; the visit belongs to the period of its port-local "
    "departure",
    ("visits", "pilot_on_board"): "pilot on board for departure",
    ("visits", "commissioned"): "the vessel's shore power system has been commissioned",
    ("visits", "reported_at"): "when the visit report was submitted",
    ("visits", "call_purpose"): "why the ship called (FuelEU: only cargo, passengers and "
    "offshore crew change make a port of call)",
    ("visits", "port_call"): "FuelEU port call: stays at one port with the same value are one "
    f"call (a berth shift), all of one ship, within {MAX_STAY_DAYS} days; the same value at "
    "another port is another call; empty = a call of its own",
    ("visits", "aux_power_kw"): "overrides the default auxiliary load at berth",
    ("visits", "boiler_power_kw"): "overrides the default boiler load at berth",
    ("visits", "fleet"): "the fleet VIEs are counted against; `--fleet` matches it",
    ("shore-power", "session_id"): "derived from the row when empty: "
    "`<visit_id>/SP/<UTC start>`",
    ("capture", "session_id"): "derived from the row when empty: `<visit_id>/CC/<UTC start>`",
    ("capture", "system_id"): "the CAECS Executive Order (see the caecs kind)",
    ("events", "event_id"): "derived from the row when empty: "
    "`<visit_id>/EV/<kind>/<UTC start or \"visit\">`",
    ("events", "start"): "empty = the whole visit (stored as start_time)",
    ("events", "end"): "stored as end_time (`end` is an SQL keyword)",
    ("allowances", "port"): "required for terminal holders (a TIE belongs to a terminal at "
    "one port)",
    ("visit-counts", "vessel_type"): "empty = all vessel types",
    ("visit-counts", "visits"): "the year's visits, innovative-concept visits excluded",
    ("coverage", "holder"): "a UN/LOCODE (kind port) or a fleet name (kind fleet)",
    ("berths", "shore_power"): "the berth can supply shore power; empty = unknown (a pack "
    "that needs it judges insufficient_data; CARB reads it as false)",
    ("berths", "ops_available"): "the quay is equipped with on-shore power (FuelEU Art. 6(2), "
    "from 2035); empty = unknown (fueleu-art6 judges a call it would decide insufficient_data)",
    ("ports", "ops_required_from"): "FuelEU Art. 6(3): a Member State requires on-shore power "
    "here from this date",
}

EXAMPLES: dict[str, dict[str, str]] = {
    "visits": {
        "visit_id": "LAX-2610-00001", "imo": "9337638", "vessel_name": "HANSE LYRA",
        "vessel_type": "container", "fleet": "Hanse Nordic Container Fleet",
        "operator": "Hanse Nordic Container", "port": "USLAX", "terminal": "TRAPAC",
        "berth": "B136", "arrival": "2026-09-29 08:52", "ready_to_work": "2026-09-29 10:57",
        "pilot_on_board": "2026-09-30 23:32", "departure": "2026-10-01 00:09",
        "shore_power_capable": "true", "commissioned": "true", "nox_tier": "1",
        "gross_tonnage": "80120", "teu": "8050", "reported_at": "2026-10-11 02:49",
        "call_purpose": "cargo",
    },
    "shore-power": {
        "session_id": "LAX-2610-00001-SP1", "visit_id": "LAX-2610-00001",
        "connected": "2026-09-29 11:45", "disconnected": "2026-09-30 23:11",
        "energy_kwh": "51421.7", "meter_id": "AMP-B136",
    },
    "capture": {
        "session_id": "LAX-2610-00001-CC1", "visit_id": "LAX-2610-00001",
        "system_id": "EO-AB-SAMPLE-01", "provider": "STAX Engineering",
        "started": "2026-09-30T23:15:00-07:00", "ended": "2026-09-30T23:30:00-07:00",
        "nox_inlet_ppm": "1103", "nox_outlet_ppm": "34.9",
    },
    "events": {
        "event_id": "LAX-2610-00001-EV1", "visit_id": "LAX-2610-00001", "kind": "vie",
        "reference": "VIE-2026-HNC-001", "note": "Shore power receptacle fault on board",
    },
    "berths": {
        "port": "USLAX", "terminal": "TRAPAC", "berth": "B136", "shore_power": "true",
        "capture_available": "false", "ops_available": "true",
    },
    "terminals": {
        "port": "USLAX", "terminal": "TRAPAC", "vessel_type": "container", "year": "2026",
        "regulated": "true",
    },
    "allowances": {
        "year": "2026", "holder_kind": "terminal", "holder": "TRAPAC", "granted": "3",
        "port": "USLAX",
    },
    "caecs": {
        "system_id": "EO-AB-SAMPLE-01", "name": "Barge capture system A",
        "approved_from": "2024-01-01",
    },
    "ports": {
        "port": "USLAX", "name": "Los Angeles", "timezone": "America/Los_Angeles",
        "country": "US", "carb_at_berth": "true", "afir_art9": "false",
    },
    "visit-counts": {
        "year": "2026", "holder_kind": "fleet", "holder": "Hanse Nordic Container Fleet",
        "port": "USLAX", "vessel_type": "container", "visits": "41",
        "source": "fleet annual report",
    },
    "coverage": {"kind": "port", "holder": "USLAX", "year": "2026"},
}


def kind_named(name: str) -> Kind:
    """A kind by its name, forgiving case, spaces, '-' and '_' (`shore_power`, `Visit Counts`)."""
    wanted = normalise_token(name)
    for kind in KINDS.values():
        if normalise_token(kind.name) in (wanted, wanted.rstrip("s")) or normalise_token(
            kind.table
        ) == wanted:
            return kind
    raise UsageError(f"unknown kind {name!r}; one of: {', '.join(LOAD_ORDER)}")


def column_schema(kind: Kind, col: Column) -> dict[str, Any]:
    return {
        "name": col.name,
        "type": col.type,
        "required": col.required,
        "aliases": list(col.aliases),
        "values": list(col.values),
        "value_aliases": dict(sorted(col.value_aliases.items())),
        "min": col.min,
        "max": col.max,
        "default": col.default,
        "note": COLUMN_NOTES.get((kind.name, col.name)),
        "example": EXAMPLES[kind.name].get(col.name, ""),
    }


def kind_schema(name: str) -> dict[str, Any]:
    """One kind as plain data (what `berthcheck schema KIND --json` prints)."""
    kind = kind_named(name)
    return {
        "kind": kind.name,
        "table": kind.table,
        "description": KIND_DESCRIPTIONS[kind.name],
        "key": list(kind.key),
        "local_times_at": {"self": "the row's port", "visit": "the visit's port"}.get(
            kind.port_from or "", None
        ),
        "columns": [column_schema(kind, c) for c in kind.columns],
        "example": {c.name: EXAMPLES[kind.name].get(c.name, "") for c in kind.columns},
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _constraint(col: Column) -> str:
    parts = []
    if col.values:
        parts.append("values: " + ", ".join(f"`{v}`" for v in col.values))
    if col.value_aliases:
        parts.append("also accepted: " + ", ".join(
            f"`{a}`→`{v}`" for a, v in sorted(col.value_aliases.items())
        ))
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"{col.min:g}"
        hi = "" if col.max is None else f"{col.max:g}"
        parts.append(f"range {lo}..{hi}")
    if col.default is not None:
        parts.append(f"default `{str(col.default).lower()}`")
    return "; ".join(parts)


def kind_markdown(name: str) -> str:
    """One kind's section of docs/input-format.md."""
    schema = kind_schema(name)
    kind = kind_named(name)
    lines = [
        f"## `{kind.name}`",
        "",
        schema["description"],
        "",
        f"`berthcheck load {kind.name} FILE` · table `{kind.table}` · key: "
        + " + ".join(f"`{k}`" for k in kind.key)
        + (f" · times without an offset are local at {schema['local_times_at']}"
           if schema["local_times_at"] else ""),
        "",
        "| column | type | required | aliases | accepted values, range, default | note |",
        "|---|---|---|---|---|---|",
    ]
    for col in kind.columns:
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{col.name}`",
            col.type,
            "required" if col.required else "optional",
            ", ".join(f"`{a}`" for a in col.aliases),
            _constraint(col),
            COLUMN_NOTES.get((kind.name, col.name)) or "",
        )) + " |")
    example = schema["example"]
    lines += [
        "",
        "Example (CSV):",
        "",
        "```",
        ",".join(example),
        ",".join(_csv_value(v) for v in example.values()),
        "```",
        "",
    ]
    return "\n".join(lines)


def _csv_value(text: str) -> str:
    return f'"{text}"' if any(ch in text for ch in ',"\n') else text


def input_format_markdown() -> str:
    """The whole of docs/input-format.md."""
    types = "\n".join(f"- `{t}`: {w}" for t, w in TYPE_WORDS.items())
    head = f"""# Input format

<!-- Generated from berthcheck/ingest/kinds.py by berthcheck/ingest/schema_doc.py; do not
edit by hand. Regenerate: python -m berthcheck.ingest.schema_doc > docs/input-format.md -->

berthcheck loads CSV, Parquet or XLSX files, one kind per `berthcheck load KIND FILE...`
(or a whole folder with `berthcheck load-dir DIR`). `berthcheck schema KIND` prints a
kind's section below (`--json` for scripts); `berthcheck template KIND --out FILE.csv`
(or `.xlsx`) writes an empty file with its headers.

- Headers match on their letters and digits only, so case, spaces (line breaks of a
  wrapped header and non-breaking spaces too), `-`, `_`, dots and brackets are ignored
  (`Energy (kWh)` is `energy_kwh`, `IMO No.` is `imo_no`), and the aliases listed.
- Required columns must be present and filled; optional ones may be missing or empty.
- Unknown columns are kept (as JSON in `extra`) but never read by the rules; `load` names
  them (`unread_columns` in `--json`), so a misspelt optional column is not read as empty
  unnoticed.
- Columns without a header (the trailing commas of Excel's "Save as CSV") are ignored when
  empty; a value in one is an error naming its row and column.
- Numbers take a decimal point and no thousands separator: `51421,7` is refused (the
  message gives its reading with a point); times are 24-hour ISO 8601 (`2026-10-03 14:20`),
  `10/03/2026 2:20 PM` is refused (a date with slashes or dots is never read in a guessed day
  and month order: the message gives the value's own readings). Spreadsheet date-time cells are read as typed, to the
  nearest second (a serial stored to fewer decimals, 07:59:59.997, is the 08:00 Excel shows).
- A cell (of any column, unread ones too) holding a control character, C0 other than tab,
  line feed and carriage return (NUL, ESC, ...), DEL or C1 (U+0080-U+009F), is a row error
  naming row, column and the value with the character escaped (`NUL\\x00SHIP`): nothing
  invisible is ever stored. A header holding one refuses the file.
- Only `.csv` (`.txt`), `.parquet` and `.xlsx` files are read. A web page or an Excel
  97-2003 / 2003 XML file (what many systems' "export to Excel" writes as `.xls`, or even
  `.xlsx`) is refused as such: open it and save it as `.xlsx` or CSV UTF-8.
- A title row above the header, merged header cells or a totals row below the data are
  read as the header or as a row, and refused: delete them before loading.
- Load order (a row may refer only to kinds loaded before it):
  {", ".join(f"`{k}`" for k in LOAD_ORDER)}.

Types:

{types}

"""
    return head + "\n".join(kind_markdown(k) for k in LOAD_ORDER)


if __name__ == "__main__":  # python -m berthcheck.ingest.schema_doc > docs/input-format.md
    import sys

    sys.stdout.write(input_format_markdown())
