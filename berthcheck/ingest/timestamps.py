"""Time columns: text cells -> UTC instants, with a precise reason for every cell not read.

A value with an offset or `Z` is an exact instant; a value without one is local time at the
row's port (`TZ`). Local times in a DST gap or the repeated fall-back hour are errors: the user
must give an offset. One pass types a column (`_timestamp_pass`); only the cells that need a
reason are typed again in full (`_coerce_timestamp_full`), which words it.
"""

from __future__ import annotations

import polars as pl

from berthcheck.ingest.cell_text import ERR, TZ, blank_as_null, stripped
from berthcheck.ingest.cell_text import SLASHED as _SLASHED
from berthcheck.ingest.cell_text import clean as _clean
from berthcheck.ingest.cell_text import slashed_date_reason as _slashed_date_reason

_OFFSET = r"([+-]\d{2}:?\d{2})$"
_TS_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
_PLAIN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"  # the commonest shape: local time to the minute
# an instant to the second, as ISO 8601 exports write it (ASCII digits: cut by place)
# Times are parsed without polars' cache of distinct cells (its default): a log's times are
# nearly all distinct, and the cache's lookups and evictions cost about as much as the parse
# (a million arrival cells: 0.08-0.11 CPU s with it, 0.05 without; the same values).
_CACHE = False
_ISO_OFFSET = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([Zz]|[+-][0-9]{2}:[0-9]{2})$"


