"""A table's rows typed and checked one by one: each row's time zone (its port's, or its
visit's), every cell typed (coerce.py), derived keys, the built-in reference rows, and every
per-row problem; nothing is stored yet.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from berthcheck import store
from berthcheck.errors import RowError
from berthcheck.ingest import reference
from berthcheck.ingest.bounds import bound_errors
from berthcheck.ingest.coerce import TZ, coerce
from berthcheck.ingest.cross_rows import SPANS, VISIT_STAY, unknown_visit_errors
from berthcheck.ingest.kinds import Kind, storage_name
from berthcheck.ingest.read import ROW, RawTable, ReadOptions, read_table
from berthcheck.ingest.row_problems import coercion_errors, duplicate_key_errors, schema_errors


def _attach_timezones(con, raw: RawTable, kind: Kind) -> pl.DataFrame:
    """Add TZ: the zone in which this row's naive times are read."""
    frame = raw.frame
    if kind.port_from is None:
        return frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(TZ))
    if kind.port_from == "self":
        ports = store.fetch_polars(con, "SELECT port AS __port, timezone AS _tz FROM ports",
                                   small=True)
        key = frame["port"].str.strip_chars().str.to_uppercase().str.replace_all(" ", "")
        frame, on, zones = frame.with_columns(key.alias("__port")), "__port", ports
    else:  # the visit's port, for sessions and events
        frame = frame.with_columns(pl.col("visit_id").str.strip_chars().alias("__visit"))
        on = "__visit"
        zones = _visit_zones(con, frame[on])
    # Only the key column is joined, in the frame's row order, and the zone columns are then
    # added to the frame: joining the whole frame would copy every text column of the file.
    added = frame.select(on).join(zones, on=on, how="left", maintain_order="left").drop(on)
    if added.height == frame.height:
        frame = frame.drop(on).with_columns(added)
    else:  # a key matched twice (not a stored state berthcheck makes): join the whole frame
        frame = frame.join(zones, on=on, how="left", maintain_order="left").drop(on)
    # rows in file order (an adapter's frame in another order is sorted, as before)
    return frame if frame[ROW].is_sorted() else frame.sort(ROW)


def _visit_zones(con, visits: pl.Series) -> pl.DataFrame:
    """(__visit, _tz, _known_visit, and the visit's stay `VISIT_STAY`) of the stored visits
    whose id is one of `visits` (the file's ids, as the join matches them: exactly, nulls
    never): every stored visit was fetched for every file of sessions or events, a million
    rows for a few thousand events. The stay is carried to the check of each row's span
    against it (cross_rows.py), which joined the file's rows with the stored visits again."""
    ids = visits.alias("__visit").to_frame()
    store.register(con, "_bc_visit_ids", ids)
    arrival, departure = VISIT_STAY
    try:
        return store.fetch_polars(
            con,
            "SELECT v.visit_id AS __visit, p.timezone AS _tz, TRUE AS _known_visit, "  # noqa: S608
            f"v.arrival AS {arrival}, v.departure AS {departure} FROM visits v "
            "LEFT JOIN ports p ON p.port = v.port "
            "WHERE v.visit_id IN (SELECT __visit FROM _bc_visit_ids)",
            small=ids.height < store.SMALL_TABLE_ROWS,  # a small file's visits: bound once
        )
    finally:
        con.unregister("_bc_visit_ids")


