"""Text cells -> typed values, vectorised, with a precise reason for every cell that fails.

Time columns are typed by `berthcheck.ingest.timestamps` (local times at the row's port, or
instants with an offset; everything comes out as UTC); the other column types here.
"""

from __future__ import annotations

import os
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import polars as pl

from berthcheck.ingest.cell_text import (
    ERR,
    SLASHED,
    TZ,
    blank_as_null,
    nulls,
    slashed_date_reason,
    stripped,
)
from berthcheck.ingest.cell_text import clean as _clean
from berthcheck.ingest.kinds import Column, Kind, normalise_token
from berthcheck.ingest.timestamps import coerce_timestamp

__all__ = ["ERR", "TZ", "coerce", "known_timezones"]

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _enum_expr(col: Column, raw: pl.Expr) -> pl.Expr:
    mapping = {normalise_token(v): v for v in col.values}
    mapping.update(col.value_aliases)
    token = (
        pl.col(col.name).str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-_]", "")
    )
    # unknown values pass through as written so the schema check reports them verbatim
    return token.replace_strict(mapping, default=raw, return_dtype=pl.Utf8)



# (id of a Column, the name of its cleaned text column or None) -> (the Column, its typing
# expressions): a load builds the same expressions for the same column every time (some 1.5
# ms of a one-row visits file's CPU: the enum mappings, the lists of zones). Kept with the
# Column itself, so an id is never reused for another; an expression is a constant
_TYPING: dict[tuple[int, str | None], tuple[Column, tuple[pl.Expr, pl.Expr]]] = {}


def _typing(col: Column, cleaned: str | None = None) -> tuple[pl.Expr, pl.Expr]:
    """`_coerce_simple(col, pl.col(cleaned))` (`cleaned` None: of the column's own text),
    made once per column of a kind."""
    key = (id(col), cleaned)
    known = _TYPING.get(key)
    if known is not None and known[0] is col:
        return known[1]
    made = _coerce_simple(col, None if cleaned is None else pl.col(cleaned))
    if len(_TYPING) > 1024:
        _TYPING.clear()
    _TYPING[key] = (col, made)
    return made


