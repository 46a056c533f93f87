"""Text cells -> typed values, vectorised, with a precise reason for every cell that fails.

Timestamps: a value with an offset or `Z` is an exact instant; a value without one is local
time at the row's port (`_tz`). Local times in a DST gap or the repeated fall-back hour are
errors: the user must give an offset. Everything comes out as UTC.
"""

from __future__ import annotations

import os
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import polars as pl

from berthcheck.ingest.kinds import Column, Kind, normalise_token

TZ = "_tz"  # per-row IANA zone for naive timestamps (null: unknown)
ERR = "_err_"  # prefix of per-column error-reason columns

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_OFFSET = r"([+-]\d{2}:?\d{2})$"
_TS_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
_PLAIN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"  # the commonest shape: local time to the minute
# an instant to the second, as ISO 8601 exports write it (ASCII digits: cut by place)
_ISO_OFFSET = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([Zz]|[+-][0-9]{2}:[0-9]{2})$"


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


_SLASHED = r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"  # 10/03/2026, 3.10.2026: a spreadsheet's locale


def _slashed_date_reason(text: pl.Expr, shape: str) -> pl.Expr:
    """Why a date written with slashes or dots is not read, with the value's own readings: its
    day and month order is never guessed (a column's 10/03/2026 may be 3 October or 10 March,
    and one unambiguous cell says nothing of the others), but the message says what to write
    for this value, not for another (it cited a fixed 10/03/2026 beside the user's 09/30/2026)."""
    parts = text.str.extract_groups(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(.*)$")
    first, second = (parts.struct.field(n).cast(pl.Int32) for n in ("1", "2"))
    year, rest = parts.struct.field("3"), parts.struct.field("4").str.strip_chars()

    def iso(month: pl.Expr, day: pl.Expr, order: str) -> pl.Expr:
        tail = pl.when(rest == "").then(pl.lit("")).otherwise(pl.lit(" ") + rest)
        return pl.concat_str([year, pl.lit("-"), month.cast(pl.Utf8).str.zfill(2), pl.lit("-"),
                              day.cast(pl.Utf8).str.zfill(2), tail, pl.lit(f" ({order})")])

    lead = (f"not an ISO 8601 date: the day and month order of a date with slashes or dots is "
            f"never guessed; write {shape}")
    def real(month: pl.Expr, day: pl.Expr) -> pl.Expr:
        # a reading is offered only when it is a date of the calendar: 30/02/2026 was told
        # "can only be 2026-02-30", which the load then refused in turn
        text = pl.concat_str([year, pl.lit("-"), month.cast(pl.Utf8).str.zfill(2), pl.lit("-"),
                              day.cast(pl.Utf8).str.zfill(2)])
        return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_not_null()

    day_month = iso(second, first, "day/month/year")
    month_day = iso(first, second, "month/day/year")
    valid = first.is_between(1, 31) & second.is_between(1, 31)
    dm = valid & (second <= 12) & real(second, first)
    md = valid & (first <= 12) & real(first, second)
    return (
        pl.when(dm & md)
        .then(pl.concat_str([pl.lit(f"{lead}: this one is "), day_month, pl.lit(" or "),
                             month_day]))
        .when(dm)
        .then(pl.concat_str([pl.lit(f"{lead}: this one can only be "), day_month]))
        .when(md)
        .then(pl.concat_str([pl.lit(f"{lead}: this one can only be "), month_day]))
        .otherwise(pl.lit(f"{lead}, e.g. 2026-10-03" + (" 14:20" if "hh" in shape else "")))
    )


def _clean(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _enum_expr(col: Column) -> pl.Expr:
    mapping = {normalise_token(v): v for v in col.values}
    mapping.update(col.value_aliases)
    token = (
        pl.col(col.name).str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-_]", "")
    )
    # unknown values pass through as written so the schema check reports them verbatim
    return token.replace_strict(mapping, default=_clean(col.name), return_dtype=pl.Utf8)


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
        [with_seconds.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _TS_FORMATS[:2]]
        + [base.str.strptime(pl.Datetime("us"), _TS_FORMATS[2], strict=False)]
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

    One query types the plain cells ("YYYY-MM-DD HH:MM", most of them); the others, if any,
    are taken apart and typed on their own (`_odd_cell_parts`) and put in their places."""
    # every zone of the rows (a zone whose rows have no local time converts nothing)
    value, needs_reason = _typed_exprs(_zones(frame[TZ]), offsets=False)
    typed = _collect(_plain_parts(frame, name).select(
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
    return frame.lazy().select(_clean(name).alias("__text"), pl.col(TZ)).with_columns(
        text.str.contains(_PLAIN).fill_null(False).alias("__plain")).select(
        text, parsed.str.strptime(pl.Datetime("us"), _TS_FORMATS[2],
                                  strict=False).alias("__wall"),
        pl.lit(None, dtype=pl.Int32).alias("__off"), pl.lit(None, dtype=pl.Boolean).alias("__off_ok"),
        pl.col(TZ), (text.is_not_null() & ~plain).alias("__odd"))


def _odd_cell_parts(text: pl.Series) -> pl.DataFrame:
    """`_odd_parts` of cleaned text cells that are not plain (__wall, __off, __off_ok)."""
    # The commonest of them, "YYYY-MM-DDThh:mm:ss" with "Z" or "+hh:mm" (an ISO 8601
    # export's instant), have their parts cut out by place, as `_timestamp_exprs` finds
    # them (the one format with seconds gives what its three give to these cells); only the
    # cells of other shapes take the regular expressions.
    iso = text.str.contains(_ISO_OFFSET).fill_null(False)
    if not iso.any():
        return _odd_parts(text)
    cell = pl.col("__text")
    # `_parts_exprs`' offset of "+hh:mm" ("Z" is "+00:00"), read by place
    utc = cell.str.slice(19).str.to_uppercase() == "Z"
    sign = pl.when(cell.str.slice(19, 1) == "-").then(-1).otherwise(1)
    hours = cell.str.slice(20, 2).cast(pl.Int32, strict=False)
    minutes = cell.str.slice(23, 2).cast(pl.Int32, strict=False)
    parts = text.alias("__text").to_frame().select(
        pl.when(iso).then(cell.str.slice(0, 10) + " " + cell.str.slice(11, 8))
        .str.strptime(pl.Datetime("us"), _TS_FORMATS[1], strict=False).alias("__wall"),
        pl.when(iso).then(pl.when(utc).then(0).otherwise(sign * (hours * 60 + minutes)))
        .cast(pl.Int32).alias("__off"),
        pl.when(iso).then(utc | ((hours <= 14) & (minutes < 60))).cast(pl.Boolean)
        .alias("__off_ok"))
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


def _coerce_simple(col: Column) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, error reason) expressions for non-timestamp columns."""
    raw = _clean(col.name)
    if col.type in ("text",):
        return raw, pl.lit(None, dtype=pl.Utf8)
    if col.type == "imo":
        digits = raw.str.replace(r"^(?i:imo)\s*", "")
        return digits, pl.lit(None, dtype=pl.Utf8)
    if col.type == "locode":
        return raw.str.to_uppercase().str.replace_all(" ", ""), pl.lit(None, dtype=pl.Utf8)
    if col.type == "enum":
        return _enum_expr(col), pl.lit(None, dtype=pl.Utf8)
    if col.type == "tz":
        return raw, pl.when(raw.is_not_null() & ~raw.is_in(sorted(known_timezones()))).then(
            pl.lit("not an IANA time zone name (e.g. America/Los_Angeles)")
        )
    if col.type == "bool":
        # one lookup per cell (not two `is_in` scans); anything else is null, i.e. an error
        words = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
        value = raw.str.to_lowercase().replace_strict(words, default=None,
                                                      return_dtype=pl.Boolean)
        reason = pl.when(raw.is_not_null() & value.is_null()).then(
            pl.lit("not a boolean (use true/false, yes/no, y/n, 1/0)")
        )
        return value, reason
    if col.type == "int":
        ok = raw.str.contains(r"^[+-]?\d+(\.0*)?$")
        value = pl.when(ok).then(raw.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
        reason = pl.when(raw.is_not_null() & value.is_null()).then(pl.lit("not a whole number"))
        return value, reason
    if col.type == "float":
        ok = raw.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
        number = raw.cast(pl.Float64, strict=False)
        value = pl.when(ok & number.is_finite()).then(number)
        # a decimal comma (a ';'-separated European export: 51421,7) gets its reading with
        # a point spelled out; the value is never guessed (1,234 may be a thousand)
        comma = raw.str.contains(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
        as_point = raw.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
        why = (pl.when(raw.is_not_null() & value.is_null() & comma)
               .then(pl.concat_str(pl.lit("not a finite number: numbers take a decimal point "
                                          "and no thousands separator (read with a decimal "
                                          "comma, this is "), as_point, pl.lit(")")))
               .when(raw.is_not_null() & value.is_null()).then(pl.lit("not a finite number")))
        return value, why
    if col.type == "date":
        # a plain date, or a spreadsheet's date-time at midnight
        ok = raw.str.contains(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00(\.0*)?)?)?$")
        value = pl.when(ok).then(raw.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        why = (pl.when(raw.is_not_null() & value.is_null() & raw.str.contains(_SLASHED))
               .then(_slashed_date_reason(raw, "YYYY-MM-DD"))
               .when(raw.is_not_null() & value.is_null())
               .then(pl.lit("not a date (expected YYYY-MM-DD)")))
        return value, why
    raise ValueError(f"unknown column type {col.type}")


_THREADED_ROWS = 10_000  # from this many rows the time columns are typed on threads


def _threads() -> int:
    """Threads for typing time columns: `BERTHCHECK_THREADS` (as for DuckDB), else every core."""
    given = os.environ.get("BERTHCHECK_THREADS", "")
    return int(given) if given.isdigit() and int(given) >= 1 else max(1, os.cpu_count() or 1)


# A column with few distinct cells (a flag, a vessel type, a tonnage per vessel) is typed
# once per distinct cell and the results joined back: the same values and reasons (every
# expression of `_coerce_simple` reads one cell), without the string work on every row.
_FEW_SAMPLE = 20_000  # cells sampled to rule out columns with mostly distinct cells
_FEW_SHARE = 0.1  # at most this share of the column's cells distinct: type those only


def _few_distinct(series: pl.Series) -> pl.Series | None:
    """The column's distinct cells, if few enough to type them alone (else None)."""
    if series.len() < 2 * _FEW_SAMPLE:
        return None  # small files: typing every cell costs nothing worth saving
    if series.head(_FEW_SAMPLE).n_unique() > _FEW_SAMPLE // 2:
        return None  # mostly distinct cells (times, energies): not worth a join
    distinct = series.unique()
    return distinct if distinct.len() <= series.len() * _FEW_SHARE else None


def _coerce_distinct(frame: pl.DataFrame, col: Column, cells: pl.Series) -> list[pl.Series]:
    """(value, reason) of column `col`, typed once per distinct cell (`cells`) and joined
    back in row order (NULL cells match the NULL distinct cell)."""
    value, reason = _coerce_simple(col)
    distinct = cells.to_frame(col.name).with_columns(
        value.alias("__value"), reason.cast(pl.Utf8).alias("__reason"))
    typed = frame.select(col.name).join(distinct, on=col.name, how="left", nulls_equal=True,
                                        maintain_order="left")
    return [typed["__value"].alias(col.name), typed["__reason"].alias(ERR + col.name)]


def coerce(frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Type every column of `kind`; add an `_err_<column>` reason column for each.

    `frame` holds text columns plus TZ (may be null) and the row number.
    """
    simple = [c for c in kind.columns if c.type != "timestamp"]
    exprs = []
    distinct = {c.name: cells for c in simple
                if c.type != "text" and (cells := _few_distinct(frame[c.name])) is not None}
    for col in simple:
        if col.name in distinct:
            continue
        value, reason = _coerce_simple(col)
        exprs += [value.alias(col.name), reason.cast(pl.Utf8).alias(ERR + col.name)]
    raw_text = frame.select([pl.col(c.name) for c in kind.columns])
    # lazily, so each column's cleaned text is computed once for its value and its reason
    out = frame.lazy().with_columns(exprs).collect()
    if distinct:
        # the same columns in the same order as typing every cell gives
        order = [*frame.columns, *(ERR + c.name for c in simple)]
        out = out.with_columns(
            [s for col in simple if col.name in distinct
             for s in _coerce_distinct(frame, col, distinct[col.name])]).select(order)
    stamps = [c.name for c in kind.columns if c.type == "timestamp"]
    if stamps:
        # Each time column is typed on its own (its text and the zone only), the columns side
        # by side on threads (polars releases the GIL): the same values, in the order the
        # columns are declared, whichever finishes first.
        narrow = out.select(*stamps, TZ)

        def typed_stamp(name: str) -> list[pl.Series]:
            return _coerce_timestamp(narrow.select(name, TZ), name).select(
                name, ERR + name).get_columns()

        if frame.height < _THREADED_ROWS:  # a pool's start costs more than a small file's typing
            typed = [typed_stamp(name) for name in stamps]
        else:
            with ThreadPoolExecutor(max_workers=min(len(stamps), _threads())) as pool:
                typed = list(pool.map(typed_stamp, stamps))
        out = out.with_columns([s for pair in typed for s in pair])
    defaults = [pl.col(c.name).fill_null(c.default) for c in kind.columns if c.default is not None]
    if defaults:
        out = out.with_columns(defaults)
    # keep the text as written, for error messages
    return out.with_columns([raw_text[c.name].alias("_raw_" + c.name) for c in kind.columns])