def _derive_keys(typed: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Sessions and events without an id get one from their visit and start."""
    if kind.derived_key is None:
        return typed
    key = kind.key[0]
    if not typed[key].is_null().any():
        # every row has its id: none to make (writing every start as text for the coalesce
        # cost 0.15-0.18 CPU s per 546 000 shore-power sessions, all of them with an id)
        return typed
    start = SPANS[kind.name][0]
    stamp = pl.col(start).dt.strftime("%Y%m%dT%H%M%SZ")
    if kind.name == "events":  # an event with only an end runs from arrival to that end
        stamp = stamp.fill_null(pl.lit("to-") + pl.col("end").dt.strftime("%Y%m%dT%H%M%SZ"))
    stamp = stamp.fill_null("visit")
    parts = [pl.col("visit_id"), pl.lit(kind.derived_key)]
    if kind.name == "events":
        parts.append(pl.col("kind"))
    derived = pl.concat_str([*parts, stamp], separator="/")
    return typed.with_columns(pl.coalesce(pl.col(key), derived).alias(key))



@dataclass
class Prepared:
    raw: RawTable
    label: str
    typed: pl.DataFrame  # every row, typed, storage column names
    errors: list[RowError]
    warnings: list[RowError]


def _without_zone_errors(errors: list[RowError], rows: set[int]) -> list[RowError]:
    """Drop 'zone unknown' errors on rows whose real problem is reported otherwise."""
    return [e for e in errors if not (e.row in rows and "time zone is unknown" in e.reason)]


def polars_engine(rows: int) -> AbstractContextManager:
    """A table of fewer rows than store.SMALL_TABLE_ROWS is typed and checked on polars'
    in-memory engine: a small file's load runs some 250 polars queries, and the default
    engine's start per query was about a sixth of that load's CPU. Larger tables keep the
    default engine (and its peak memory)."""
    if rows < store.SMALL_TABLE_ROWS:
        return pl.Config(engine_affinity="in-memory")
    return nullcontext()


def prepare(con, path: Path, kind: Kind, options: ReadOptions | None = None,
             raw: RawTable | None = None) -> Prepared:
    # adapters (JIT, Wharfinger) hand a table over; files are read here
    raw = raw if raw is not None else read_table(path, kind, options)
    with polars_engine(raw.frame.height):
        return _typed_and_checked(con, raw, kind)


def _typed_and_checked(con, raw: RawTable, kind: Kind) -> Prepared:
    label = raw.label or raw.path.name
    frame = _attach_timezones(con, raw, kind)
    typed = _derive_keys(coerce(frame, kind), kind)
    typed = reference.fill_from_builtin(typed, kind, raw.present)
    # cells holding a control character first (read.py; an adapter's table: its own check)
    errors = list(raw.problems)
    errors += coercion_errors(typed, kind, label) + schema_errors(typed, kind, label)
    errors += reference.row_errors(typed, kind, label)
    errors += bound_errors(typed, kind, label, {(e.row, e.column) for e in errors})
    if kind.port_from == "self":
        # A port not in the ports table is an error even when every time carries an offset
        # (the rules need the port's zone for the reporting period and its flags).
        unknown_port = typed.filter(
            pl.col("port").is_not_null() & pl.col(TZ).is_null()
            & pl.col("port").str.contains(r"^[A-Z]{2}[A-Z2-9]{3}$")
        ).select(ROW, "_raw_port")
        errors += [
            RowError(label, row, "port", raw_port or "",
                     "port not in the ports table (load it with `berthcheck load ports`)")
            for row, raw_port in unknown_port.iter_rows()
        ]
        # A bad or unknown port code is reported once, not again as a missing zone on every time.
        errors = _without_zone_errors(errors, {e.row for e in errors if e.column == "port"})
    if kind.port_from == "visit":
        # A session of an unknown visit: say that, not that its times lack a zone.
        unknown = typed.filter(
            pl.col("visit_id").is_not_null() & pl.col("_known_visit").is_null()
        ).select(ROW, "visit_id")
        errors = _without_zone_errors(errors, set(unknown[ROW].to_list()))
        errors += unknown_visit_errors(con, label, unknown.iter_rows())
    errors += duplicate_key_errors(typed, kind, label)
    warnings = thousands_warnings(typed, kind, label, raw.delimiter)
    warnings += reference.flag_warnings(typed, kind, label, raw.present)
    typed = typed.rename({c.name: storage_name(c.name) for c in kind.columns
                          if storage_name(c.name) != c.name})
    return Prepared(raw, label, typed, errors, warnings)


# 80.120 or 1.234.567: a point before each group of three digits, as a thousands separator
_THOUSANDS = r"^\d{1,3}(\.\d{3})+$"


def thousands_warnings(typed: pl.DataFrame, kind: Kind, label: str,
                       delimiter: str | None) -> list[RowError]:
    """A `;`-separated file is a European export, where `80.120` may mean 80 120 (a point
    between thousands) and is read as 80.12: said per value, never guessed. (A gross tonnage of
    80.12 puts a container ship under FuelEU's 5 000 GT.) Other files: a point is a decimal.
    A row with an error is not loaded: the load drops its warnings (ingest/load.py)."""
    if delimiter != ";":
        return []
    out = []
    for col in kind.columns:
        raw = "_raw_" + col.name
        if col.type != "float" or raw not in typed.columns:
            continue
        hits = typed.filter(pl.col(raw).str.strip_chars().str.contains(_THOUSANDS))
        for row, text in hits.select(ROW, raw).iter_rows():
            read = float(text.strip())
            out.append(RowError(
                label, row, col.name, text,
                f"read as {read:g}; in a ';'-separated file a point may separate thousands: if "
                f"{text.strip().replace('.', '')} is meant, write it without the point"))
    return out