def _coerce_simple(col: Column, raw: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, error reason) expressions for non-timestamp columns. `raw`: the column's
    cleaned text (`cell_text.clean`) already computed as a column of its own, if it is."""
    raw = _clean(col.name) if raw is None else raw
    if col.type in ("text",):
        return raw, pl.lit(None, dtype=pl.Utf8)
    if col.type == "imo":
        digits = raw.str.replace(r"^(?i:imo)\s*", "")
        return digits, pl.lit(None, dtype=pl.Utf8)
    if col.type == "locode":
        return raw.str.to_uppercase().str.replace_all(" ", ""), pl.lit(None, dtype=pl.Utf8)
    if col.type == "enum":
        return _enum_expr(col, raw), pl.lit(None, dtype=pl.Utf8)
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
        why = (pl.when(raw.is_not_null() & value.is_null() & raw.str.contains(SLASHED))
               .then(slashed_date_reason(raw, "YYYY-MM-DD"))
               .when(raw.is_not_null() & value.is_null())
               .then(pl.lit("not a date (expected YYYY-MM-DD)")))
        return value, why
    raise ValueError(f"unknown column type {col.type}")


_THREADED_ROWS = 10_000  # from this many rows the time columns are typed on threads


def _threads() -> int:
    """Threads for typing time columns: `BERTHCHECK_THREADS` (as for DuckDB), else every core."""
    from berthcheck import store

    return store.threads_setting() or max(1, os.cpu_count() or 1)


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
    value, reason = _typing(col)
    distinct = cells.to_frame(col.name).with_columns(
        value.alias("__value"), reason.cast(pl.Utf8).alias("__reason"))
    typed = frame.select(col.name).join(distinct, on=col.name, how="left", nulls_equal=True,
                                        maintain_order="left")
    return [typed["__value"].alias(col.name), typed["__reason"].alias(ERR + col.name)]


# Column types whose reason is given exactly when a cell has text and no value was read from
# it: the reason is worded only for those cells (`_reasons_of_unread`).
_REASON_WHEN_UNREAD = ("bool", "int", "float", "date")
_UNREAD = "__unread_"  # prefix of the mask of a column's cells with text and no value
_CLEANED = "__cleaned_"  # prefix of a column's cleaned text while it is typed


def _reasons_of_unread(frame: pl.DataFrame, col: Column, unread: pl.Series) -> pl.Series:
    """`ERR + col.name`: the reason of each cell `unread` marks, typed by the same expression
    as every cell (it reads one cell), null elsewhere. A file's cells nearly all type: the
    reasons' work (a float's decimal-comma reading, a date's slashed readings) was done on
    every row for none (some 0.1 s of CPU per 200 000 visits)."""
    empty = nulls(ERR + col.name, pl.Utf8, frame.height)
    if not unread.any():
        return empty
    where = unread.arg_true()
    reason = _typing(col)[1]
    worded = frame.select(pl.col(col.name).gather(where)).select(
        reason.cast(pl.Utf8)).to_series()
    return empty.scatter(where, worded)


def coerce(frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """Type every column of `kind`; add an `_err_<column>` reason column for each.

    `frame` holds text columns plus TZ (may be null) and the row number.
    """
    stamps = [c.name for c in kind.columns if c.type == "timestamp"]
    # Each time column is typed on its own (its text and the zone only), the columns side by
    # side on threads (polars releases the GIL), and beside the other columns' typing: their
    # text is the file's, which that typing leaves as it is. The same values, in the order
    # the columns are declared, whichever finishes first. (Typed after the other columns, the
    # time columns waited for their joins and single-column steps, which keep one core busy.)
    def typed_stamp(name: str) -> list[pl.Series]:
        # columns taken by name, not by `select` (a polars query each: ten a small visits file)
        typed = coerce_timestamp(frame[[name, TZ]], name)
        return [typed.get_column(name), typed.get_column(ERR + name)]

    pool = None
    if stamps and frame.height >= _THREADED_ROWS:  # a pool's start costs more than a small
        pool = ThreadPoolExecutor(max_workers=min(len(stamps), _threads()))  # file's typing
    try:
        pending = [pool.submit(typed_stamp, name) for name in stamps] if pool else []
        out = _coerce_simple_columns(frame, kind)
        typed = ([f.result() for f in pending] if pool
                 else [typed_stamp(name) for name in stamps])
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if stamps:
        out = out.with_columns([s for pair in typed for s in pair])
    defaults = [pl.col(c.name).fill_null(c.default) for c in kind.columns if c.default is not None]
    if defaults:
        out = out.with_columns(defaults)
    # keep the text as written, for error messages
    return out.with_columns([frame[c.name].alias("_raw_" + c.name) for c in kind.columns])


def _coerce_simple_columns(frame: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    """`frame` with every column of `kind` that is not a time column typed, and its reason
    column `ERR + name` after the frame's columns (in the kind's order)."""
    simple = [c for c in kind.columns if c.type != "timestamp"]
    exprs = []
    distinct = {c.name: cells for c in simple
                if c.type != "text" and (cells := _few_distinct(frame[c.name])) is not None}
    unread = [c for c in simple if c.name not in distinct and c.type in _REASON_WHEN_UNREAD]
    # Each column's cleaned text is a column of its own first, which the value and reason
    # expressions read: polars does not share a subexpression repeated inside when/then, so
    # built on `_clean` each expression cleaned the text again (a float column's value and
    # mask cleaned it five times: 0.24 CPU s per 546 000 cells against 0.06).
    cleaned = {c.name: _CLEANED + c.name for c in simple if c.name not in distinct}
    for col in simple:
        if col.name in distinct:
            continue
        raw = pl.col(cleaned[col.name])
        value, reason = _typing(col, cleaned[col.name])
        if col in unread:  # the reason comes later, for the cells not read only
            exprs += [value.alias(col.name), (raw.is_not_null() & value.is_null())
                      .alias(_UNREAD + col.name)]
        else:
            exprs += [value.alias(col.name), reason.cast(pl.Utf8).alias(ERR + col.name)]
    # cleaned in `clean`'s two steps (each cell stripped once)
    out = (frame.lazy()
           .with_columns(stripped(name).alias(temp) for name, temp in cleaned.items())
           .with_columns(blank_as_null(temp).alias(temp) for temp in cleaned.values())
           .with_columns(exprs).drop(list(cleaned.values())).collect())
    if distinct or unread:
        # the same columns in the same order as typing every cell gives
        order = [*frame.columns, *(ERR + c.name for c in simple)]
        out = out.with_columns(
            [s for col in simple if col.name in distinct
             for s in _coerce_distinct(frame, col, distinct[col.name])]
            + [_reasons_of_unread(frame, col, out[_UNREAD + col.name]) for col in unread]
        ).select(order)
    return out
