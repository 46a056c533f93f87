"""`berthcheck load`: files -> validated rows -> the store, all or nothing.

The flow for each file: read as text (read.py) -> type every cell (coerce.py) -> row checks
(schemas.py, pandera) -> cross-row checks in SQL against what is already stored -> compare
with stored versions (unchanged / new / changed) -> write. Every problem is collected first;
unless --quarantine is given, one bad row anywhere rejects the whole command and the database
is left exactly as it was.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pandera.polars as pa
import polars as pl

from berthcheck import __version__, store
from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.fingerprints import digest_batch, piece_from_seals
from berthcheck.ingest import reference
from berthcheck.ingest.bounds import bound_errors
from berthcheck.ingest.coerce import ERR, TZ, coerce
from berthcheck.ingest.holders import allowance_ports
from berthcheck.ingest.kinds import KINDS, Kind, storage_name
from berthcheck.ingest.read import ROW, RawTable, ReadOptions, read_table
from berthcheck.schemas import INPUT_SCHEMAS
from berthcheck.seals import row_text_sql, seal_batch, seal_frame, sha256_columns, texts_sql

SOURCE_PATH = "_source_path"  # lineage column of adapters' rows: where each value came from
SESSION_TOLERANCE_MINUTES = 15  # data contract section 2: allowed, then clipped with a warning
_SPANS = {  # kinds whose rows cover a stretch of their visit: (start column, end column)
    "shore-power": ("connected", "disconnected"),
    "capture": ("started", "ended"),
    "events": ("start", "end"),
}


@dataclass
class AdapterSource:
    """A table an adapter (DCSA JIT, Wharfinger) made from its own format, handed to the same
    checks and writes as a file `load` reads itself.

    `raw` is the table as text (as `read_table` returns it), `errors` what the adapter itself
    found, `locate` turns a problem on a table row into one naming the source's own place
    (JSON path, file column), and `corrections` lists keys whose changed content is a
    correction the source itself issued (loaded as if `--replace` were given)."""

    raw: RawTable
    errors: list[RowError] = field(default_factory=list)
    locate: Callable[[RowError], RowError] | None = None
    corrections: set[str] | None = None
    # drops the loader's own problems that only repeat one the adapter reported better
    keep: Callable[[RowError], bool] | None = None


@dataclass
class FileReport:
    file: str
    kind: str
    batch_id: int | None
    rows_in_file: int
    inserted: int = 0
    unchanged: int = 0
    replaced: int = 0
    quarantined: int = 0
    warnings: list[RowError] = field(default_factory=list)
    # built-in reference rows this file overrides, and what it changed in them
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    kind: str
    files: list[FileReport]
    errors: list[RowError] = field(default_factory=list)  # quarantined problems

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.files)


# --- per-row problems ------------------------------------------------------------------------


def _coercion_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    errors = []
    # which columns have any error, in one query (a small file has none, mostly)
    flagged = typed.select(
        pl.col(ERR + c.name).is_not_null().any().alias(c.name) for c in kind.columns).row(0)
    for col, has_error in zip(kind.columns, flagged, strict=True):
        if not has_error:
            continue
        # the three columns first, then the filter: filtering the whole frame copies it all
        bad = typed.select(ROW, "_raw_" + col.name, ERR + col.name).filter(
            pl.col(ERR + col.name).is_not_null()
        )
        errors += [
            RowError(label, row, col.name, raw or "", reason) for row, raw, reason in bad.iter_rows()
        ]
    return errors


_CHECK_WORDS = {
    "not_nullable": "is required but empty",
    "greater_than_or_equal_to": "must be at least {}",
    "greater_than": "must be greater than {}",
    "less_than_or_equal_to": "must be at most {}",
    "isin": "is not one of the accepted values {}",
    "str_matches": "has the wrong shape (expected {})",
}


def _reason(check: str) -> tuple[str | None, str]:
    """pandera's check name -> (column it names, if any; reason in plain words)."""
    if "|" in check:
        column, reason = check.split("|", 1)
        return column, reason
    name, _, arg = check.partition("(")
    template = _CHECK_WORDS.get(name)
    if template is None:
        return None, check
    arg = arg.rstrip(")")
    if name == "str_matches" and "A-Z" in arg:
        arg = "a UN/LOCODE such as USLAX"
    if name == "isin":  # "['cargo', 'passengers']" -> "cargo, passengers"
        arg = ", ".join(v.strip(" '\"") for v in arg.strip("[]").split(","))
    return None, template.format(arg)