def _timestamp_exprs(name: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(naive wall-clock datetime, offset minutes or null, shape-ok flag) for a text column."""
    text = _clean(name).str.replace(r"^(\d{4}-\d{2}-\d{2})[Tt ]", "$1 ").str.replace(
        r"[Zz]$", "+00:00"
    )
    return _parts_exprs(text.str.extract(_OFFSET, 1), text.str.replace(_OFFSET, "").str.strip_chars())


def _parts_exprs(offset: pl.Expr, base: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """`_timestamp_exprs` from the offset text and the text without it."""
    # The two formats with seconds need two ':' in the text (a format's literals must match),
    # so they are tried only where there are two: the same values, without two failed parses
    # of every "YYYY-MM-DD HH:MM" cell (a failed parse is slow).
    with_seconds = pl.when(base.str.count_matches(":", literal=True) >= 2).then(base)
    wall = pl.coalesce(
        [with_seconds.str.strptime(pl.Datetime("us"), fmt, strict=False, cache=_CACHE)
         for fmt in _TS_FORMATS[:2]]
        + [base.str.strptime(pl.Datetime("us"), _TS_FORMATS[2], strict=False, cache=_CACHE)]
    )
    digits = offset.str.replace(":", "")
    sign = pl.when(digits.str.slice(0, 1) == "-").then(-1).otherwise(1)
    hours = digits.str.slice(1, 2).cast(pl.Int32, strict=False)
    minutes = digits.str.slice(3, 2).cast(pl.Int32, strict=False)
    offset_min = sign * (hours * 60 + minutes)
    return wall, offset_min, (hours <= 14) & (minutes < 60)


def _odd_parts(text: pl.Series) -> pl.DataFrame:
    """`_timestamp_exprs` over cleaned text cells: (__wall, __off, __off_ok), each
    intermediate text computed once. The two rewrites are run only when some cell needs them:
    where no cell has a 'T' and none ends in 'Z', they change nothing."""
    frame = text.alias("__text").to_frame()
    if frame["__text"].str.contains("[Tt]").any():
        frame = frame.with_columns(
            pl.col("__text").str.replace(r"^(\d{4}-\d{2}-\d{2})[Tt ]", "$1 ")
        )
    if frame["__text"].str.contains(r"[Zz]$").any():
        frame = frame.with_columns(pl.col("__text").str.replace(r"[Zz]$", "+00:00"))
    frame = frame.with_columns(
        pl.col("__text").str.extract(_OFFSET, 1).alias("__off_text"),
        pl.col("__text").str.replace(_OFFSET, "").str.strip_chars().alias("__base"),
    )
    wall, offset_min, offset_ok = _parts_exprs(pl.col("__off_text"), pl.col("__base"))
    return frame.select(wall.cast(pl.Datetime("us")).alias("__wall"),
                        offset_min.cast(pl.Int32).alias("__off"),
                        offset_ok.cast(pl.Boolean).alias("__off_ok"))


def _ambiguous_offsets(walls: pl.Series, zone: str) -> str:
    """The two UTC offsets the zone's repeated hour can have ("+02:00 or +01:00" at
    Rotterdam), read off the first ambiguous wall time; a fixed example if there is none."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    def text(offset: dt.timedelta | None) -> str:
        minutes = int((offset or dt.timedelta()).total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    if walls.len() == 0:
        return "-07:00 or -08:00"
    wall = walls[0]
    tz = ZoneInfo(zone)
    return " or ".join(text(wall.replace(tzinfo=tz, fold=fold).utcoffset()) for fold in (0, 1))


def _coerce_timestamp(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Type the text column `name` of `frame` (with its rows' zones, `TZ`) as UTC instants,
    with `ERR + name` the reason of every cell that is not read (null: read, or blank).

    One pass (`_timestamp_pass`) types every cell and marks those that need a reason; only
    those rows, if any, are typed again in full (`_coerce_timestamp_full`, some twenty polars
    queries, every message) and their reasons put in their places. A column is never typed
    twice: at a million visits some cell of every column is in a clock-change hour, and a
    column typed in full after a failed fast attempt cost ~0.6 s more (docs/scaling.md,
    twenty-third session)."""
    typed, needs_reason = _timestamp_pass(frame, name)
    if needs_reason is None:
        return typed
    # the full typing of a cell reads that cell alone, and the rows keep their order (the
    # example offsets of a repeated hour are read off its first cell): the same reasons
    where = needs_reason.arg_true()
    full = _coerce_timestamp_full(frame.select(name, TZ).gather(where), name)
    value = pl.select(pl.when(~needs_reason).then(typed[name])).to_series().alias(name)
    reason = typed[ERR + name].scatter(where, full[ERR + name])
    return typed.with_columns(value, reason)


_PLANNED_ROWS = 10_000  # from this many rows a time column's query pays for polars' optimiser


def _collect(query: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """`query` run; below `_PLANNED_ROWS` rows without the optimiser, whose planning (~0.1 ms)
    costs more than a small column's work (the results are the same)."""
    if rows < _PLANNED_ROWS:
        return query.collect(optimizations=pl.QueryOptFlags.none())
    return query.collect()


def _zones(zones: pl.Series) -> list[str]:
    """The distinct zones of `zones` (nulls left out), sorted."""
    first, last = zones.min(), zones.max()
    if first is None:
        return []
    if first == last:  # one zone (the commonest file: one port's log)
        return [str(first)]
    return zones.drop_nulls().unique().sort().to_list()


def _typed_exprs(zones: list[str], offsets: bool) -> tuple[pl.Expr, pl.Expr]:
    """(UTC instant, needs a reason) of a cell from its parts (`_timestamp_parts`' columns),
    the full typing's arithmetic to the microsecond; `offsets`: some cell has one."""
    wall = pl.col("__wall")
    naive = pl.col("__off").is_null() & wall.is_not_null() if offsets else wall.is_not_null()
    local = pl.coalesce([pl.lit(None, dtype=pl.Datetime("us", "UTC"))] + [
        pl.when(pl.col(TZ) == zone).then(wall.dt.replace_time_zone(
            zone, ambiguous="null", non_existent="null").dt.convert_time_zone("UTC"))
        for zone in zones])
    present = pl.col("__text").is_not_null()
    value: pl.Expr = pl.when(naive).then(local)
    needs_reason = present & (wall.is_null() | (naive & local.is_null()))
    if offsets:
        offset_us = pl.col("__off").fill_null(0).cast(pl.Int64) * 60_000_000
        aware = wall.dt.replace_time_zone("UTC") - offset_us.cast(pl.Duration("us"))
        value = pl.when(pl.col("__off").is_not_null()).then(aware).otherwise(value)
        needs_reason = needs_reason | (
            present & pl.col("__off").is_not_null() & ~pl.col("__off_ok"))
    return value.cast(pl.Datetime("us", "UTC")), needs_reason.fill_null(False)


def _timestamp_pass(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, pl.Series | None]:
    """Every cell of `name` typed as the full typing types it, with no reasons (`ERR + name`
    all null), and the rows that need one (a mask; None when no cell does): a cell that is
    not read, an offset out of range, a local time whose zone is unknown, that does not
    exist or exists twice. A cell so marked is not typed here (the full typing gives its
    reason and no value). tests/test_load_fast_paths.py holds the two typings equal.

    One query types the plain cells ("YYYY-MM-DD HH:MM", most of them), and in a small
    column the ISO 8601 instants as well; the others, if any, are taken apart and typed on
    their own (`_odd_cell_parts`) and put in their places."""
    # every zone of the rows (a zone whose rows have no local time converts nothing)
    small = frame.height < _PLANNED_ROWS
    value, needs_reason = _typed_exprs(_zones(frame[TZ]), offsets=small)
    query = _plain_parts(frame, name)
    if small:  # the ISO 8601 instants too, in the same query (`_with_iso_parts`)
        query = _with_iso_parts(query)
    typed = _collect(query.select(
        value.alias(name), needs_reason.alias("__needs"), "__odd", "__text"), frame.height)
    odd = typed["__odd"]
    values, needs = typed[name], typed["__needs"]
    if odd.any():
        where = odd.arg_true()
        cells = pl.DataFrame([typed["__text"].gather(where), frame[TZ].gather(where)])
        value, needs_reason = _typed_exprs(_zones(cells[TZ]), offsets=True)
        odd_typed = pl.concat([cells, _odd_cell_parts(cells["__text"])], how="horizontal"
                              ).select(value.alias(name), needs_reason.alias("__needs"))
        values = values.scatter(where, odd_typed[name])
        needs = needs.scatter(where, odd_typed["__needs"])
    frame = frame.with_columns(values, pl.lit(None, dtype=pl.Utf8).alias(ERR + name))
    return frame, (needs if needs.any() else None)


def _plain_parts(frame: pl.DataFrame, name: str) -> pl.LazyFrame:
    """`_timestamp_parts` of the plain cells ("YYYY-MM-DD HH:MM"); `__odd` marks the cells of
    any other shape (their parts are null)."""
    # Of `_timestamp_exprs`, only the last format can apply to a plain cell (no offset, one
    # ':'): it is parsed with that format alone, and its failed parses (slow) are not tried on
    # the cells of other shapes. In steps: one query's expressions built on the same cleaned
    # text computed it once each (~100 ms a 200 000-row column against ~30).
    # (A small column parses every cell: its few failed parses cost less than the mask.)
    text, plain = pl.col("__text"), pl.col("__plain")
    parsed = text if frame.height < _PLANNED_ROWS else pl.when(plain).then(text)
    # the cleaned text in `clean`'s two steps (each cell stripped once)
    return frame.lazy().select(stripped(name).alias("__text"), pl.col(TZ)).with_columns(
        blank_as_null(text).alias("__text")).with_columns(
        text.str.contains(_PLAIN).fill_null(False).alias("__plain")).select(
        text, parsed.str.strptime(pl.Datetime("us"), _TS_FORMATS[2],
                                  strict=False, cache=_CACHE).alias("__wall"),
        pl.lit(None, dtype=pl.Int32).alias("__off"), pl.lit(None, dtype=pl.Boolean).alias("__off_ok"),
        pl.col(TZ), (text.is_not_null() & ~plain).alias("__odd"))


def _iso_parts(iso: pl.Expr | pl.Series) -> list[pl.Expr]:
    """(__wall, __off, __off_ok) of the cells of `__text` that `iso` marks, each an ISO 8601
    instant to the second with "Z" or "+hh:mm" (`_ISO_OFFSET`), cut by place as
    `_timestamp_exprs` finds them (the one format with seconds gives what its three give to
    these cells); null in the other rows."""
    cell = pl.col("__text")
    # `_parts_exprs`' offset of "+hh:mm" ("Z" is "+00:00"), read by place
    utc = cell.str.slice(19).str.to_uppercase() == "Z"
    sign = pl.when(cell.str.slice(19, 1) == "-").then(-1).otherwise(1)
    hours = cell.str.slice(20, 2).cast(pl.Int32, strict=False)
    minutes = cell.str.slice(23, 2).cast(pl.Int32, strict=False)
    return [
        pl.when(iso).then(cell.str.slice(0, 10) + " " + cell.str.slice(11, 8))
        .str.strptime(pl.Datetime("us"), _TS_FORMATS[1], strict=False, cache=_CACHE)
        .alias("__wall"),
        pl.when(iso).then(pl.when(utc).then(0).otherwise(sign * (hours * 60 + minutes)))
        .cast(pl.Int32).alias("__off"),
        pl.when(iso).then(utc | ((hours <= 14) & (minutes < 60))).cast(pl.Boolean)
        .alias("__off_ok")]


def _with_iso_parts(plain: pl.LazyFrame) -> pl.LazyFrame:
    """`_plain_parts` with the parts of its ISO 8601 instants (`_iso_parts`) in their rows, and
    `__odd` marking only the cells of other shapes. For a small column: its instants were
    taken apart and typed in a second round of some ten polars steps (about 1 ms a column
    that has one, as the sample's visits have), where the plain query now cuts them as well.
    The same parts (a plain cell is no instant: `_ISO_OFFSET` needs seconds and an offset), so
    the same values and marks, with the offsets' arithmetic of `_typed_exprs`."""
    iso = pl.col("__odd") & pl.col("__text").str.contains(_ISO_OFFSET).fill_null(False)
    wall, off, off_ok = _iso_parts(pl.col("__iso"))
    return plain.with_columns(iso.alias("__iso")).with_columns(
        pl.when(pl.col("__iso")).then(wall).otherwise(pl.col("__wall")).alias("__wall"),
        off, off_ok, (pl.col("__odd") & ~pl.col("__iso")).alias("__odd")).drop("__iso")


def _odd_cell_parts(text: pl.Series) -> pl.DataFrame:
    """`_odd_parts` of cleaned text cells that are not plain (__wall, __off, __off_ok)."""
    # The commonest of them, "YYYY-MM-DDThh:mm:ss" with "Z" or "+hh:mm" (an ISO 8601
    # export's instant), have their parts cut out by place, as `_timestamp_exprs` finds
    # them (the one format with seconds gives what its three give to these cells); only the
    # cells of other shapes take the regular expressions.
    iso = text.str.contains(_ISO_OFFSET).fill_null(False)
    if not iso.any():
        return _odd_parts(text)
    parts = text.alias("__text").to_frame().select(_iso_parts(iso))
    rest = ~iso & text.is_not_null()
    if not rest.any():
        return parts
    where = rest.arg_true()
    others = _odd_parts(text.gather(where))
    return parts.with_columns(parts[c].scatter(where, others[c]) for c in parts.columns)


def _timestamp_parts(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The cleaned text (`__text`), naive wall-clock time (`__wall`), offset minutes
    (`__off`, null: none) and offset-in-range flag (`__off_ok`) of every cell of `name`, and
    the rows' zones (`TZ`)."""
    parts = _collect(_plain_parts(frame, name), frame.height)
    odd = parts["__odd"]
    if not odd.any():
        return parts.drop("__odd")
    where = odd.arg_true()
    others = _odd_cell_parts(parts["__text"].gather(where))
    return parts.drop("__odd").with_columns(
        parts[c].scatter(where, others[c]) for c in ("__wall", "__off", "__off_ok"))


def _coerce_timestamp_full(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    parts = _timestamp_parts(frame, name)
    text = parts["__text"]
    frame = frame.with_columns(parts["__wall"], parts["__off"], parts["__off_ok"])
    offset_us = frame["__off"].fill_null(0).cast(pl.Int64) * 60_000_000
    aware = frame["__wall"].dt.replace_time_zone("UTC") - offset_us.cast(pl.Duration("us"))
    result = pl.repeat(None, frame.height, dtype=pl.Datetime("us", "UTC"), eager=True)
    result = pl.select(
        pl.when(frame["__off"].is_not_null()).then(aware).otherwise(result)
    ).to_series()
    reason = pl.repeat(None, frame.height, dtype=pl.Utf8, eager=True)

    naive = frame["__off"].is_null() & frame["__wall"].is_not_null()
    # the zones of the naive cells only: filtering the whole (wide) frame would copy every column
    zones = frame[TZ].filter(naive).unique().drop_nulls().sort().to_list()
    for zone in zones:
        mask = naive & (frame[TZ] == zone)
        local = frame["__wall"].dt.replace_time_zone(zone, ambiguous="null", non_existent="null")
        utc = local.dt.convert_time_zone("UTC")
        result = pl.select(pl.when(mask).then(utc).otherwise(result)).to_series()
        bad = mask & local.is_null()
        if not bad.any():
            continue  # every local time exists and is unambiguous: no reason to give
        earliest = frame["__wall"].dt.replace_time_zone(
            zone, ambiguous="earliest", non_existent="null"
        )
        ambiguous = bad & earliest.is_not_null()
        offsets = _ambiguous_offsets(frame["__wall"].filter(ambiguous), zone)
        reason = pl.select(
            pl.when(ambiguous)
            .then(pl.lit(f"ambiguous local time in {zone} (the repeated hour when clocks go "
                         f"back); give the UTC offset, e.g. {offsets}"))
            .when(bad)
            .then(pl.lit(f"local time does not exist in {zone} (clocks go forward then); "
                         "give the UTC offset"))
            .otherwise(reason)
        ).to_series()

    present = text.is_not_null()  # a cell with more than blanks (`_clean` made the rest null)
    unread = present & frame["__wall"].is_null()
    slashed = unread & text.str.contains(_SLASHED).fill_null(False)
    # the value's own readings, made only when some cell needs them (a rare, refused file)
    slashed_reason = (pl.DataFrame({"t": text}).select(
        _slashed_date_reason(pl.col("t"), "YYYY-MM-DD hh:mm")).to_series()
        if slashed.any() else pl.repeat(None, frame.height, dtype=pl.Utf8, eager=True))
    reason = pl.select(
        # the two shapes spreadsheets show most often get their own words
        pl.when(unread & text.str.contains(r"(?i)\d\s*[ap]\.?m\.?$").fill_null(False))
        .then(pl.lit("12-hour time with AM/PM is not read: write it as 24-hour ISO 8601, e.g. "
                     "2026-10-03 14:20 (format the column yyyy-mm-dd hh:mm)"))
        .when(slashed)
        .then(slashed_reason)
        .when(unread)
        .then(pl.lit("not an ISO 8601 date and time (expected e.g. 2026-10-03 14:20 or "
                     "2026-10-03T14:20:00-07:00)"))
        .when(present & frame["__off"].is_not_null() & ~frame["__off_ok"].fill_null(False))
        .then(pl.lit("UTC offset out of range"))
        .when(naive & frame[TZ].is_null())
        .then(pl.lit("time has no UTC offset and the port's time zone is unknown; "
                     "give an offset or load the port into the ports table"))
        .otherwise(reason)
    ).to_series()
    result = pl.select(pl.when(reason.is_null()).then(result)).to_series().alias(name)
    return frame.drop("__wall", "__off", "__off_ok").with_columns(
        result, reason.alias(ERR + name)
    )


def coerce_timestamp(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The text column `name` of `frame` (with its rows' zones, `TZ`) typed as UTC instants,
    and `ERR + name` the reason of every cell that is not read (null: read, or blank)."""
    return _coerce_timestamp(frame, name)
