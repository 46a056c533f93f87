"""What each load kind looks like: columns, types, aliases, keys.

This is the data contract's section 2 written as data. Readers, schemas and the store all
read it from here, so a column is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# data contract 2: a longer stay is an error, and so is a port call (visits' port_call) longer
# from first arrival to last departure
MAX_STAY_DAYS = 60
# optional columns no generated sample fills (the samples have no berth shift, and their
# yearly counts state no innovative-concept visits)
NOT_IN_SAMPLES = ("port_call", "innovative_concept_visits")

VESSEL_TYPES = (
    "container",
    "reefer",
    "passenger",
    "roro",
    "tanker",
    "bulk",
    "general_cargo",
    "articulated_tug_barge",
    "other",
)

# Why a ship called (FuelEU Art. 3: only cargo, passengers and offshore crew change make a
# "port of call"; the other purposes are stops that are not). The CARB pack ignores it.
CALL_PURPOSES = (
    "cargo",
    "passengers",
    "offshore_crew_change",
    "bunkering",
    "supplies",
    "crew_change",
    "repair",
    "shelter",
    "search_and_rescue",
    "distress",
    "other",
)

CALL_PURPOSE_ALIASES = {
    "refuelling": "bunkering",
    "refueling": "bunkering",
    "bunker": "bunkering",
    "crewrelief": "crew_change",
    "drydock": "repair",
    "repairs": "repair",
    "weathershelter": "shelter",
    "sar": "search_and_rescue",
    "passenger": "passengers",
}

# Values as shippers and terminals write them -> the contract's enum. Matching ignores case
# and treats spaces, '-' and '_' alike (see normalise_token).
VESSEL_TYPE_ALIASES = {
    "cruise": "passenger",
    "cruiseship": "passenger",
    "passengership": "passenger",
    "roro": "roro",
    "vehiclecarrier": "roro",
    "pctc": "roro",
    "pcc": "roro",
    "carcarrier": "roro",
    "refrigeratedcargo": "reefer",
    "generalcargo": "general_cargo",
    "bulkcarrier": "bulk",
    "containership": "container",
    "oiltanker": "tanker",
    "chemicaltanker": "tanker",
    "producttanker": "tanker",
    # 17 CCR 93130.2(b)(7): an articulated tug barge is not an ocean-going vessel
    "atb": "articulated_tug_barge",
    "articulatedtugbarge": "articulated_tug_barge",
    "tugbarge": "articulated_tug_barge",
}

EVENT_KINDS = (
    "vie",
    "tie",
    "emergency",
    "commissioning",
    "research",
    "innovative_concept",
    "remediation",
    "zero_emission_tech",
    "ops_unavailable",
    "ops_incompatible",
    "unscheduled_call",
)

EVENT_KIND_ALIASES = {
    "vesselincidentevent": "vie",
    "terminalincidentevent": "tie",
    "safetyandemergency": "emergency",
    "safetyemergency": "emergency",
    "remediationfund": "remediation",
    "innovativeconcept": "innovative_concept",
    "zeroemissiontechnology": "zero_emission_tech",
    "opsunavailable": "ops_unavailable",
    "opsincompatible": "ops_incompatible",
    "unscheduledcall": "unscheduled_call",
    "unscheduledportcall": "unscheduled_call",
}

# Plausibility bounds (docs/reliability.md), enforced by ingest/bounds.py with each column's
# own min/max: every time and date lies in these years, every text cell is at most this long.
YEAR_MIN, YEAR_MAX = 1990, 2100
TEXT_MAX_LENGTH = 1000

HOLDER_KINDS = ("fleet", "terminal")
COVERAGE_KINDS = ("port", "fleet")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | imo | locode | enum | timestamp | date | bool | int | float | tz
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # enum values
    value_aliases: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    default: object = None  # value used when the column is absent or the cell empty

    @property
    def sql_type(self) -> str:
        return {
            "timestamp": "TIMESTAMPTZ",
            "date": "DATE",
            "bool": "BOOLEAN",
            "int": "INTEGER",
            "float": "DOUBLE",
        }.get(self.type, "VARCHAR")


@dataclass(frozen=True)
class Kind:
    name: str  # the CLI's word: visits, shore-power, ...
    table: str  # the store's table (a view over <table>_versions)
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # identity of a row; reloading a key with new content needs --replace
    derived_key: str | None = None  # how to derive a missing single-column key (see derive)
    # timestamps without an offset are local time at the port of ...
    port_from: str | None = None  # "self" (a port column) or "visit" (the row's visit)
    # rows ship built in (ingest/reference.py): a file overriding them may leave out any
    # column but the key, required or not, and keeps the built-in row's value for it
    builtin_rows: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def sample_column_names(self) -> tuple[str, ...]:
        """The columns `berthcheck sample` writes: all but those no sample fills (NOT_IN_SAMPLES),
        so the committed sample files keep their headers."""
        return tuple(c.name for c in self.columns if c.name not in NOT_IN_SAMPLES)


def _c(name: str, type_: str, required: bool = False, **kw) -> Column:
    return Column(name, type_, required, **kw)


VISITS = Kind(
    name="visits",
    table="visits",
    key=("visit_id",),
    port_from="self",
    columns=(
        _c("visit_id", "text", True, aliases=("visit", "call_id", "visit_number", "call_number")),
        _c("imo", "imo", True, aliases=("imo_number", "imo_no", "vessel_imo")),
        _c("vessel_name", "text", True, aliases=("vessel", "ship_name", "name")),
        _c(
            "vessel_type",
            "enum",
            True,
            aliases=("type", "ship_type"),
            values=VESSEL_TYPES,
            value_aliases=VESSEL_TYPE_ALIASES,
        ),
        _c("fleet", "text", aliases=("fleet_name",)),
        _c("operator", "text", aliases=("vessel_operator", "line", "shipping_line")),
        _c("port", "locode", True, aliases=("port_code", "unlocode", "locode")),
        _c("terminal", "text", True, aliases=("terminal_code", "terminal_id")),
        _c("berth", "text", True, aliases=("berth_code", "berth_id")),
        _c("arrival", "timestamp", True, aliases=("all_fast", "first_line", "arrival_time", "ata")),
        _c("ready_to_work", "timestamp", aliases=("rtw", "ready_to_work_time")),
        _c("pilot_on_board", "timestamp", aliases=("pob", "pilot_on_board_time")),
        _c("departure", "timestamp", True, aliases=("last_line", "departure_time", "atd")),
        _c("shore_power_capable", "bool", aliases=("shore_power_vessel", "sp_capable"), default=False),
        _c("commissioned", "bool"),
        _c("nox_tier", "int", aliases=("imo_nox_tier", "tier"), min=0, max=3),
        _c("gross_tonnage", "float", aliases=("gt",), min=0, max=500_000),
        _c("teu", "float", aliases=("teu_capacity",), min=0, max=50_000),
        _c("aux_power_kw", "float", aliases=("aux_kw", "auxiliary_power_kw"), min=0, max=100_000),
        _c("boiler_power_kw", "float", aliases=("boiler_kw",), min=0, max=50_000),
        _c("reported_at", "timestamp", aliases=("report_submitted", "reported")),
        # extensions for the emission load defaults (Starcrest 2016 size bins)
        _c("dwt", "float", aliases=("deadweight", "dwt_tonnes"), min=0, max=700_000),
        _c("passengers", "float", aliases=("pax", "passenger_capacity"), min=0, max=20_000),
        _c("aux_engine_speed", "enum", aliases=("engine_speed",), values=("MSD", "HSD"),
           value_aliases={"msd": "MSD", "hsd": "HSD", "mediumspeed": "MSD", "highspeed": "HSD"}),
        _c("call_purpose", "enum", aliases=("purpose", "purpose_of_call"), values=CALL_PURPOSES,
           value_aliases=CALL_PURPOSE_ALIASES, default="cargo"),
        # FuelEU's unit is the port call: stays with the same value are one call (same ship,
        # same port; checked in cross_rows.py). Empty = the stay is a call of its own.
        _c("port_call", "text", aliases=("port_call_id", "port_call_reference")),
    ),
)

SHORE_POWER = Kind(
    name="shore-power",
    table="shore_power",
    key=("session_id",),
    derived_key="SP",
    port_from="visit",
    columns=(
        _c("session_id", "text", aliases=("connection_id",)),
        _c("visit_id", "text", True, aliases=("visit", "call_id")),
        _c("connected", "timestamp", True, aliases=("connect", "connection_start", "plug_in")),
        _c("disconnected", "timestamp", True, aliases=("disconnect", "connection_end", "plug_out")),
        _c("energy_kwh", "float", aliases=("kwh", "energy"), min=0, max=50_000_000),
        _c("meter_id", "text", aliases=("meter",)),
    ),
)

CAPTURE = Kind(
    name="capture",
    table="capture",
    key=("session_id",),
    derived_key="CC",
    port_from="visit",
    columns=(
        _c("session_id", "text"),
        _c("visit_id", "text", True, aliases=("visit", "call_id")),
        _c("system_id", "text", True, aliases=("executive_order", "eo_number", "caecs_id")),
        _c("provider", "text", aliases=("caecs_operator", "operator")),
        _c("started", "timestamp", True, aliases=("start", "control_start", "begin")),
        _c("ended", "timestamp", True, aliases=("end", "control_end", "stop")),
        _c("nox_inlet_ppm", "float", aliases=("inlet_nox_ppm", "nox_inlet"), min=0, max=10_000),
        _c("nox_outlet_ppm", "float", aliases=("outlet_nox_ppm", "nox_outlet"), min=0, max=10_000),
    ),
)

EVENTS = Kind(
    name="events",
    table="events",
    key=("event_id",),
    derived_key="EV",
    port_from="visit",
    columns=(
        _c("event_id", "text"),
        _c("visit_id", "text", True, aliases=("visit", "call_id")),
        _c(
            "kind",
            "enum",
            True,
            aliases=("event_kind", "event_type", "type"),
            values=EVENT_KINDS,
            value_aliases=EVENT_KIND_ALIASES,
        ),
        # stored as start_time / end_time: `end` is an SQL keyword
        _c("start", "timestamp", aliases=("start_time", "from")),
        _c("end", "timestamp", aliases=("end_time", "to")),
        _c("reference", "text", aliases=("approval", "authorization")),
        _c("note", "text", aliases=("notes", "remark", "remarks")),
        # the regulator's written approval where a rule requires one (e.g. CARB's approval of a
        # commissioning visit that is not the vessel's first at the terminal)
        _c("approval_ref", "text", aliases=("approval_reference", "carb_approval")),
    ),
)

BERTHS = Kind(
    name="berths",
    table="berths",
    key=("port", "terminal", "berth"),
    columns=(
        _c("port", "locode", True),
        _c("terminal", "text", True),
        _c("berth", "text", True),
        # no default: an empty cell is unknown (NULL), not "no supply". A pack that needs
        # the answer (China's Art. 11) then judges insufficient_data; CARB reads it as false.
        _c("shore_power", "bool"),
        _c("capture_available", "bool", default=False),
        # no default either: FuelEU Art. 6(2) (from 2035) covers a call where the quay has OPS,
        # so an empty cell is unknown, and the pack judges insufficient_data, not "no OPS"
        _c("ops_available", "bool"),
    ),
)

TERMINALS = Kind(
    name="terminals",
    table="terminals",
    key=("port", "terminal", "vessel_type", "year"),
    columns=(
        _c("port", "locode", True),
        _c("terminal", "text", True),
        _c("vessel_type", "enum", True, values=VESSEL_TYPES, value_aliases=VESSEL_TYPE_ALIASES),
        _c("year", "int", True, min=2000, max=2100),
        _c("regulated", "bool", True),
    ),
)

ALLOWANCES = Kind(
    name="allowances",
    table="allowances",
    key=("year", "holder_kind", "holder", "port"),
    columns=(
        _c("year", "int", True, min=2000, max=2100),
        _c("holder_kind", "enum", True, values=HOLDER_KINDS),
        _c("holder", "text", True),
        _c("granted", "int", True, min=0),
        # a TIE belongs to a terminal at one port (required for terminal holders)
        _c("port", "locode", aliases=("port_code", "unlocode", "locode")),
    ),
)

VISIT_COUNTS = Kind(
    name="visit-counts",
    table="visit_counts",
    key=("year", "holder_kind", "holder", "port", "vessel_type"),
    columns=(
        _c("year", "int", True, min=2000, max=2100),
        _c("holder_kind", "enum", True, values=HOLDER_KINDS),
        _c("holder", "text", True),
        _c("port", "locode", aliases=("port_code", "unlocode", "locode")),
        # empty = all vessel types
        _c("vessel_type", "enum", values=VESSEL_TYPES, value_aliases=VESSEL_TYPE_ALIASES),
        # the year's visits, innovative-concept visits excluded
        _c("visits", "int", True, aliases=("visit_count", "count"), min=0),
        _c("source", "text", aliases=("reported_by",)),
        # the innovative-concept visits left out of `visits` (empty = none): VIE/TIE counts leave
        # them out (§ 93130.11(a)), a terminal's low activity status counts them (§ 93130.10(a))
        _c("innovative_concept_visits", "int", aliases=("ic_visits",), min=0),
    ),
)

COVERAGE = Kind(
    name="coverage",
    table="coverage",
    key=("kind", "holder", "year"),
    columns=(
        _c("kind", "enum", True, aliases=("holder_kind",), values=COVERAGE_KINDS),
        _c("holder", "text", True),  # a UN/LOCODE (kind port) or a fleet name
        _c("year", "int", True, min=2000, max=2100),
    ),
)

CAECS = Kind(
    name="caecs",
    table="caecs",
    key=("system_id",),
    columns=(
        _c("system_id", "text", True, aliases=("executive_order", "eo_number")),
        _c("name", "text"),
        _c("approved_from", "date", True),
        _c("approved_to", "date"),
    ),
)

PORT_AREAS = ("coastal", "inland")
# The Measures' own words (港口和船舶岸电管理办法 Art. 11): 沿海港口 coastal port, 内河港口 inland port
PORT_AREA_ALIASES = {"沿海": "coastal", "沿海港口": "coastal", "内河": "inland", "内河港口": "inland"}

# AFIR (Reg. (EU) 2023/1804) Art. 9(1) sets a port's OPS duty per ship category: (a) container
# ships, (b) ro-ro passenger ships and high-speed passenger craft, (c) other passenger ships.
# The visits' vessel_type has container and passenger (ro-pax and cruise both load as passenger),
# so a port covered for one category names it; empty = every category (docs/regulations-fueleu.md)
AFIR_SHIP_TYPES = ("container", "passenger")
AFIR_SHIP_TYPE_ALIASES = {
    "containership": "container", "cruise": "passenger", "cruiseship": "passenger",
    "passengership": "passenger", "ropax": "passenger", "ropassenger": "passenger",
}

PORTS = Kind(
    name="ports",
    table="ports_user",
    key=("port",),
    builtin_rows=True,
    columns=(
        _c("port", "locode", True),
        _c("name", "text"),
        _c("timezone", "tz", True, aliases=("tz", "time_zone")),
        _c("country", "text"),
        _c("carb_at_berth", "bool", default=False),
        _c("afir_art9", "bool", default=False),
        _c("note", "text"),
        # FuelEU Art. 6(3): a Member State's decision to require OPS in this (non-AFIR Art. 9)
        # port from this date (the start of a reporting period); empty = no such decision
        _c("ops_required_from", "date", aliases=("ops_required_since", "member_state_ops_from")),
        # China's shore-power Measures (Art. 11): a coastal port (3 h) or an inland port (2 h);
        # empty = not classified (the cn-shore-power pack then cannot judge its calls)
        _c("port_area", "enum", aliases=("area", "coastal_inland"), values=PORT_AREAS,
           value_aliases=PORT_AREA_ALIASES),
        # FuelEU Art. 6(1) via AFIR Art. 9(1): the one ship type AFIR Art. 9 covers this port
        # for, when afir_art9 is true; empty = every type (a port covered for both)
        _c("afir_art9_ship_type", "enum", aliases=("afir_art9_type",), values=AFIR_SHIP_TYPES,
           value_aliases=AFIR_SHIP_TYPE_ALIASES),
    ),
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (VISITS, SHORE_POWER, CAPTURE, EVENTS, BERTHS, TERMINALS, ALLOWANCES, CAECS, PORTS,
              VISIT_COUNTS, COVERAGE)
}


def storage_name(column: str) -> str:
    """The store's column for a contract column (only events' start/end differ)."""
    return {"start": "start_time", "end": "end_time"}.get(column, column)


def normalise_token(text: str) -> str:
    """Header and enum matching ignores case, spaces, '-' and '_'. Any white space counts as
    a space: a spreadsheet's wrapped header ("Ready to" Alt-Enter "work") holds a line break,
    one pasted from a web page a non-breaking space; read as other names, their columns were
    kept as unknown and read as empty."""
    return "".join(ch for ch in text.strip().lower() if ch not in "-_" and not ch.isspace())