def _schema_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    from berthcheck.engine.schemas import holds

    model = INPUT_SCHEMAS[kind.name]
    # every check of the model in one polars query first (pandera runs each as a query of its
    # own: a tenth of a small file's load); pandera validates only when it finds something,
    # and then names each failing row and check as before
    if holds(model.to_schema(), typed):
        return []
    try:
        model.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    rows = typed[ROW]
    has_coercion_error = {
        col.name: typed[ERR + col.name].is_not_null() for col in kind.columns
    }
    errors = []
    for check, column, index in cases.select("check", "column", "index").iter_rows():
        if index is None:  # a dtype problem is a bug of ours, not the user's
            raise RuntimeError(f"schema {model.__name__} rejected column {column}: {check}")
        named, reason = _reason(check)
        column = named or column
        if column in has_coercion_error and has_coercion_error[column][index]:
            continue  # already reported, with the text as written
        raw = typed["_raw_" + column][index] if "_raw_" + column in typed.columns else ""
        errors.append(RowError(label, int(rows[index]), column, raw or "", reason))
    return errors


def _duplicate_key_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    # the key columns first, then the filter: filtering the whole frame copies it all
    keyed = typed.select(ROW, *kind.key).filter(
        pl.all_horizontal([pl.col(k).is_not_null() for k in kind.key]))
    dup = keyed.filter(pl.struct(kind.key).is_duplicated())
    if dup.is_empty():
        return []
    first = dup.group_by(kind.key).agg(pl.col(ROW).min().alias("_first"))
    dup = dup.join(first, on=list(kind.key), nulls_equal=True)
    column = "+".join(kind.key)
    return [
        RowError(label, row, column, " / ".join(str(r[k]) for k in kind.key),
                 f"duplicate of row {first_row} in this file")
        for r in dup.iter_rows(named=True)
        if (row := r[ROW]) != (first_row := r["_first"])
    ]


# --- time zones and derived keys -------------------------------------------------------------


def _attach_timezones(con, raw: RawTable, kind: Kind) -> pl.DataFrame:
    """Add TZ: the zone in which this row's naive times are read."""
    frame = raw.frame
    if kind.port_from is None:
        return frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(TZ))
    if kind.port_from == "self":
        ports = store.fetch_polars(con, "SELECT port AS __port, timezone AS _tz FROM ports")
        key = frame["port"].str.strip_chars().str.to_uppercase().str.replace_all(" ", "")
        frame, on, zones = frame.with_columns(key.alias("__port")), "__port", ports
    else:  # the visit's port, for sessions and events
        zones = store.fetch_polars(
            con,
            "SELECT v.visit_id AS __visit, p.timezone AS _tz, TRUE AS _known_visit FROM visits v "
            "LEFT JOIN ports p ON p.port = v.port",
        )
        frame = frame.with_columns(pl.col("visit_id").str.strip_chars().alias("__visit"))
        on = "__visit"
    # Only the key column is joined, in the frame's row order, and the zone columns are then
    # added to the frame: joining the whole frame would copy every text column of the file.
    added = frame.select(on).join(zones, on=on, how="left", maintain_order="left").drop(on)
    if added.height == frame.height:
        frame = frame.drop(on).with_columns(added)
    else:  # a key matched twice (not a stored state berthcheck makes): join the whole frame
        frame = frame.join(zones, on=on, how="left", maintain_order="left").drop(on)
    # rows in file order (an adapter's frame in another order is sorted, as before)
    return frame if frame[ROW].is_sorted() else frame.sort(ROW)


def _derive_keys(typed: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Sessions and events without an id get one from their visit and start."""
    if kind.derived_key is None:
        return typed
    key = kind.key[0]
    start = _SPANS[kind.name][0]
    stamp = pl.col(start).dt.strftime("%Y%m%dT%H%M%SZ")
    if kind.name == "events":  # an event with only an end runs from arrival to that end
        stamp = stamp.fill_null(pl.lit("to-") + pl.col("end").dt.strftime("%Y%m%dT%H%M%SZ"))
    stamp = stamp.fill_null("visit")
    parts = [pl.col("visit_id"), pl.lit(kind.derived_key)]
    if kind.name == "events":
        parts.append(pl.col("kind"))
    derived = pl.concat_str([*parts, stamp], separator="/")
    return typed.with_columns(pl.coalesce(pl.col(key), derived).alias(key))


# --- cross-row checks (SQL over the store) ---------------------------------------------------


def _cross_row_checks(
    con, staged: pl.DataFrame, kind: Kind, label: str
) -> tuple[list[RowError], list[RowError], pl.DataFrame]:
    """Return (errors, warnings, staged frame with clipped spans)."""
    errors: list[RowError] = []
    warnings: list[RowError] = []
    if staged.is_empty():
        return errors, warnings, staged
    store.register(con, "_staged", staged, batch_rows=store.SCAN_BATCH_ROWS)
    try:
        if kind.name == "visits":
            errors += _vessel_overlaps(con, label)
        elif kind.name == "allowances":
            port_errors, port_warnings, staged = allowance_ports(con, staged, label)
            errors += port_errors
            warnings += port_warnings
        elif kind.name in _SPANS:
            errors += _unknown_visits(con, label)
            span_errors, span_warnings, staged = _spans_within_visit(con, staged, kind, label)
            errors += span_errors
            warnings += span_warnings
            if kind.name != "events":
                con.unregister("_staged")
                store.register(con, "_staged", staged, batch_rows=store.SCAN_BATCH_ROWS)
                errors += _session_overlaps(con, kind, label)
    finally:
        con.unregister("_staged")
    return errors, warnings, staged


def _unknown_visits(con, label: str) -> list[RowError]:
    rows = store.run(
        con,
        "SELECT s._source_row, s.visit_id FROM _staged s "
        "WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.visit_id = s.visit_id) "
        "ORDER BY 1",
    )
    return [
        RowError(label, row, "visit_id", visit, "no such visit is loaded (load the visits first)")
        for row, visit in rows
    ]


def _spans_within_visit(con, staged: pl.DataFrame, kind: Kind, label: str):
    start, end = _SPANS[kind.name]
    s_col, e_col = storage_name(start), storage_name(end)
    rows = store.fetch_polars(
        con,
        # an open end of an event is its visit's arrival or departure (data contract 2)
        f"""SELECT s._source_row, v.arrival, v.departure,
                   coalesce(s.{s_col}, v.arrival) AS s, coalesce(s.{e_col}, v.departure) AS e,
                   s.{s_col} IS NULL AS open_start
            FROM _staged s JOIN visits v ON v.visit_id = s.visit_id
            WHERE NOT (s.{s_col} IS NULL AND s.{e_col} IS NULL)
              AND (s.{s_col} < v.arrival OR s.{e_col} > v.departure
                   OR s.{s_col} >= v.departure OR s.{e_col} <= v.arrival)""",  # noqa: S608
    )
    errors, warnings = [], []
    clip_start: dict[int, object] = {}
    clip_end: dict[int, object] = {}
    tolerance = timedelta(minutes=SESSION_TOLERANCE_MINUTES)
    for r in rows.iter_rows(named=True):
        row, arrival, departure, s, e = r[ROW], r["arrival"], r["departure"], r["s"], r["e"]
        if s >= departure or e <= arrival:
            column, value = (end, e) if r["open_start"] else (start, s)
            errors.append(RowError(label, row, column, value.isoformat(),
                                   "lies entirely outside its visit's stay"))
            continue
        if s < arrival - tolerance:
            errors.append(RowError(label, row, start, s.isoformat(),
                                   f"before the visit's arrival ({arrival.isoformat()}) by more "
                                   f"than {SESSION_TOLERANCE_MINUTES} minutes"))
        elif s < arrival:
            clip_start[row] = arrival
            warnings.append(RowError(label, row, start, s.isoformat(),
                                     f"before arrival; clipped to {arrival.isoformat()}"))
        if e > departure + tolerance:
            errors.append(RowError(label, row, end, e.isoformat(),
                                   f"after the visit's departure ({departure.isoformat()}) by "
                                   f"more than {SESSION_TOLERANCE_MINUTES} minutes"))
        elif e > departure:
            clip_end[row] = departure
            warnings.append(RowError(label, row, end, e.isoformat(),
                                     f"after departure; clipped to {departure.isoformat()}"))
    if clip_start or clip_end:
        dtype = staged.schema[s_col]

        def patch(column: str, values: dict[int, object]) -> pl.Expr:
            if not values:
                return pl.col(column)
            lookup = pl.DataFrame(
                {ROW: list(values), "__v": list(values.values())},
                schema={ROW: pl.Int64, "__v": dtype},
            )
            return pl.coalesce(
                pl.col(ROW).replace_strict(lookup[ROW], lookup["__v"], default=None,
                                           return_dtype=dtype),
                pl.col(column),
            )

        staged = staged.with_columns(
            patch(s_col, clip_start).alias(s_col), patch(e_col, clip_end).alias(e_col)
        )
    return errors, warnings, staged


def _overlapping_pairs(con, pool_sql: str, group: str) -> list[tuple]:
    """Pairs (new row, other) of intervals that overlap within a group.

    A window pass finds the rows that overlap anything (sorted by start, a row overlaps iff it
    starts before the latest end so far, or ends after the earliest later start); only those
    are paired, so this stays O(n log n) when a vessel has hundreds of visits.
    """
    return store.run(
        con,
        f"""WITH pool AS ({pool_sql}),
            marked AS (
                SELECT *,
                    s < max(e) OVER w_before AS hits_before,
                    e > min(s) OVER w_after AS hits_after
                FROM pool
                WINDOW w_before AS (PARTITION BY {group} ORDER BY s, id
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                       w_after AS (PARTITION BY {group} ORDER BY s, id
                                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
            ),
            hit AS (SELECT * FROM marked WHERE hits_before OR hits_after)
            SELECT a.row, a.id, a.label, b.id, b.new, b.row
            FROM hit a JOIN hit b ON a.{group} = b.{group} AND a.id <> b.id
             AND a.s < b.e AND b.s < a.e
            WHERE a.new AND (NOT b.new OR a.row > b.row)
            ORDER BY 1, 4""",  # noqa: S608 - our names only
    )


def _session_overlaps(con, kind: Kind, label: str) -> list[RowError]:
    start, end = (storage_name(c) for c in _SPANS[kind.name])
    key = kind.key[0]
    pool = f"""
        SELECT {key} AS id, {key} AS label, visit_id, {start} AS s, {end} AS e,
               _source_row AS row, TRUE AS new FROM _staged
        UNION ALL
        SELECT {key}, {key}, visit_id, {start}, {end}, _source_row, FALSE FROM {kind.table} t
        WHERE NOT EXISTS (SELECT 1 FROM _staged n WHERE n.{key} = t.{key})"""  # noqa: S608
    errors = []
    for row, session, _label, other, other_new, other_row in _overlapping_pairs(
        con, pool, "visit_id"
    ):
        where = f"row {other_row} of this file" if other_new else "an already loaded session"
        errors.append(RowError(label, row, "session_id", session,
                               f"overlaps session {other} ({where}) on the same visit"))
    return errors


def _vessel_overlaps(con, label: str) -> list[RowError]:
    pool = """
        SELECT visit_id AS id, imo AS label, imo, arrival AS s, departure AS e,
               _source_row AS row, TRUE AS new FROM _staged
        UNION ALL
        SELECT visit_id, imo, imo, arrival, departure, _source_row, FALSE FROM visits t
        WHERE NOT EXISTS (SELECT 1 FROM _staged n WHERE n.visit_id = t.visit_id)"""
    return [
        RowError(label, row, "arrival", imo,
                 f"vessel IMO {imo} is at berth in visit {other} at the same time "
                 f"({'row ' + str(other_row) + ' of this file' if new else 'already loaded'})")
        for row, _id, imo, other, new, other_row in _overlapping_pairs(con, pool, "imo")
    ]


# --- comparison with what is stored -----------------------------------------------------------


_HASH_BATCH_ROWS = 4_096  # rows whose texts are hashed at a time (about 3 MB of visits' text)


def _hash_rows(con, staged: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """A content hash over the typed values (so reformatting a time changes nothing).

    DuckDB makes each row's texts (its casts are the stored values' text) and streams them a
    few thousand rows at a time; each batch is hashed by `seals.sha256_columns`, which costs
    about a third of DuckDB's own sha256. Only the hashes are kept and added to the frame
    (reading the whole frame back would copy every row once more).
    """
    if not staged[ROW].is_sorted():
        staged = staged.sort(ROW)
    cols = [storage_name(c.name) for c in kind.columns] + ["extra"]
    # Into an empty table every row is new, so each will be sealed: its content hash is made
    # in the same pass (seals.texts_sql; the same text, so the same row hash). The row hash
    # is of the session zone's text, so only when that zone is UTC (store.connect sets it).
    both = (not store.scalar(con, f"SELECT EXISTS (SELECT 1 FROM {kind.table}_versions)")  # noqa: S608
            and store.scalar(con, "SELECT current_setting('TimeZone')") == "UTC")
    sql = (texts_sql(kind, "_staged", content=True) if both else
           f"SELECT _source_row, {row_text_sql(cols)} AS _row_text FROM _staged")  # noqa: S608
    names = {"_row_text": "_row_hash", **({"_content_text": "_content_hash"} if both else {})}
    store.register(con, "_staged", staged, batch_rows=store.SCAN_BATCH_ROWS)
    try:
        # No ORDER BY: a projection of one scan keeps the frame's order (DuckDB's
        # preserve_insertion_order, on by default), which is checked batch by batch; sorting
        # a million rows' texts would cost time and memory for nothing.
        hashes = _hashed_batches(con, sql, names, staged[ROW])
        if hashes is None:  # not in the frame's order after all: ask for it
            hashes = _hashed_batches(con, f"{sql} ORDER BY _source_row", names, staged[ROW])
            if hashes is None:
                raise RuntimeError("row hashes did not come back one per staged row")
    finally:
        con.unregister("_staged")
    return staged.with_columns(hashes.get_columns())


def _hashed_batches(con, sql: str, names: dict[str, str], rows: pl.Series) -> pl.DataFrame | None:
    """The hashes of `sql`'s texts, streamed in batches; None unless its rows are `rows`, in
    that order."""
    pieces, done, in_order = [], 0, True
    for batch in con.sql(sql).to_arrow_reader(_HASH_BATCH_ROWS):
        done += batch.num_rows
        if not in_order:
            continue  # the result is read to its end all the same: the connection needs it
        texts = pl.from_arrow(batch)
        if not texts[ROW].equals(rows.slice(done - batch.num_rows, batch.num_rows)):
            in_order = False
            continue
        # only polars' hash columns are kept: a column of DuckDB's batch, even the row
        # number, would keep the batch's texts alive
        pieces.append(sha256_columns(texts, names).drop(ROW))
    if not in_order or done != rows.len():
        return None
    if not pieces:  # no rows: the empty columns, typed
        return pl.DataFrame(schema={name: pl.Utf8 for name in names.values()})
    return pl.concat(pieces, rechunk=False)


def _classify(con, hashed: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Add `_status`: new, unchanged or changed (a key already loaded with other content)."""
    keys = [storage_name(k) for k in kind.key]
    stored = store.fetch_polars(
        con, f"SELECT {', '.join(keys)}, _row_hash AS _stored_hash, _source_file AS _stored_file, "  # noqa: S608
        f"_source_row AS _stored_row FROM {kind.table}"
    )
    status = (
        pl.when(pl.col("_stored_hash").is_null()).then(pl.lit("new"))
        .when(pl.col("_stored_hash") == pl.col("_row_hash")).then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed"))
    )
    if not hashed[ROW].is_sorted():
        hashed = hashed.sort(ROW)
    # The join runs on the keys, row and hash only; its columns are then added to the frame
    # (same rows in the same order), which is not copied as a whole join result would be.
    narrow = (
        hashed.select([*keys, ROW, "_row_hash"])
        .join(stored, on=keys, how="left", nulls_equal=True)
        .with_columns(status.alias("_status"))
        .sort(ROW)
    )
    added = ["_stored_hash", "_stored_file", "_stored_row", "_status"]
    if narrow.height != hashed.height:  # a key stored twice: join the whole frame, as before
        return hashed.join(stored, on=keys, how="left", nulls_equal=True).with_columns(
            status.alias("_status")
        ).sort(ROW)
    return hashed.with_columns(narrow.select(added))


# --- the command --------------------------------------------------------------------------------


@dataclass
class _Prepared:
    raw: RawTable
    label: str
    typed: pl.DataFrame  # every row, typed, storage column names
    errors: list[RowError]
    warnings: list[RowError]


def _without_zone_errors(errors: list[RowError], rows: set[int]) -> list[RowError]:
    """Drop 'zone unknown' errors on rows whose real problem is reported otherwise."""
    return [e for e in errors if not (e.row in rows and "time zone is unknown" in e.reason)]


# A table of fewer rows than this is typed and checked on polars' in-memory engine: a small
# file's load runs some 250 polars queries, and the default engine's start per query was about
# a sixth of that load's CPU. Larger tables keep the default engine (and its peak memory).
SMALL_TABLE_ROWS = 20_000


def _polars_engine(rows: int) -> AbstractContextManager:
    if rows < SMALL_TABLE_ROWS:
        return pl.Config(engine_affinity="in-memory")
    return nullcontext()


def _prepare(con, path: Path, kind: Kind, options: ReadOptions | None = None,
             raw: RawTable | None = None) -> _Prepared:
    # adapters (JIT, Wharfinger) hand a table over; files are read here
    raw = raw if raw is not None else read_table(path, kind, options)
    with _polars_engine(raw.frame.height):
        return _typed_and_checked(con, raw, kind)


def _typed_and_checked(con, raw: RawTable, kind: Kind) -> _Prepared:
    label = raw.label or raw.path.name
    frame = _attach_timezones(con, raw, kind)
    typed = _derive_keys(coerce(frame, kind), kind)
    typed = reference.fill_from_builtin(typed, kind, raw.present)
    errors = _coercion_errors(typed, kind, label) + _schema_errors(typed, kind, label)
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
        errors += [
            RowError(label, row, "visit_id", visit,
                     "no such visit is loaded (load the visits first)")
            for row, visit in unknown.iter_rows()
        ]
    errors += _duplicate_key_errors(typed, kind, label)
    typed = typed.rename({c.name: storage_name(c.name) for c in kind.columns
                          if storage_name(c.name) != c.name})
    return _Prepared(raw, label, typed, errors, [])


def _storage_frame(frame: pl.DataFrame, kind: Kind, label: str) -> pl.DataFrame:
    cols = [storage_name(c.name) for c in kind.columns]
    # an adapter's rows also name where in the source each value came from (a JSON path)
    lineage = [SOURCE_PATH] if SOURCE_PATH in frame.columns else []
    return frame.select([*cols, "extra", ROW, *lineage]).with_columns(
        pl.lit(label).alias("_source_file")
    )


def load_files(
    con,
    kind_name: str,
    paths: list[Path],
    *,
    replace: bool = False,
    quarantine: bool = False,
    errors_out: Path | None = None,
    read_options: ReadOptions | None = None,
    mkdir: bool = False,
) -> LoadReport:
    """Load files of one kind. Raises InputRejected (nothing written) on any bad row unless
    `quarantine`, in which case good rows load and bad ones are kept with their reasons."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise UsageError(f"unknown kind {kind_name!r}; one of: {', '.join(KINDS)}")
    if not paths:
        raise UsageError("give at least one file")
    if errors_out is not None:
        from berthcheck import atomic

        atomic.check_distinct([("--errors", errors_out)], paths)
        atomic.check_parent(Path(errors_out), mkdir=mkdir, what="errors file")
    reports: list[FileReport] = []
    all_errors: list[RowError] = []
    with store.transaction(con):
        for path in paths:
            report, errors = _load_one(con, Path(path), kind, replace, quarantine, read_options)
            reports.append(report)
            all_errors += errors
        if all_errors and errors_out is not None:
            write_errors_csv(errors_out, all_errors, mkdir=mkdir)
        if all_errors and not quarantine:
            files = sorted({e.file for e in all_errors})
            rows = len({(e.file, e.row) for e in all_errors})
            raise InputRejected(
                ", ".join(files),
                all_errors,
                headline=(
                    f"{', '.join(files)}: rejected, {rows} bad row{'s' if rows != 1 else ''} "
                    f"({len(all_errors)} problem{'s' if len(all_errors) != 1 else ''}); "
                    "nothing was loaded"
                ),
            )
    return LoadReport(kind.name, reports, sorted(all_errors) if quarantine else [])


def _load_one(con, path: Path, kind: Kind, replace: bool, quarantine: bool,
              read_options: ReadOptions | None = None, source: AdapterSource | None = None):
    """Load one file (or an adapter's table, `source`) of one kind."""
    prep = _prepare(con, path, kind, read_options, source.raw if source else None)
    with _polars_engine(prep.raw.frame.height):
        return _load_prepared(con, prep, kind, replace, quarantine, source)


def _load_prepared(con, prep: _Prepared, kind: Kind, replace: bool, quarantine: bool,
                   source: AdapterSource | None):
    if source is not None:
        if source.keep is not None:
            prep.errors = [e for e in prep.errors if source.keep(e)]
        prep.errors += source.errors  # what the adapter found (row 0: not tied to one row)
    label = prep.label
    bad_rows = {e.row for e in prep.errors}
    # the storage columns first, then (only if there are bad rows) the filter: filtering the
    # whole typed frame would copy its text and error columns too
    staged = _storage_frame(prep.typed, kind, label)
    if bad_rows:
        staged = staged.filter(~pl.col(ROW).is_in(sorted(bad_rows)))
        if kind.name not in reference.BUILTIN_ROWS:
            # The good rows' typed values now live in `staged` (the filter copied them); of the
            # typed frame only the text as written is still needed (the quarantine's records).
            prep.typed = prep.typed.select(ROW, *("_raw_" + c.name for c in kind.columns))
    cross_errors, warnings, staged = _cross_row_checks(con, staged, kind, label)
    errors = prep.errors + cross_errors
    bad_rows |= {e.row for e in cross_errors}
    if cross_errors:
        staged = staged.filter(~pl.col(ROW).is_in(sorted(bad_rows)))

    classified = _classify(con, _hash_rows(con, staged, kind), kind)
    del staged
    changed = classified.filter(pl.col("_status") == "changed")
    if source is not None and source.corrections is not None:
        # the adapter's own corrections (e.g. a later JIT ACT timestamp) replace like --replace
        corrected = pl.col(storage_name(kind.key[0])).is_in(sorted(source.corrections))
        changed = changed.filter(~corrected)
        classified = classified.with_columns(
            pl.when((pl.col("_status") == "changed") & corrected).then(pl.lit("corrected"))
            .otherwise(pl.col("_status")).alias("_status")
        )
    if not replace:
        key_label = "+".join(kind.key)
        for r in changed.iter_rows(named=True):
            errors.append(RowError(
                label, r[ROW], key_label, " / ".join(str(r[storage_name(k)]) for k in kind.key),
                f"already loaded with different content (from {r['_stored_file']} row "
                f"{r['_stored_row']}); use --replace to load the new version",
            ))
        bad_rows |= set(changed[ROW].to_list())
        classified = classified.filter(pl.col("_status") != "changed")

    to_insert = classified.filter(pl.col("_status") != "unchanged")
    unchanged = classified.height - to_insert.height
    del classified
    replaced = to_insert.filter(pl.col("_status").is_in(["changed", "corrected"]))
    if source is not None and source.locate is not None:
        errors = [source.locate(e) for e in errors]
        warnings = [source.locate(w) for w in warnings]
    report = FileReport(label, kind.name, None, prep.raw.frame.height, unchanged=unchanged)
    if kind.name in reference.BUILTIN_ROWS:  # only kinds with built-in rows can override one
        report.notes = reference.override_notes(
            prep.typed.filter(~pl.col(ROW).is_in(sorted(bad_rows))), kind
        )
    orphans: list[_Orphan] = []
    if kind.name == "visits" and not replaced.is_empty():
        # a replaced visit is checked together with the sessions and events stored for it
        orphans = _orphaned_dependents(con, replaced, label)
        if not quarantine:
            errors += [o.error for o in orphans]
    if errors and not quarantine:
        return report, errors
    # Every problem is known: keep the text of the bad rows only and let the file's text go
    # before the insert (the typed rows to insert do not share it).
    records = _raw_records(prep, kind, errors) if bad_rows else {}
    prep.typed = prep.typed.clear()
    prep.raw.frame = prep.raw.frame.clear()

    quarantined_rows = sorted(bad_rows)
    already = store.scalar(
        con, "SELECT count(*) FROM load_batches WHERE kind = ? AND content_sha256 = ?",
        [kind.name, prep.raw.sha256],
    )
    if to_insert.is_empty() and (not quarantined_rows or already):
        return report, errors  # reloading the same file changes nothing

    batch_id = store.next_batch_id(con)
    report.batch_id = batch_id
    report.inserted = to_insert.height - replaced.height
    report.replaced = replaced.height
    report.quarantined = len(quarantined_rows) + len(orphans)
    report.warnings = warnings
    if not replaced.is_empty():
        _retire_versions(con, kind, replaced, batch_id)
    if orphans:
        _quarantine_orphans(con, orphans, batch_id)
    inserted_piece = None
    if not to_insert.is_empty():
        store.insert_versions(con, kind.name, to_insert, batch_id=batch_id)
        # each row's content hash, sealed as it is stored: checks read it (berthcheck/seals.py);
        # hashed from the rows just inserted, not read back from the table
        seals = seal_frame(con, kind.name, to_insert, batch_id)
        if seals is None:  # a source row given twice (adapters): one seal per source row
            seal_batch(con, kind.name, batch_id)
        else:
            inserted_piece = piece_from_seals(kind.table, batch_id, seals)
        del seals
    del to_insert
    if quarantined_rows:
        _quarantine(con, records, kind, errors, batch_id)
    # the batch's digests of what it inserted and retired: a check's input fingerprint
    # combines them instead of re-hashing every stored row (berthcheck/fingerprints.py)
    digest_batch(con, batch_id, inserted_piece)
    if warnings:
        con.executemany(
            "INSERT INTO load_warnings VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, kind.name, w.file, w.row, w.column, w.value, w.reason] for w in warnings],
        )
    store.run(
        con,
        "INSERT INTO load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [batch_id, kind.name, label, str(prep.raw.path.resolve()), prep.raw.file_format,
         prep.raw.sha256, report.rows_in_file, report.inserted, report.unchanged,
         report.replaced, report.quarantined, len(warnings), replace, quarantine, __version__],
    )
    return report, errors


@dataclass
class _Orphan:
    """A stored session or event that a replaced visit would leave outside its stay."""

    table: str
    kind: str
    key: str
    source_file: str
    source_row: int
    record: str
    error: RowError  # against the visit row being loaded
    reason: str  # for the dependent row's quarantine entry


def _orphaned_dependents(con, replaced: pl.DataFrame, label: str) -> list[_Orphan]:
    """Stored sessions and events of the replaced visits that would lie outside the new stay
    by more than the tolerance a fresh load allows (the same test as `_spans_within_visit`)."""
    store.register(con, "_bc_new_visits",
                   replaced.select("visit_id", "arrival", "departure", ROW))
    tolerance = f"INTERVAL {SESSION_TOLERANCE_MINUTES} MINUTE"
    out = []
    try:
        for kind_name, (start, end) in _SPANS.items():
            kind = KINDS[kind_name]
            s_col, e_col, key = storage_name(start), storage_name(end), kind.key[0]
            rows = store.run(
                con,
                f"""SELECT n._source_row, n.visit_id, n.arrival, n.departure, d.{key},
                           d._source_file, d._source_row, d.{s_col}, d.{e_col},
                           to_json(d)::VARCHAR
                    FROM {kind.table} d JOIN _bc_new_visits n ON n.visit_id = d.visit_id
                    WHERE d.{s_col} IS NOT NULL AND (
                        d.{s_col} < n.arrival - {tolerance} OR d.{e_col} > n.departure + {tolerance}
                        OR d.{s_col} >= n.departure OR d.{e_col} <= n.arrival)
                    ORDER BY 1, 5""",  # noqa: S608 - our names only
            )
            for row, visit, arrival, departure, dkey, dfile, drow, ds, de, record in rows:
                column = "arrival" if ds < arrival or de <= arrival else "departure"
                value = (arrival if column == "arrival" else departure).isoformat()
                what = f"{kind.table} {dkey!r} ({dfile} row {drow}, {ds.isoformat()} to {de.isoformat()})"
                out.append(_Orphan(
                    kind.table, kind.name, dkey, dfile, drow, record,
                    RowError(label, row, column, value,
                             f"replacing visit {visit} would leave {what} outside the visit's "
                             "stay; load a corrected row for it too, or use --quarantine"),
                    f"outside its visit {visit} after the visit was replaced by {label} row "
                    f"{row} (now {arrival.isoformat()} to {departure.isoformat()})",
                ))
    finally:
        con.unregister("_bc_new_visits")
    return out


def _quarantine_orphans(con, orphans: list[_Orphan], batch_id: int) -> None:
    """Retire the orphaned rows (history keeps them) and keep them, with reasons, in quarantine."""
    for o in orphans:
        kind = KINDS[o.kind]
        store.run(
            con,
            f"UPDATE {kind.table}_versions SET _replaced_by = ? "  # noqa: S608 - our names
            f"WHERE {kind.key[0]} = ? AND _replaced_by IS NULL",
            [batch_id, o.key],
        )
        store.run(con, "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [batch_id, o.kind, o.source_file, o.source_row, "visit_id", o.key, o.reason,
                   o.record])


def _retire_versions(con, kind: Kind, replaced: pl.DataFrame, batch_id: int) -> None:
    keys = [storage_name(k) for k in kind.key]
    store.register(con, "_retire", replaced.select(keys))
    try:
        # a key column may be empty (e.g. an allowance's port): NULL matches NULL here
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM r.{k}" for k in keys)
        store.run(
            con,
            f"UPDATE {kind.table}_versions t SET _replaced_by = ? FROM _retire r "  # noqa: S608
            f"WHERE {match} AND t._replaced_by IS NULL",
            [batch_id],
        )
    finally:
        con.unregister("_retire")


def _raw_records(prep: _Prepared, kind: Kind, errors: list[RowError]) -> dict[int, str]:
    """The bad rows' cells as written (JSON), by row: what the quarantine keeps of each."""
    raw_cols = [c.name for c in kind.columns]
    bad = prep.typed.filter(pl.col(ROW).is_in(sorted({e.row for e in errors})))  # not every row
    return {
        r[ROW]: json.dumps({c: r["_raw_" + c] for c in raw_cols}, ensure_ascii=False)
        for r in bad.select([ROW, *("_raw_" + c for c in raw_cols)]).iter_rows(named=True)
    }


def _text(value) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _quarantine(
    con, records: dict[int, str], kind: Kind, errors: list[RowError], batch_id: int
) -> None:
    # one INSERT from a frame (in the same order as the rows were once inserted one by one)
    ordered = sorted(errors)
    frame = pl.DataFrame(
        {
            "batch_id": [batch_id] * len(ordered),
            "kind": [kind.name] * len(ordered),
            "source_file": [e.file for e in ordered],
            "source_row": [e.row for e in ordered],
            "column_name": [_text(e.column) for e in ordered],
            "value": [_text(e.value) for e in ordered],
            "reason": [f"{e.reason} [{e.path}]" if e.path else e.reason for e in ordered],
            "record": [records.get(e.row, "{}") for e in ordered],
        },
        schema={"batch_id": pl.Int32, "kind": pl.Utf8, "source_file": pl.Utf8,
                "source_row": pl.Int64, "column_name": pl.Utf8, "value": pl.Utf8,
                "reason": pl.Utf8, "record": pl.Utf8},
    )
    store.register(con, "_quarantined", frame)
    try:
        store.run(con, "INSERT INTO quarantine SELECT * FROM _quarantined")
    finally:
        con.unregister("_quarantined")


def write_errors_csv(path: Path, errors: list[RowError], *, mkdir: bool = False) -> None:
    """Every rejected row, one line per problem; text cells formula-safe (berthcheck.cells),
    written whole or not at all (berthcheck.atomic)."""
    from berthcheck import atomic
    from berthcheck.cells import neutralise

    with atomic.text_file(path, mkdir=mkdir, what="errors file") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        with_path = any(e.path for e in errors)  # a JSON source: the path of each problem
        writer.writerow(["file", "row", "column", "value", "reason"] + (["path"] if with_path else []))
        for e in sorted(errors):
            writer.writerow([neutralise(e.file), e.row, neutralise(e.column),
                             neutralise(e.value), neutralise(e.reason)]
                            + ([neutralise(e.path)] if with_path else []))
